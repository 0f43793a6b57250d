import { closeCodes } from './errors.js';
import { type AddOutcome, PendingUpdates, type Update, type UpdateKind } from './pending-updates.js';

/** The part of a uWS WebSocket the fan-out uses (a fake in unit tests). */
export interface FanOutSocket {
  /** 1 sent, 0 sent but buffered (backpressure), 2 dropped (over maxBackpressure). */
  send(message: string): number;
  getBufferedAmount(): number;
  subscribe(topic: string): boolean;
  unsubscribe(topic: string): boolean;
  end(code?: number, shortMessage?: string): void;
}

/** What the fan-out reports, for metrics. */
export interface FanOutObserver {
  sent(kind: string, count: number, bytes: number): void;
  pending(outcome: AddOutcome, kind: UpdateKind): void;
  slow(event: 'entered' | 'recovered' | 'closed'): void;
}

export interface FanOutOptions {
  /** app.publish of uWS: sends to every socket subscribed to the topic. */
  publish: (topic: string, message: string) => void;
  /** The serialized snapshot of a channel (by name), built from the current state. */
  snapshot: (channel: string) => string;
  /** Soft bound of a socket's buffer: past it the client is slow (SLOW_CLIENT_BUFFER_BYTES). */
  slowBufferBytes: number;
  /** How long a client may stay slow before it is closed (SLOW_CLIENT_TIMEOUT_MS). */
  slowTimeoutMs: number;
  /** Events (alerts, notifications) held for a slow client (SLOW_CLIENT_MAX_QUEUED_ALERTS). */
  maxQueuedAlerts: number;
  observer?: FanOutObserver;
  clock?: () => number;
}

/** One connection as the fan-out sees it. */
export class Member {
  /** Names of the channels subscribed, which are also their uWS topics. */
  readonly channels = new Set<string>();
  /** Non-null while the client is slow: what it has not been sent yet. */
  pending: PendingUpdates | null = null;
  slowSince = 0;
  left = false;

  constructor(readonly socket: FanOutSocket) {}
}

const SEND_DROPPED = 2;

/**
 * Channels (a class, a student's progress or notifications, a class's broadcasts) over uWS
 * pub/sub, with backpressure per client. A channel's name is its uWS topic.
 *
 * A client whose socket buffer is within the soft bound gets every update of its channels through
 * `app.publish` (one serialization, native fan-out). After each publish the subscribers' buffers
 * are checked; a client past the bound becomes slow: it is taken off the uWS topics and its
 * updates are coalesced in a PendingUpdates (latest per key) until its socket drains, when they
 * are sent and it rejoins the topics. A client still slow after `slowTimeoutMs` is closed with
 * 4008. Everything runs on the one JS thread, so no update falls between leaving and rejoining.
 */
export class FanOut {
  private readonly channels = new Map<string, { members: Set<Member>; slow: number }>();
  private readonly slowMembers = new Set<Member>();
  private readonly members = new Set<Member>();
  private readonly clock: () => number;

  constructor(private readonly options: FanOutOptions) {
    this.clock = options.clock ?? Date.now;
  }

  join(socket: FanOutSocket): Member {
    const member = new Member(socket);
    this.members.add(member);
    return member;
  }

  /** Subscribes (or, when already subscribed, refreshes) and sends the channel's snapshot. */
  subscribe(member: Member, channel: string): void {
    if (member.left) return;
    if (!member.channels.has(channel)) {
      member.channels.add(channel);
      const entry = this.entry(channel);
      entry.members.add(member);
      if (member.pending) entry.slow++;
      else member.socket.subscribe(channel);
    }
    if (member.pending) {
      member.pending.requestSnapshot(channel);
      return;
    }
    this.send(member, 'snapshot', this.options.snapshot(channel));
    this.checkBuffer(member);
  }

  unsubscribe(member: Member, channel: string): void {
    if (!member.channels.delete(channel)) return;
    const entry = this.channels.get(channel);
    if (entry) {
      entry.members.delete(member);
      if (member.pending) entry.slow--;
      if (entry.members.size === 0) this.channels.delete(channel);
    }
    if (member.pending) member.pending.remove(channel);
    else if (!member.left) member.socket.unsubscribe(channel);
  }

  /** The connection closed: forget it (uWS drops its topic subscriptions itself). */
  leave(member: Member): void {
    if (member.left) return;
    member.left = true;
    for (const channel of [...member.channels]) this.unsubscribe(member, channel);
    this.slowMembers.delete(member);
    this.members.delete(member);
  }

