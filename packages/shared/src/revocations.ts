import type { Logger } from './logger.js';

/** What the authentication hook asks: is this token id revoked? */
export interface RevocationCheck {
  isRevoked(jti: string): boolean;
}

export interface RevocationListOptions {
  /** `${LMS_URL}/.well-known/revoked-tokens`, answering `{revoked: [{jti, exp}]}` (exp in seconds). */
  url: string;
  intervalMs: number;
  logger: Logger;
  clock?: () => number;
  /** How long one poll may take. */
  requestTimeoutMs?: number;
}

/**
 * The ingest tokens lms-api revoked before their expiry, polled every `intervalMs`. A revoked
 * token is refused until its own `exp` has passed (after that the verifier refuses it anyway).
 *
 * When lms-api does not answer, or does not have the endpoint (404), the last list is kept and
 * one warning is logged until a poll succeeds again: an lms-api restart must not open the door
 * to revoked tokens, nor stop ingest. A revocation therefore takes effect within one interval.
 */
export class RevocationList implements RevocationCheck {
  private revoked = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private warned = false;
  private readonly clock: () => number;
  private readonly log: Logger;

  constructor(private readonly options: RevocationListOptions) {
    this.clock = options.clock ?? Date.now;
    this.log = options.logger.child({ component: 'revocations' });
  }

  /** Polls once now (the first list is in place when this resolves), then every interval. */
  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  get size(): number {
    return this.revoked.size;
  }

  isRevoked(jti: string): boolean {
    const exp = this.revoked.get(jti);
    return exp !== undefined && exp * 1000 > this.clock();
  }

  /** Fetches the list once; never throws. True when the list was refreshed. */
  async poll(): Promise<boolean> {
    try {
      const response = await fetch(this.options.url, {
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 5_000),
        headers: { accept: 'application/json' },
      });
      if (!response.ok) {
        await response.body?.cancel();
        this.warnOnce(`answered HTTP ${response.status}`);
        return false;
      }
      const body = (await response.json()) as { revoked?: unknown };
      if (!Array.isArray(body.revoked)) {
        this.warnOnce('answered without a `revoked` array');
        return false;
      }
      const now = this.clock();
      const next = new Map<string, number>();
      for (const entry of body.revoked as { jti?: unknown; exp?: unknown }[]) {
        if (typeof entry?.jti !== 'string' || typeof entry.exp !== 'number') continue;
        if (entry.exp * 1000 > now) next.set(entry.jti, entry.exp);
      }
      this.revoked = next;
      if (this.warned) this.log.info({ revoked: next.size }, 'revoked tokens list reachable again');
      this.warned = false;
      return true;
    } catch (error) {
      this.warnOnce(error instanceof Error ? error.message : String(error));
      return false;
    }
  }

  private warnOnce(reason: string): void {
    if (this.warned) return;
    this.warned = true;
    this.log.warn(
      { url: this.options.url, reason, kept: this.revoked.size },
      'cannot fetch the revoked tokens; keeping the last list',
    );
  }
}
