import type { ActivityBucket } from '../api/types';
import type { Alert, ClassAggregate, LiveMessage, StudentStatus } from '../realtime/messages';
import { type Activity, addActivity, emptyActivity, seedActivity, startLive } from './activity';

/**
 * A class's live state, changed only by `applyActions`: a pure reducer over realtime's messages
 * (snapshot, class_aggregate, student_status, alert) and the activity seed. Updates are applied
 * in batches (one per animation frame), and a batch copies the student map at most once, so a
 * class of 500 students with a burst of updates costs one copy per frame, not one per message.
 */
export interface ClassLiveState {
  classId: string;
  aggregate: ClassAggregate | null;
  students: ReadonlyMap<string, StudentStatus>;
  /** Newest first, deduplicated on alertId. */
  alerts: readonly Alert[];
  activity: Activity;
  /** Snapshots received (0 until the first: the state is not known yet). */
  snapshots: number;
  /** When the last message was applied (the page's clock). */
  lastUpdateAt: number | null;
}

export type ClassAction = LiveMessage | { type: 'activity_seed'; buckets: readonly ActivityBucket[] };

export const MAX_ALERTS = 100;

export function initialClassState(classId: string): ClassLiveState {
  return {
    classId,
    aggregate: null,
    students: new Map(),
    alerts: [],
    activity: emptyActivity,
    snapshots: 0,
    lastUpdateAt: null,
  };
}

export function applyActions(
  state: ClassLiveState,
  actions: readonly ClassAction[],
  now: number = Date.now(),
): ClassLiveState {
  const draft = new Draft(state, now);
  for (const action of actions) draft.apply(action);
  return draft.result();
}

/** The batch being applied: copies what it changes, once. */
class Draft {
  private aggregate: ClassAggregate | null;
  private students: Map<string, StudentStatus> | null = null;
  private alerts: Alert[] | null = null;
  private activity: Activity;
  private snapshots: number;
  private changed = false;

  constructor(
    private readonly state: ClassLiveState,
    private readonly now: number,
  ) {
    this.aggregate = state.aggregate;
    this.activity = state.activity;
    this.snapshots = state.snapshots;
  }

  apply(action: ClassAction): void {
    if (action.type !== 'activity_seed' && action.classId !== this.state.classId) return;
    this.changed = true;
    switch (action.type) {
      case 'snapshot': {
        this.snapshots += 1;
        this.activity = startLive(this.activity, this.now);
        if (action.aggregate) this.takeAggregate(action.aggregate, true);
        // The snapshot is the whole truth: students it does not list are gone.
        this.students = new Map(action.students.map((student) => [student.userId, student]));
        for (const alert of action.alerts) this.addAlert(alert);
        return;
      }
      case 'class_aggregate': {
        const { type: _type, ...record } = action;
        this.takeAggregate(record, false);
        return;
      }
      case 'student_status': {
        const { type: _type, ...record } = action;
        this.students ??= new Map(this.state.students);
        const known = this.students.get(record.userId);
        // Updates of one key never go backwards; a stale copy (older updatedAt) is ignored.
        if (!known || record.updatedAt >= known.updatedAt) this.students.set(record.userId, record);
        return;
      }
      case 'alert': {
        const { type: _type, ...record } = action;
        this.addAlert(record);
        return;
      }
      case 'activity_seed':
        this.activity = seedActivity(this.activity, action.buckets, this.now);
        return;
    }
  }

  result(): ClassLiveState {
    if (!this.changed) return this.state;
    return {
      classId: this.state.classId,
      aggregate: this.aggregate,
      students: this.students ?? this.state.students,
      alerts:
        this.alerts === null
          ? this.state.alerts
          : this.alerts.sort((a, b) => b.raisedAt - a.raisedAt).slice(0, MAX_ALERTS),
      activity: this.activity,
      snapshots: this.snapshots,
      lastUpdateAt: this.now,
    };
  }

  private takeAggregate(next: ClassAggregate, fromSnapshot: boolean): void {
    const current = this.aggregate;
    if (current && next.updatedAt < current.updatedAt) return;
    // What happened since the previous version, in the minute of the newer event time. A class
    // whose snapshot had no aggregate yet starts from zero; a first snapshot's totals are history
    // (the seed's minutes), not live activity.
    const base =
      current ?? (!fromSnapshot && this.snapshots > 0 ? { totalExecutions: 0, totalErrors: 0 } : null);
    if (base) {
      this.activity = addActivity(
        this.activity,
        next.windowEnd,
        next.totalExecutions - base.totalExecutions,
        next.totalErrors - base.totalErrors,
        this.now,
      );
    }
    this.aggregate = next;
  }

  private addAlert(alert: Alert): void {
    this.alerts ??= [...this.state.alerts];
    if (!this.alerts.some((known) => known.alertId === alert.alertId)) this.alerts.push(alert);
  }
}