  /** Sends an update to the channel's subscribers. `message` is built only when someone listens. */
  publish(channel: string, kind: UpdateKind, key: string, message: () => string): void {
    const entry = this.channels.get(channel);
    if (!entry) return;
    const update: Update = { channel, kind, key, message: message() };
    const live = entry.members.size - entry.slow;
    if (live > 0) {
      this.options.publish(channel, update.message);
      this.options.observer?.sent(kind, live, live * Buffer.byteLength(update.message));
    }
    for (const member of entry.members) {
      if (member.pending) {
        const outcome = member.pending.add(update);
        this.options.observer?.pending(outcome, kind);
      } else {
        this.checkBuffer(member);
      }
    }
  }

  /** uWS's drain: the socket wrote some of its buffer. Sends what a slow client has pending. */
  drain(member: Member): void {
    const pending = member.pending;
    if (!pending || member.left) return;
    const { socket } = member;
    while (socket.getBufferedAmount() < this.options.slowBufferBytes) {
      const item = pending.shift();
      if (!item) break;
      const sent =
        'update' in item
          ? this.send(member, item.update.kind, item.update.message)
          : this.send(member, 'snapshot', this.options.snapshot(item.snapshotOf));
      if (!sent) return;
    }
    if (pending.size === 0 && socket.getBufferedAmount() <= this.options.slowBufferBytes / 2) {
      this.recover(member);
    }
  }

  /** Closes the clients that have been slow for longer than the limit; run it every second or so. */
  sweep(): void {
    const now = this.clock();
    for (const member of this.slowMembers) {
      if (now - member.slowSince >= this.options.slowTimeoutMs) this.closeSlow(member);
    }
  }

  /** Closes every connection (shutdown): `end` calls the close handler, which leaves. */
  closeAll(code: number, reason: string): void {
    for (const member of [...this.members]) member.socket.end(code, reason);
  }

  /** Subscribers per channel, slow clients and the bytes buffered for all: for metrics. */
  stats(): { subscriptions: Map<string, number>; slow: number; bufferedBytes: number; connections: number } {
    const subscriptions = new Map<string, number>();
    for (const [channel, entry] of this.channels) subscriptions.set(channel, entry.members.size);
    let bufferedBytes = 0;
    for (const member of this.members) bufferedBytes += member.socket.getBufferedAmount();
    return { subscriptions, slow: this.slowMembers.size, bufferedBytes, connections: this.members.size };
  }

  isSlow(member: Member): boolean {
    return member.pending !== null;
  }

  private send(member: Member, kind: string, message: string): boolean {
    if (member.socket.send(message) === SEND_DROPPED) {
      // Over uWS's hard limit: the message is lost, so the client's state can no longer be trusted.
      this.closeSlow(member);
      return false;
    }
    this.options.observer?.sent(kind, 1, Buffer.byteLength(message));
    return true;
  }

  private checkBuffer(member: Member): void {
    if (member.pending || member.left) return;
    if (member.socket.getBufferedAmount() <= this.options.slowBufferBytes) return;
    member.pending = new PendingUpdates(this.options.maxQueuedAlerts);
    member.slowSince = this.clock();
    this.slowMembers.add(member);
    for (const channel of member.channels) {
      member.socket.unsubscribe(channel);
      const entry = this.channels.get(channel);
      if (entry) entry.slow++;
    }
    this.options.observer?.slow('entered');
  }

  private recover(member: Member): void {
    member.pending = null;
    this.slowMembers.delete(member);
    for (const channel of member.channels) {
      member.socket.subscribe(channel);
      const entry = this.channels.get(channel);
      if (entry) entry.slow--;
    }
    this.options.observer?.slow('recovered');
  }

  private closeSlow(member: Member): void {
    if (member.left) return;
    this.options.observer?.slow('closed');
    member.socket.end(closeCodes.TOO_SLOW.code, closeCodes.TOO_SLOW.reason);
    // uWS calls the close handler from end(); leave in case the socket is a fake that does not.
    this.leave(member);
  }

  private entry(channel: string) {
    let entry = this.channels.get(channel);
    if (!entry) {
      entry = { members: new Set(), slow: 0 };
      this.channels.set(channel, entry);
    }
    return entry;
  }
}
