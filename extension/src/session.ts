import { type EventContext, simpleEvent } from './capture/cell-events.js';
import { type CellstreamConfig, classIdFor, type TokenClaims, tokenClaims } from './config.js';
import { deliveryDefaults } from './delivery/backoff.js';
import { Delivery, type DeliveryStatus } from './delivery/delivery.js';
import type { LearningEvent } from './delivery/events.js';
import { IndexedDbOutbox } from './delivery/outbox.js';
import { httpTransport } from './delivery/transport.js';

const SESSION_TOKEN_KEY = 'cellstream:session-token';

/**
 * One page's Cellstream session: which user, class and token, and the delivery pipeline for
 * them. Capture only runs while the student has consented and a server and token are known.
 */
export class CellstreamSession {
  readonly sessionId = crypto.randomUUID();
  private config: CellstreamConfig | undefined;
  private claims: TokenClaims | undefined;
  private delivery: Delivery | undefined;
  private outbox: IndexedDbOutbox | undefined;
  private userId = '';
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly onStatus: (status: DeliveryStatus | undefined) => void) {
    window.addEventListener('pagehide', () => this.unload());
  }

  /** A token from the panel's login (kept for this browser tab only). */
  get sessionToken(): string {
    return sessionStorage.getItem(SESSION_TOKEN_KEY) ?? '';
  }

  set sessionToken(token: string) {
    if (token) sessionStorage.setItem(SESSION_TOKEN_KEY, token);
    else sessionStorage.removeItem(SESSION_TOKEN_KEY);
    if (this.config) void this.apply(this.config);
  }

  /** The token lms-api accepts: the configured one when it is a session token, else the login's. */
  get lmsToken(): string {
    const configured = this.config?.token ?? '';
    return configured && tokenClaims(configured)?.kind !== 'ingest' ? configured : this.sessionToken;
  }

  get settings(): CellstreamConfig | undefined {
    return this.config;
  }

  context(): EventContext | undefined {
    if (!this.delivery) return undefined;
    return {
      userId: this.userId,
      classId: classIdFor(this.config as CellstreamConfig, this.claims),
      sessionId: this.sessionId,
    };
  }

  emit(event: LearningEvent): void {
    this.delivery?.enqueue(event).catch((error: unknown) => console.error('[cellstream] outbox', error));
  }

  /** Applies new settings, one change at a time. */
  apply(config: CellstreamConfig): Promise<void> {
    this.applying = this.applying
      .then(() => this.applyNow(config))
      .catch((error: unknown) => {
        console.error('[cellstream] could not start delivery', error);
      });
    return this.applying;
  }

  private async applyNow(config: CellstreamConfig): Promise<void> {
    this.config = config;
    const token = config.token || this.sessionToken;
    this.claims = token ? tokenClaims(token) : undefined;
    const userId = this.claims?.sub ?? '';
    const active = config.consent === 'granted' && Boolean(config.ingestUrl) && Boolean(userId);
    if (!active || userId !== this.userId) this.stop();
    if (!active) return;
    const transport = httpTransport({ ingestUrl: config.ingestUrl, token, gzip: true });
    if (this.delivery) {
      this.currentTransport = transport;
      await this.delivery.flush();
      return;
    }
    this.userId = userId;
    this.currentTransport = transport;
    this.outbox = await IndexedDbOutbox.open(userId, { maxQueued: deliveryDefaults.maxQueued });
    this.delivery = new Delivery({
      outbox: this.outbox,
      transport: (events, options) => this.currentTransport(events, options),
      onStatus: this.onStatus,
      log: (message, detail) => console.warn(`[cellstream] ${message}`, detail ?? ''),
    });
    await this.delivery.start();
    this.emit(
      simpleEvent(this.context() as EventContext, 'session_start', {
        metadata: { userAgent: navigator.userAgent.slice(0, 200) },
      }),
    );
  }

  private currentTransport: ReturnType<typeof httpTransport> = async () => {
    throw new Error('no transport');
  };

  private stop(): void {
    this.delivery?.close();
    this.outbox?.close();
    this.delivery = undefined;
    this.outbox = undefined;
    this.userId = '';
    this.onStatus(undefined);
  }

  /** The page is closing: `session_end`, and a keepalive flush of what is not confirmed yet. */
  private unload(): void {
    const context = this.context();
    if (!this.delivery || !context) return;
    const goodbye = simpleEvent(context, 'session_end');
    // Also into the outbox (best effort: the page may be gone before IndexedDB commits).
    void this.outbox?.add([goodbye]).catch(() => undefined);
    this.delivery.flushOnUnload([goodbye]);
  }
}
