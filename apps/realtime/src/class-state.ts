import type { Alert, ClassAggregate, StudentStatus } from '@cellstream/schemas';
import type { Snapshot } from './protocol.js';

interface ClassState {
  aggregate: ClassAggregate | null;
  students: Map<string, StudentStatus>;
  /** The most recent alerts, oldest first, at most `alertsPerClass`. */
  alerts: Alert[];
}

/**
 * The latest state of every class, as the aggregator last wrote it: what a subscribe is answered
 * with. Every instance holds all classes (a few KB each), rebuilt from the compacted topics at start.
 *
 * An update older than what is held (by `updatedAt`) is ignored: after partitions are added to a
 * compacted topic, a key's stale record stays in its old partition and may be read after the
 * newer one (see ensureTopics). Equal `updatedAt` is applied, as the later record of a partition.
 */
export class ClassStateStore {
  private readonly classes = new Map<string, ClassState>();
  /** userId → classId → status: a student's progress channel covers all its classes. */
  private readonly byUser = new Map<string, Map<string, StudentStatus>>();

  constructor(private readonly alertsPerClass: number) {}

  /** Applies an aggregate; false when it is older than the one held. */
  applyAggregate(aggregate: ClassAggregate): boolean {
    const state = this.classState(aggregate.classId);
    if (state.aggregate && state.aggregate.updatedAt > aggregate.updatedAt) return false;
    state.aggregate = aggregate;
    return true;
  }

  /** Applies a student's status; false when it is older than the one held. */
  applyStudentStatus(status: StudentStatus): boolean {
    const students = this.classState(status.classId).students;
    const held = students.get(status.userId);
    if (held && held.updatedAt > status.updatedAt) return false;
    students.set(status.userId, status);
    let classes = this.byUser.get(status.userId);
    if (!classes) {
      classes = new Map();
      this.byUser.set(status.userId, classes);
    }
    classes.set(status.classId, status);
    return true;
  }

  /** Keeps an alert among the class's recent ones; false for an alertId already held (a redelivery). */
  applyAlert(alert: Alert): boolean {
    const alerts = this.classState(alert.classId).alerts;
    if (alerts.some((held) => held.alertId === alert.alertId)) return false;
    if (this.alertsPerClass === 0) return true;
    alerts.push(alert);
    if (alerts.length > this.alertsPerClass) alerts.splice(0, alerts.length - this.alertsPerClass);
    return true;
  }

  /** A tombstone on the aggregates topic: the class's aggregate was deleted. */
  removeAggregate(classId: string): void {
    const state = this.classes.get(classId);
    if (state) state.aggregate = null;
  }

  /** A tombstone on the status topic (key `classId/userId`). */
  removeStudentStatus(classId: string, userId: string): void {
    this.classes.get(classId)?.students.delete(userId);
    const classes = this.byUser.get(userId);
    classes?.delete(classId);
    if (classes?.size === 0) this.byUser.delete(userId);
  }

  /** The student's latest status in each of its classes, in classId order. */
  studentStatuses(userId: string): StudentStatus[] {
    return [...(this.byUser.get(userId)?.values() ?? [])].sort((a, b) =>
      a.classId < b.classId ? -1 : a.classId > b.classId ? 1 : 0,
    );
  }

  /** The class as a dashboard opened now should see it; students in userId order. */
  snapshot(classId: string): Snapshot {
    const state = this.classes.get(classId);
    if (!state) return { classId, aggregate: null, students: [], alerts: [] };
    const students = [...state.students.values()].sort((a, b) =>
      a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0,
    );
    return { classId, aggregate: state.aggregate, students, alerts: [...state.alerts] };
  }

  /** Classes with any state, and students held in all: for metrics. */
  size(): { classes: number; students: number } {
    let students = 0;
    for (const state of this.classes.values()) students += state.students.size;
    return { classes: this.classes.size, students };
  }

  private classState(classId: string): ClassState {
    let state = this.classes.get(classId);
    if (!state) {
      state = { aggregate: null, students: new Map(), alerts: [] };
      this.classes.set(classId, state);
    }
    return state;
  }
}
