import { backoffDelay } from '../delivery/backoff.js';
import { parseNotification, type StudentNotification } from './notification.js';
import type { SeenNotifications } from './seen.js';

/** The part of the browser's WebSocket the feed uses, so tests can hand it a fake. */
export interface FeedSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type FeedState = 'connecting' | 'live' | 'retrying' | 'refused' | 'stopped';

export interface NotificationsUpdate {
  /** The most recent notifications of this student and its classes, oldest first. */
  recent: StudentNotification[];
  /** What this message brought (a snapshot's list, or one live notification). */
  arrived: StudentNotification[];
  /** Those never shown in this browser before (they are now remembered as shown). */
  fresh: StudentNotification[];
  /** True when they came in a snapshot (sent while the student was away), false when live. */
  replayed: boolean;
}

export interface FeedOptions {
  /** The realtime WebSocket URL (see `realtimeSocketUrl`). */
  url: string;
  /** A student token realtime accepts: the extension's ingest token or a session token. */
  token: string;
  seen: SeenNotifications;
  onNotifications: (update: NotificationsUpdate) => void;
  onState?: (state: FeedState, detail?: string) => void;
  openSocket?: (url: string) => FeedSocket;
  log?: (message: string, detail?: unknown) => void;
}

export const feedDefaults = {
  /** Kept for the panel's list. */
  maxRecent: 50,
  /** A ping this often: browsers cannot see WebSocket pings, and a dead link must be noticed. */
  pingIntervalMs: 25_000,
  /** Reconnect backoff (full jitter), as delivery's. */
  baseBackoffMs: 1_000,
  maxBackoffMs: 30_000,
} as const;

/** Realtime refuses a token with close code 4401: retrying with the same token cannot help. */
const CLOSE_UNAUTHORIZED = 4401;

/**
 * A student's live notifications: one WebSocket to realtime that authenticates with the
 * student's token, subscribes to `notifications:<userId>` and to `broadcast:<classId>` of each
 * of its classes (apps/realtime/README.md), and reports what arrives, deduplicated by
 * `notificationId` across reconnects and tabs. Reconnects with backoff, except when the token
 * is refused: then it waits for a new token (a new feed).
 */
export class NotificationFeed {
  private socket: FeedSocket | undefined;
  private readonly recent = new Map<string, StudentNotification>();
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private heardSincePing = true;
  private lastError = '';
  private stopped = false;

  constructor(private readonly options: FeedOptions) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.closeSocket(1000, 'stopped');
    this.options.onState?.('stopped');
  }

  private connect(): void {
    this.options.onState?.(this.attempt === 0 ? 'connecting' : 'retrying');
    let socket: FeedSocket;
    try {
      socket = (this.options.openSocket ?? ((url) => new WebSocket(url) as unknown as FeedSocket))(
        this.options.url,
      );
    } catch (error) {
      // A malformed URL: no retry can fix it.
      this.options.onState?.('refused', `Bad realtime URL ${this.options.url}: ${(error as Error).message}`);
      return;
    }
    this.socket = socket;
    this.lastError = '';
    socket.onopen = () => socket.send(JSON.stringify({ type: 'auth', token: this.options.token }));
    socket.onmessage = (event) => this.receive(event.data);
    socket.onerror = () => undefined; // a close follows, which decides
    socket.onclose = (event) => this.closed(socket, event.code, event.reason);
  }

  private receive(data: unknown): void {
    this.heardSincePing = true;
    if (typeof data !== 'string') return;
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return;
    }
    switch (message.type) {
      case 'authenticated':
        this.authenticated(message);
        return;
      case 'snapshot':
        if (Array.isArray(message.notifications)) this.take(message.notifications, true);
        return;
      case 'assignment_graded':
      case 'assignment_returned':
      case 'system_message':
        this.take([message], false);
        return;
      case 'error':
        this.lastError = `${String(message.code)}: ${String(message.message)}`;
        if (message.code !== 'forbidden') return;
        // A channel this token may not see (e.g. an instructor's token has no own notifications).
        this.options.log?.('realtime refused a channel', message);
        return;
      default:
        return; // pong, student_status and anything newer
    }
  }

  private authenticated(message: Record<string, unknown>): void {
    this.attempt = 0;
    this.options.onState?.('live');
    const userId = typeof message.userId === 'string' ? message.userId : '';
    const classes = Array.isArray(message.classes)
      ? message.classes.filter((id): id is string => typeof id === 'string')
      : [];
    const channels = classes.map((classId) => `broadcast:${classId}`);
    if (message.role === 'student' && userId) channels.unshift(`notifications:${userId}`);
    for (const channel of channels) this.socket?.send(JSON.stringify({ type: 'subscribe', channel }));
    clearInterval(this.pingTimer);
    this.heardSincePing = true;
    this.pingTimer = setInterval(() => this.ping(), feedDefaults.pingIntervalMs);
  }

  private ping(): void {
    if (!this.heardSincePing) {
      // Nothing for a whole interval, not even a pong: the link is dead without having closed.
      this.closeSocket(4000, 'no answer to ping');
      this.scheduleRetry('realtime stopped answering');
      return;
    }
    this.heardSincePing = false;
    this.socket?.send('{"type":"ping"}');
  }

  private take(raw: unknown[], replayed: boolean): void {
    const arrived = raw.map(parseNotification).filter((n): n is StudentNotification => n !== undefined);
    if (arrived.length === 0) return;
    for (const notification of arrived) this.recent.set(notification.notificationId, notification);
    const recent = [...this.recent.values()].sort((a, b) => a.createdAt - b.createdAt);
    for (const old of recent.splice(0, Math.max(0, recent.length - feedDefaults.maxRecent))) {
      this.recent.delete(old.notificationId);
    }
    const added = new Set(this.options.seen.add(arrived.map((n) => n.notificationId)));
    const fresh = arrived.filter((n) => added.has(n.notificationId));
    this.options.onNotifications({ recent, arrived, fresh, replayed });
  }

  private closed(socket: FeedSocket, code: number, reason: string): void {
    if (socket !== this.socket) return; // an older socket, already replaced
    this.socket = undefined;
    clearInterval(this.pingTimer);
    if (this.stopped) return;
    if (code === CLOSE_UNAUTHORIZED) {
      this.options.onState?.('refused', this.lastError || reason || 'the token was refused');
      return;
    }
    this.scheduleRetry(this.lastError || reason || `closed (${code})`);
  }

  private scheduleRetry(detail: string): void {
    if (this.stopped) return;
    this.attempt += 1;
    this.options.onState?.('retrying', detail);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(
      () => this.connect(),
      backoffDelay(this.attempt, { baseMs: feedDefaults.baseBackoffMs, maxMs: feedDefaults.maxBackoffMs }),
    );
  }

  private closeSocket(code: number, reason: string): void {
    const socket = this.socket;
    this.socket = undefined;
    clearInterval(this.pingTimer);
    if (!socket) return;
    socket.onclose = null;
    socket.onmessage = null;
    try {
      socket.close(code, reason);
    } catch {
      // already closed
    }
  }
}

/**
 * The WebSocket URL for a realtime setting: `ws(s)://host/ws` as given, or an `http(s)://` base
 * (what admins tend to paste), which becomes `ws(s)://` with the `/ws` path when it has none.
 */
export function realtimeSocketUrl(setting: string): string | undefined {
  let url: URL;
  try {
    url = new URL(setting.trim());
  } catch {
    return undefined;
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return undefined;
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/ws';
  return url.toString();
}
