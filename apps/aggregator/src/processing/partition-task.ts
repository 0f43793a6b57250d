import type { ClassAggregate, StudentStatus } from '@cellstream/schemas';
import type { Logger } from '@cellstream/shared';
import { isRetriable } from '@cellstream/shared';
import type { AggregatorMetrics } from '../metrics.js';
import { skipReason, toClassEvent } from '../rules/class-event.js';
import type { ClassState } from '../rules/class-state.js';
import type { DedupSettings } from '../rules/dedup.js';
import { classAggregate, studentStatus } from '../rules/outputs.js';
import type { RuleSettings } from '../rules/settings.js';
import { type PartitionState, PartitionStateBuilder } from '../state/partition-state.js';
import type { RecordCodec } from './codec.js';
import { type DeadLetter, deadLetterRecord } from './dlq.js';
import type { CommitPlan, InputRecord, OutputRecord } from './records.js';

/** Records processed between two yields to the event loop. */
const YIELD_EVERY = 200;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface TaskTopics {
  events: string;
  aggregates: string;
  statuses: string;
  alerts: string;
  dlq: string;
  changelog: string;
}

export interface TaskSettings {
  topics: TaskTopics;
  rules: RuleSettings;
  dedup: DedupSettings;
  emitIntervalMs: number;
  commitMaxEvents: number;
  /**
   * While a partition is this many records or more behind the end of its input, it is catching
   * up: transactions (and so emissions) come every `commitIntervalMs` instead of every
   * EMIT_INTERVAL_MS, so that each transaction writes the state of a student once for many events.
   */
  catchUp: { lag: number; commitIntervalMs: number };
  /** The dlq.failed.by header: service and consumer group. */
  failedBy: string;
}

export interface TaskDependencies {
  codec: RecordCodec;
  logger: Logger;
  metrics?: AggregatorMetrics;
}

export interface ProcessResult {
  /** Records taken (processed or skipped as already in the state). */
  taken: number;
  /** Set when a record could not be decoded for a reason a retry may fix (the registry is down): stop here. */
  retryLater?: unknown;
}

/**
 * The work of one input partition between the Kafka client and the rules: decodes records,
 * deduplicates, applies them to the partition's state, dead-letters what cannot be decoded, and
 * plans each transaction (outputs of the classes whose emission interval has elapsed, alerts,
 * dead letters, changelog records and the offset to commit). It never talks to Kafka.
 */
export class PartitionTask {
  state: PartitionState;
  private deadLetters: OutputRecord[] = [];
  /** Input records taken since the last commit. */
  private uncommitted = 0;
  private committedOffset: number | null;
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  /** Whether the latest batch left the partition at least `catchUp.lag` records behind. */
  private behind = false;

  constructor(
    readonly partition: number,
    private readonly settings: TaskSettings,
    private readonly deps: TaskDependencies,
  ) {
    this.state = new PartitionStateBuilder(partition).build(settings.rules, settings.dedup);
    this.committedOffset = this.state.nextOffset;
  }

  /** Replaces the state with one restored from the changelog; forgets everything uncommitted. */
  replaceState(state: PartitionState): void {
    this.state = state;
    this.deadLetters = [];
    this.uncommitted = 0;
    this.committedOffset = state.nextOffset;
    this.lastCommitAt = Number.NEGATIVE_INFINITY;
    this.behind = false;
  }

  /**
   * Applies `records` (one fetched batch, in offset order). `batchEnd` is the offset after the
   * batch as fetched, which may be past the last record (filtered transaction markers); `lag`
   * the records left in the partition after it.
   */
  async process(
    records: readonly InputRecord[],
    batchEnd: number,
    now: number,
    lag = 0,
  ): Promise<ProcessResult> {
    this.behind = lag >= this.settings.catchUp.lag;
    const outcomes = new Map<string, number>();
    let taken = 0;
    try {
      for (const record of records) {
        // Decoding awaits only resolved promises (microtasks): without a real yield now and then, a
        // large batch would hold back every network callback, the transactions in flight included.
        if (taken > 0 && taken % YIELD_EVERY === 0) await yieldToEventLoop();
        const outcome = await this.processOne(record, now);
        if (typeof outcome === 'object') return { taken, retryLater: outcome.retryLater };
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        taken++;
      }
    } finally {
      for (const [outcome, count] of outcomes) this.deps.metrics?.events.inc({ outcome }, count);
    }
    if (this.state.nextOffset === null || batchEnd > this.state.nextOffset) this.state.nextOffset = batchEnd;
    return { taken };
  }

