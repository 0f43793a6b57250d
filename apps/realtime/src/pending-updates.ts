/** One update of a class, serialized once and shared by every subscriber. */
export interface Update {
  classId: string;
  kind: 'class_aggregate' | 'student_status' | 'alert';
  /** What "latest wins" is keyed by: the classId for an aggregate, the userId for a status. */
  key: string;
  message: string;
}

/** What `shift` hands out: an update to send, or a fresh snapshot of a class to build and send. */
export type PendingItem = { update: Update } | { snapshotOf: string };

export type AddOutcome = 'queued' | 'coalesced' | 'dropped_oldest_alert';

/**
 * The updates held for one slow client until its socket drains. State is coalesced, latest wins:
 * one aggregate per class and one status per student, so a client that falls behind catches up
 * with the current state and never sees a key go backwards. Alerts are events, not state: they
 * are kept in order, but at most `maxAlerts`; past that the oldest is dropped. A class whose
 * snapshot is pending (subscribed while slow) needs nothing else: the snapshot, built when it is
 * sent, carries the latest state and recent alerts.
 */
export class PendingUpdates {
  private readonly latest = new Map<string, Update>();
  private alerts: Update[] = [];
  private readonly snapshots = new Set<string>();

  constructor(private readonly maxAlerts: number) {}

  get size(): number {
    return this.snapshots.size + this.latest.size + this.alerts.length;
  }

  add(update: Update): AddOutcome {
    if (this.snapshots.has(update.classId)) return 'coalesced';
    if (update.kind === 'alert') {
      this.alerts.push(update);
      if (this.alerts.length <= this.maxAlerts) return 'queued';
      this.alerts.shift();
      return 'dropped_oldest_alert';
    }
    const slot = `${update.classId}\u0000${update.kind}\u0000${update.key}`;
    const coalesced = this.latest.delete(slot);
    // Re-inserted at the end: entries go out in the order of their latest update.
    this.latest.set(slot, update);
    return coalesced ? 'coalesced' : 'queued';
  }

  /** A snapshot of the class replaces whatever is held for it. */
  requestSnapshot(classId: string): void {
    this.remove(classId);
    this.snapshots.add(classId);
  }

  /** Forgets the class (unsubscribed). */
  remove(classId: string): void {
    this.snapshots.delete(classId);
    for (const [slot, update] of this.latest) if (update.classId === classId) this.latest.delete(slot);
    this.alerts = this.alerts.filter((update) => update.classId !== classId);
  }

  /** The next item to send: snapshots first, then state, then alerts. */
  shift(): PendingItem | undefined {
    for (const classId of this.snapshots) {
      this.snapshots.delete(classId);
      return { snapshotOf: classId };
    }
    for (const [slot, update] of this.latest) {
      this.latest.delete(slot);
      return { update };
    }
    const alert = this.alerts.shift();
    return alert ? { update: alert } : undefined;
  }
}
