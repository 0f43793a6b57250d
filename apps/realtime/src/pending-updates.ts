/** What an update is: state (latest wins per key) or an event (each one counts, in order). */
export type UpdateKind =
  | 'class_aggregate'
  | 'student_status'
  | 'alert'
  | 'assignment_graded'
  | 'assignment_returned'
  | 'system_message';

const eventKinds: ReadonlySet<UpdateKind> = new Set([
  'alert',
  'assignment_graded',
  'assignment_returned',
  'system_message',
]);

/** One update of a channel, serialized once and shared by every subscriber. */
export interface Update {
  /** The channel's name (`class:42`, `progress:alice`, ...). */
  channel: string;
  kind: UpdateKind;
  /** What "latest wins" is keyed by: the classId for an aggregate, the class and user for a status. */
  key: string;
  message: string;
}

/** What `shift` hands out: an update to send, or a fresh snapshot of a channel to build and send. */
export type PendingItem = { update: Update } | { snapshotOf: string };

export type AddOutcome = 'queued' | 'coalesced' | 'dropped_oldest_event';

/**
 * The updates held for one slow client until its socket drains. State is coalesced, latest wins:
 * one aggregate per class and one status per student and class, so a client that falls behind
 * catches up with the current state and never sees a key go backwards. Events (alerts,
 * notifications) are not state: they are kept in order, but at most `maxEvents`; past that the
 * oldest is dropped. A channel whose snapshot is pending (subscribed while slow) needs nothing
 * else: the snapshot, built when it is sent, carries the latest state and recent events.
 */
export class PendingUpdates {
  private readonly latest = new Map<string, Update>();
  private events: Update[] = [];
  private readonly snapshots = new Set<string>();

  constructor(private readonly maxEvents: number) {}

  get size(): number {
    return this.snapshots.size + this.latest.size + this.events.length;
  }

  add(update: Update): AddOutcome {
    if (this.snapshots.has(update.channel)) return 'coalesced';
    if (eventKinds.has(update.kind)) {
      this.events.push(update);
      if (this.events.length <= this.maxEvents) return 'queued';
      this.events.shift();
      return 'dropped_oldest_event';
    }
    const slot = `${update.channel}\u0000${update.kind}\u0000${update.key}`;
    const coalesced = this.latest.delete(slot);
    // Re-inserted at the end: entries go out in the order of their latest update.
    this.latest.set(slot, update);
    return coalesced ? 'coalesced' : 'queued';
  }

  /** A snapshot of the channel replaces whatever is held for it. */
  requestSnapshot(channel: string): void {
    this.remove(channel);
    this.snapshots.add(channel);
  }

  /** Forgets the channel (unsubscribed). */
  remove(channel: string): void {
    this.snapshots.delete(channel);
    for (const [slot, update] of this.latest) if (update.channel === channel) this.latest.delete(slot);
    this.events = this.events.filter((update) => update.channel !== channel);
  }

  /** The next item to send: snapshots first, then state, then events. */
  shift(): PendingItem | undefined {
    for (const channel of this.snapshots) {
      this.snapshots.delete(channel);
      return { snapshotOf: channel };
    }
    for (const [slot, update] of this.latest) {
      this.latest.delete(slot);
      return { update };
    }
    const event = this.events.shift();
    return event ? { update: event } : undefined;
  }
}
