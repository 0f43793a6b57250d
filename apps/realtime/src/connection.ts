import type { Logger, RevocationCheck, TokenClaims } from '@cellstream/shared';
import { type Authenticate, forbiddenReason, isRevoked, mayAccess } from './auth.js';
import { ProtocolError } from './errors.js';
import type { FanOut, FanOutSocket, Member } from './fan-out.js';
import {
  type ClientMessage,
  parseChannel,
  parseClientMessage,
  serverMessage,
  type Target,
} from './protocol.js';

export interface ConnectionDeps {
  authenticate: Authenticate;
  fanOut: FanOut;
  /** Resolves once the state is complete (the initial read of the topics is done). */
  whenCaughtUp: () => Promise<void>;
  authTimeoutMs: number;
  maxSubscriptions: number;
  logger: Logger;
  onAuthFailure?: (code: string) => void;
}

/** setTimeout's longest delay; a token valid for longer is checked again then. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * One client's side of the protocol, a small state machine:
 *
 *   awaiting_auth ──auth──▶ authenticating ──valid──▶ authenticated ──close──▶ closed
 *        │                        │ invalid: error, close 4401 (1013 when keys unreachable)
 *        └─ any other message, or AUTH_TIMEOUT_MS: error, close 4401
 *   authenticated ── token expires, or lms-api revokes it ──▶ error, close 4401
 *
 * Messages are handled one at a time in arrival order, so a client may send auth and subscribe
 * without waiting: the subscribe is handled once the token is verified, and a subscribe that
 * arrives before the state is complete is answered when it is.
 */
export class Connection {
  private state: 'awaiting_auth' | 'authenticating' | 'authenticated' | 'closed' = 'awaiting_auth';
  private socket: FanOutSocket | null = null;
  private claims: TokenClaims | null = null;
  private member: Member | null = null;
  private queue: Promise<void> = Promise.resolve();
  private authTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ConnectionDeps) {}

  opened(socket: FanOutSocket): void {
    this.socket = socket;
    this.authTimer = setTimeout(
      () =>
        this.fail(
          new ProtocolError('auth_timeout', 'Send {"type":"auth","token"} first, within a few seconds.'),
        ),
      this.deps.authTimeoutMs,
    );
  }

  /** A text frame (or null for a binary one, which the protocol has none of). */
  received(text: string | null): void {
    this.queue = this.queue
      .then(() => this.handle(text))
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'handling a client message failed'));
  }

  drained(): void {
    if (this.member) this.deps.fanOut.drain(this.member);
  }

  /** The socket is closed (by either side); it must not be used any more. */
  closed(): void {
    this.state = 'closed';
    this.socket = null;
    clearTimeout(this.authTimer);
    clearTimeout(this.expiryTimer);
    if (this.member) this.deps.fanOut.leave(this.member);
    this.member = null;
  }

  /** Closes the connection from the server's side (shutdown). */
  end(code: number, reason: string): void {
    if (!this.isClosed) this.socket?.end(code, reason);
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  private async handle(text: string | null): Promise<void> {
    if (this.state === 'closed') return;
    const parsed =
      text === null
        ? ({ ok: false, reason: 'Binary messages are not part of the protocol.' } as const)
        : parseClientMessage(text);
    if (this.state !== 'authenticated') {
      if (!parsed.ok || parsed.message.type !== 'auth') {
        this.fail(new ProtocolError('auth_required', 'Authenticate first: send {"type":"auth","token"}.'));
        return;
      }
      await this.authenticate(parsed.message.token);
      return;
    }
    if (!parsed.ok) {
      this.send(serverMessage.error('bad_request', parsed.reason));
      return;
    }
    await this.dispatch(parsed.message);
  }

  private async dispatch(message: ClientMessage): Promise<void> {
    switch (message.type) {
      case 'auth':
        return this.authenticate(message.token);
      case 'subscribe':
        return this.subscribe(message.target);
      case 'unsubscribe':
        if (this.member) this.deps.fanOut.unsubscribe(this.member, message.target.channel.name);
        this.send(serverMessage.unsubscribed(message.target));
        return;
      case 'ping':
        this.send(serverMessage.pong());
        return;
    }
  }

  /** First authentication, or a later one that replaces the token (a refresh before it expires). */
  private async authenticate(token: string): Promise<void> {
    if (this.state === 'awaiting_auth') this.state = 'authenticating';
    let claims: TokenClaims;
    try {
      claims = await this.deps.authenticate(token);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.deps.onAuthFailure?.(error.code);
      this.fail(error);
      return;
    }
    if (this.isClosed || !this.socket) return;
    clearTimeout(this.authTimer);
    this.claims = claims;
    this.state = 'authenticated';
    this.member ??= this.deps.fanOut.join(this.socket);
    this.scheduleExpiry(claims.exp);
    for (const name of [...this.member.channels]) {
      const channel = parseChannel(name);
      if (!channel || mayAccess(claims, channel)) continue;
      this.deps.fanOut.unsubscribe(this.member, name);
      // The error names the channel as a classId for class channels, as the older form does.
      const target: Target = { channel, form: channel.kind === 'class' ? 'classId' : 'channel' };
      this.send(serverMessage.error('forbidden', `The new token may not see ${name}.`, target));
    }
    this.send(serverMessage.authenticated(claims));
  }

  /**
   * The revocation list changed: a connection whose token is now revoked is closed (token_revoked,
   * 4401). Tokens revoked before `auth` are refused there.
   */
  checkRevoked(revocations: RevocationCheck): void {
    if (this.state !== 'authenticated' || !this.claims || !isRevoked(this.claims, revocations)) return;
    this.deps.onAuthFailure?.('token_revoked');
    this.fail(
      new ProtocolError('token_revoked', 'This token was revoked: ask your instructor for a new one.'),
    );
  }

  private async subscribe(target: Target): Promise<void> {
    const member = this.member;
    const { channel } = target;
    if (!this.claims || !member) return;
    if (!mayAccess(this.claims, channel)) {
      this.send(serverMessage.error('forbidden', forbiddenReason(this.claims, channel), target));
      return;
    }
    if (!member.channels.has(channel.name) && member.channels.size >= this.deps.maxSubscriptions) {
      this.send(
        serverMessage.error(
          'too_many_subscriptions',
          `At most ${this.deps.maxSubscriptions} channels per connection: unsubscribe from one first.`,
          target,
        ),
      );
      return;
    }
    await this.deps.whenCaughtUp();
    if (this.isClosed || !this.claims || !mayAccess(this.claims, channel)) return;
    this.deps.fanOut.subscribe(member, channel.name);
  }

  private scheduleExpiry(exp: number | undefined): void {
    clearTimeout(this.expiryTimer);
    if (exp === undefined) return;
    const delay = exp * 1000 - Date.now();
    this.expiryTimer = setTimeout(
      () =>
        delay > MAX_TIMER_MS
          ? this.scheduleExpiry(exp)
          : this.fail(
              new ProtocolError(
                'token_expired',
                'The token has expired: authenticate again with a fresh one.',
              ),
            ),
      Math.max(0, Math.min(delay, MAX_TIMER_MS)),
    );
  }

  private send(message: string): void {
    if (!this.isClosed) this.socket?.send(message);
  }

  /** Sends the error and, when its code says so, closes the connection. */
  private fail(error: ProtocolError): void {
    if (this.isClosed || !this.socket) return;
    this.send(serverMessage.error(error.code, error.message, error.target));
    const close = error.close;
    if (close) this.socket.end(close.code, close.reason);
  }
}
