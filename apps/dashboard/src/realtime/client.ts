import { type BackoffOptions, backoffDelay, defaultBackoff } from './backoff';
import { type LiveMessage, parseServerMessage } from './messages';

/**
 * One class's live stream from realtime (apps/realtime/README.md): on every connection it sends
 * `auth` then `subscribe` (realtime handles them in order), gets a snapshot, then updates. A lost
 * connection is retried with backoff and resubscribed; the fresh snapshot fills in whatever was
 * missed. 4401 (token rejected or expired) and `forbidden` are final: retrying cannot help.
 *
 *   connecting ──snapshot──▶ live ──close/stale──▶ reconnecting ──timer──▶ connecting
 *        │                    │
 *        └──4401 / forbidden──┴──▶ unauthorized / forbidden (final)      stop() ──▶ stopped
 */
export type ConnectionState =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'live'; since: number }
  | { kind: 'reconnecting'; attempt: number; retryAt: number; reason: string }
  | { kind: 'unauthorized'; message: string }
  | { kind: 'forbidden'; message: string }
  | { kind: 'stopped' };

/** The part of the browser's WebSocket this client uses (tests pass a fake). */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface RealtimeOptions {
  url: string;
  token: string;
  classId: string;
  onMessage: (message: LiveMessage) => void;
  onState: (state: ConnectionState) => void;
  createSocket?: (url: string) => SocketLike;
  backoff?: BackoffOptions;
  random?: () => number;
  timers?: Timers;
  now?: () => number;
  /** How often an application ping is sent (browsers cannot see WebSocket pings). */
  heartbeatMs?: number;
  /** A connection that delivered nothing (not even a pong) for this long is dropped and retried. */
  staleAfterMs?: number;
}

/** Close codes after which reconnecting cannot help. */
export const UNAUTHORIZED_CLOSE = 4401;

const browserTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as number),
  setInterval: (callback, ms) => globalThis.setInterval(callback, ms),
  clearInterval: (handle) => globalThis.clearInterval(handle as number),
};

export class RealtimeClient {
  private socket: SocketLike | null = null;
  private attempt = 0;
  private retryTimer: unknown = null;
  private heartbeat: unknown = null;
  private lastHeard = 0;
  private stopped = false;
  private current: ConnectionState = { kind: 'stopped' };
  private readonly timers: Timers;
  private readonly now: () => number;

  constructor(private readonly options: RealtimeOptions) {
    this.timers = options.timers ?? browserTimers;
    this.now = options.now ?? Date.now;
  }

  get state(): ConnectionState {
    return this.current;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.detach(1000, 'dashboard closed');
    this.setState({ kind: 'stopped' });
  }

  /** Retry now instead of waiting for the backoff (the browser came back online, a user clicked). */
  retryNow(): void {
    if (this.stopped || this.current.kind !== 'reconnecting') return;
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  private connect(): void {
    this.setState({ kind: 'connecting', attempt: this.attempt });
    let socket: SocketLike;
    try {
      socket = (this.options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike))(
        this.options.url,
      );
    } catch (error) {
      this.lost(`cannot open ${this.options.url}: ${(error as Error).message}`);
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.lastHeard = this.now();
      socket.send(JSON.stringify({ type: 'auth', token: this.options.token }));
      socket.send(JSON.stringify({ type: 'subscribe', classId: this.options.classId }));
      this.startHeartbeat(socket);
    };
    socket.onmessage = (event) => {
      if (socket !== this.socket) return;
      this.lastHeard = this.now();
      if (typeof event.data === 'string') this.handle(event.data);
    };
    socket.onerror = () => {
      // A close event always follows; it carries the code that decides what to do.
    };
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.stopHeartbeat();
      if (this.stopped) return;
      if (event.code === UNAUTHORIZED_CLOSE) {
        this.setState({
          kind: 'unauthorized',
          message: event.reason || 'Your session has expired: log in again.',
        });
        return;
      }
      this.lost(event.reason ? `closed (${event.code}: ${event.reason})` : `closed (${event.code})`);
    };
  }

  private handle(text: string): void {
    const message = parseServerMessage(text);
    if (!message) return;
    switch (message.type) {
      case 'snapshot':
        if (message.classId !== this.options.classId) return;
        this.attempt = 0;
        this.setState({ kind: 'live', since: this.now() });
        this.options.onMessage(message);
        return;
      case 'class_aggregate':
      case 'student_status':
      case 'alert':
        if (message.classId === this.options.classId) this.options.onMessage(message);
        return;
      case 'error':
        if (
          message.code === 'forbidden' &&
          (message.classId ?? this.options.classId) === this.options.classId
        ) {
          this.stopped = true;
          this.clearTimers();
          this.detach(1000, 'forbidden');
          this.setState({ kind: 'forbidden', message: message.message });
        }
        // Errors that close the connection (unauthorized, token_expired, auth_unavailable) are
        // handled by their close code.
        return;
      default:
        return;
    }
  }

  private lost(reason: string): void {
    this.detach(4000, 'reconnecting');
    const delay = backoffDelay(this.attempt, this.options.backoff ?? defaultBackoff, this.options.random);
    this.attempt += 1;
    this.setState({ kind: 'reconnecting', attempt: this.attempt, retryAt: this.now() + delay, reason });
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  private startHeartbeat(socket: SocketLike): void {
    this.stopHeartbeat();
    const every = this.options.heartbeatMs ?? 20_000;
    const staleAfter = this.options.staleAfterMs ?? 45_000;
    this.heartbeat = this.timers.setInterval(() => {
      if (socket !== this.socket) return;
      if (this.now() - this.lastHeard > staleAfter) {
        // A dead network path may take minutes to surface as a close event: give up on it now.
        this.stopHeartbeat();
        this.lost('no answer from realtime');
        return;
      }
      socket.send('{"type":"ping"}');
    }, every);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== null) this.timers.clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private clearTimers(): void {
    this.stopHeartbeat();
    if (this.retryTimer !== null) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Forgets the current socket (its late events are ignored) and closes it. */
  private detach(code: number, reason: string): void {
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    try {
      socket.close(code, reason);
    } catch {
      // Already closed.
    }
  }

  private setState(state: ConnectionState): void {
    this.current = state;
    this.options.onState(state);
  }
}