  private async processOne(record: InputRecord, now: number): Promise<string | { retryLater: unknown }> {
    const { state } = this;
    if (state.nextOffset !== null && record.offset < state.nextOffset) return 'replayed';
    const outcome = await this.decodeAndApply(record, now);
    if (typeof outcome === 'object') return outcome;
    state.nextOffset = record.offset + 1;
    this.uncommitted++;
    return outcome;
  }

  private async decodeAndApply(record: InputRecord, now: number): Promise<string | { retryLater: unknown }> {
    if (record.value === null) {
      return this.deadLetter(record, { reason: 'The record has no value', code: 'AGG_EMPTY_RECORD' }, now);
    }
    let event: Awaited<ReturnType<RecordCodec['decodeEvent']>>;
    try {
      event = await this.deps.codec.decodeEvent(record.value);
    } catch (error) {
      if (isRetriable(error)) return { retryLater: error };
      return this.deadLetter(record, describe(error, 'The record cannot be decoded as a LearningEvent'), now);
    }
    if (skipReason(event) !== null || event.classId === null) return 'skipped';
    if (!this.state.dedup.add(event.eventId, record.timestamp)) return 'duplicate';
    const classState = this.state.classFor(event.classId);
    const classEvent = toClassEvent(event, this.settings.rules);
    const late = classEvent.time < classState.clock - this.settings.rules.allowedLatenessMs;
    try {
      this.state.pendingAlerts.push(...classState.apply(classEvent));
    } catch (error) {
      // A bug in the rules must not stop the partition: the event goes to the DLQ, the log says why.
      this.deps.logger.error({ err: error, offset: record.offset }, 'applying an event failed');
      return this.deadLetter(record, describe(error, 'Applying the event failed'), now);
    } finally {
      this.state.changedClasses.add(event.classId);
      this.state.emitQueue.add(event.classId);
    }
    return late ? 'late' : 'counted';
  }

  private deadLetter(record: InputRecord, letter: DeadLetter, now: number): string {
    const { topics, failedBy } = this.settings;
    this.deadLetters.push(
      deadLetterRecord(
        topics.dlq,
        { topic: topics.events, partition: this.partition },
        record,
        letter,
        failedBy,
        now,
      ),
    );
    return 'dead_lettered';
  }

  /**
   * When the next transaction is due (wall clock); null when nothing waits for one.
   *
   * A partition's transactions are paced, not its classes': at most one every EMIT_INTERVAL_MS,
   * carrying every class with pending outputs. Each class is then emitted at most every
   * interval, a quiet partition's first event goes out at once, and a busy partition makes
   * four transactions a second however many classes it has (per-class timers would drift apart
   * and make a small transaction for each).
   */
  commitDueAt(): number | null {
    const { state } = this;
    const pending =
      this.uncommitted > 0 ||
      state.pendingAlerts.length > 0 ||
      this.deadLetters.length > 0 ||
      state.nextOffset !== this.committedOffset ||
      state.emitQueue.size > 0;
    if (!pending) return null;
    if (this.uncommitted >= this.settings.commitMaxEvents) return Number.NEGATIVE_INFINITY;
    const interval = this.behind ? this.settings.catchUp.commitIntervalMs : this.settings.emitIntervalMs;
    return this.lastCommitAt + interval;
  }

  /**
   * Everything the next transaction writes: the aggregate and changed statuses of each class
   * whose emission interval has elapsed, the alerts and dead letters, the changelog records of
   * what changed, and the offset to commit. Null when there is nothing to write.
   *
   * Taking a plan hands its content over: the change tracking is cleared at once, so events can
   * be processed while the plan's transaction is in flight, and go into the next plan. If that
   * transaction fails, the caller restores the committed state from the changelog instead.
   */
  async prepareCommit(now: number): Promise<CommitPlan | null> {
    const { state, settings } = this;
    const { topics } = settings;
    const inputMoved = state.nextOffset !== this.committedOffset;
    const due = [...state.emitQueue].filter((classId) => {
      const classState = state.classes.get(classId);
      return classState !== undefined && now - classState.lastEmittedAt >= settings.emitIntervalMs;
    });
    if (
      due.length === 0 &&
      !inputMoved &&
      this.uncommitted === 0 &&
      state.pendingAlerts.length === 0 &&
      this.deadLetters.length === 0
    ) {
      return null;
    }

    // The snapshot: the outputs, the changelog and the offset must agree. Only this partition's
    // queue touches its state, so yielding to the event loop in between (other partitions'
    // transactions wait for their responses) cannot let anything change it.
    const snapshots: { classId: string; aggregate: ClassAggregate; statuses: StudentStatus[] }[] = [];
    for (const classId of due) {
      const classState = state.classes.get(classId) as ClassState;
      const statuses: StudentStatus[] = [];
      for (const userId of classState.studentsToEmit) {
        const student = classState.students.get(userId);
        if (student) statuses.push(studentStatus(classId, student, now));
      }
      snapshots.push({ classId, aggregate: classAggregate(classState, now), statuses });
      if (snapshots.length % 8 === 0) await yieldToEventLoop();
      classState.lastEmittedAt = now;
      classState.emitPending = false;
      classState.studentsToEmit.clear();
      state.emitQueue.delete(classId);
    }
    const alerts = state.pendingAlerts;
    const deadLetters = this.deadLetters;
    const changelog = state.drainChangelog();
    const commitOffset = inputMoved ? state.nextOffset : null;
    state.pendingAlerts = [];
    this.deadLetters = [];
    this.uncommitted = 0;
    this.committedOffset = state.nextOffset;
    this.lastCommitAt = now;

    const { codec } = this.deps;
    const records: OutputRecord[] = [];
    const counts = {
      aggregate: 0,
      status: 0,
      alert: 0,
      dlq: deadLetters.length,
      changelog: changelog.length,
    };
    for (const { classId, aggregate, statuses } of snapshots) {
      if (records.length > 0 && records.length % YIELD_EVERY < statuses.length + 1) await yieldToEventLoop();
      records.push({ topic: topics.aggregates, key: classId, value: await codec.encodeAggregate(aggregate) });
      counts.aggregate++;
      for (const status of statuses) {
        records.push({
          topic: topics.statuses,
          key: `${classId}/${status.userId}`,
          partitionKey: classId,
          value: await codec.encodeStatus(status),
        });
        counts.status++;
      }
    }
    for (const alert of alerts) {
      records.push({ topic: topics.alerts, key: alert.classId, value: await codec.encodeAlert(alert) });
      counts.alert++;
    }
    records.push(...deadLetters);
    for (const record of changelog) {
      records.push({
        topic: topics.changelog,
        partition: this.partition,
        key: record.key,
        value: record.value,
      });
    }
    return {
      records,
      commitOffset,
      emittedClasses: due,
      plannedAt: now,
      counts,
      alertKinds: alerts.map((alert) => alert.kind),
    };
  }

  /** Events processed since the last plan was taken. */
  get pendingEvents(): number {
    return this.uncommitted;
  }
}

function describe(error: unknown, what: string): DeadLetter {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    reason: `${what}: ${error instanceof Error ? error.message : String(error)}`,
    code: typeof code === 'string' ? code : 'AGG_UNDECODABLE',
  };
}
