import { randomUUID } from 'node:crypto';
import { type Logger, retry } from '@cellstream/shared';
import { AggregatorError } from '../errors.js';
import type { TransactionSink } from '../kafka/transactional-producer.js';
import type { AggregatorMetrics } from '../metrics.js';
import type { PartitionTask, TaskSettings } from '../processing/partition-task.js';
import type { CommitPlan, InputRecord } from '../processing/records.js';
import { barrierRecord, decodeChangelogRecord } from '../state/changelog-codec.js';
import { PartitionStateBuilder } from '../state/partition-state.js';
import { SerialQueue } from './serial-queue.js';

export interface PartitionWorkerOptions {
  partition: number;
  task: PartitionTask;
  settings: TaskSettings;
  sink: TransactionSink;
  groupId: string;
  /** Reads the partition's changelog from its beginning until `onRecord` returns true; returns the records read. */
  readChangelog: (
    partition: number,
    onRecord: (key: string, value: string | null) => boolean,
  ) => Promise<number>;
  /** Moves the consumer of the input partition to `offset` ('earliest' when the state knows none). */
  seek: (partition: number, offset: number | 'earliest') => void;
  /** Called (asynchronously) when the worker gave up the partition (fenced by a newer owner, or failed). */
  onLost: (partition: number, error: unknown) => void;
  logger: Logger;
  metrics?: AggregatorMetrics;
  now?: () => number;
}

export type BatchOutcome =
  | { kind: 'skipped' }
  /** `complete` false: a record could not be decoded for now; `lastTaken` is the last offset taken. */
  | { kind: 'processed'; complete: boolean; lastTaken: number | null };

type Phase = 'restoring' | 'ready' | 'closed';

/** Restores retry until they succeed, the partition moves, or the worker closes. */
const restoreRetry = { attempts: 1_000, initialDelayMs: 200, maxDelayMs: 5_000 };

/**
 * Runs one input partition: restores its state (fencing earlier owners first), processes its
 * batches, and commits a transaction whenever one is due (after a batch or on a timer).
 *
 * Two lanes keep this exact and fast. The serial queue runs everything that reads or changes
 * the state (batches, taking a commit plan, restores), one at a time. The transaction of a plan
 * then runs outside the queue, so the next batches are processed while it is in flight; at most
 * one is in flight, and the next plan is taken only after it committed. When a transaction
 * fails, whatever was processed after its plan is dropped with the rest: the committed state is
 * restored from the changelog and the input rewound to the offset that state ends at.
 */
export class PartitionWorker {
  private readonly queue = new SerialQueue();
  private phase: Phase = 'restoring';
  private timer: NodeJS.Timeout | undefined;
  private waiters: ((ready: boolean) => void)[] = [];
  private inFlight: Promise<void> | undefined;
  private readonly log: Logger;
  private readonly now: () => number;
  /** Duration of the latest restore, in milliseconds. */
  lastRestoreMs: number | null = null;

  constructor(private readonly options: PartitionWorkerOptions) {
    this.log = options.logger.child({ component: 'partition', partition: options.partition });
    this.now = options.now ?? Date.now;
    void this.queue.run(() => this.restore('assigned')).catch((error: unknown) => this.fail(error));
  }

  get partition(): number {
    return this.options.partition;
  }

  get ready(): boolean {
    return this.phase === 'ready';
  }

  get task(): PartitionTask {
    return this.options.task;
  }

  /** Resolves true once the state is restored, false if the worker closes first. */
  whenReady(): Promise<boolean> {
    if (this.phase === 'ready') return Promise.resolve(true);
    if (this.phase === 'closed') return Promise.resolve(false);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Processes one fetched batch; starts a transaction when one is due. */
  async handleBatch(
    records: readonly InputRecord[],
    batchEnd: number,
    isStale: () => boolean,
    lag = 0,
  ): Promise<BatchOutcome> {
    // Backpressure: a transaction slower than processing must not let uncommitted work pile up.
    if (this.inFlight && this.task.pendingEvents >= this.options.settings.commitMaxEvents)
      await this.inFlight;
    return this.queue.run(async () => {
      if (this.phase !== 'ready' || isStale()) return { kind: 'skipped' };
      const result = await this.task.process(records, batchEnd, this.now(), lag);
      if (result.retryLater !== undefined) {
        this.log.warn(
          { err: result.retryLater },
          'a record cannot be decoded yet (schema registry?); will retry',
        );
      }
      // Queued, not awaited: the batch is done, so the consumer's next fetch (it waits for every
      // partition's batch of the previous one) goes out while this partition plans its commit.
      // The plan still runs before this partition's next batch: the queue keeps the order.
      this.queue
        .run(async () => {
          await this.commitIfDue();
          this.schedule();
        })
        .catch((error: unknown) => this.fail(error));
      const last = result.taken > 0 ? records[result.taken - 1] : undefined;
      return {
        kind: 'processed',
        complete: result.retryLater === undefined,
        lastTaken: last?.offset ?? null,
      };
    });
  }

  /** Commits whatever is pending, due or not (shutdown): the state and offsets, and the outputs that are due. */
  async flush(): Promise<void> {
    // Never two transactions at once on one producer: wait for the one in flight (outside the
    // queue: a failed transaction restores through the queue), then plan in the queue if still idle.
    for (let attempt = 0; attempt < 5; attempt++) {
      await this.inFlight;
      const planned = await this.queue.run(async () => {
        if (this.phase !== 'ready') return true;
        if (this.inFlight) return false;
        await this.startCommit(await this.task.prepareCommit(this.now()));
        return true;
      });
      if (planned) break;
    }
    await this.inFlight;
  }

  async close(): Promise<void> {
    this.setPhase('closed');
    clearTimeout(this.timer);
    await this.queue.idle();
    await this.inFlight;
    await this.options.sink.close();
  }

  /** In the queue: takes a plan and starts its transaction when one is due and none is in flight. */
  private async commitIfDue(): Promise<void> {
    if (this.inFlight || this.phase !== 'ready') return;
    const due = this.task.commitDueAt();
    if (due === null || due > this.now()) return;
    await this.startCommit(await this.task.prepareCommit(this.now()));
  }

  private async startCommit(plan: CommitPlan | null): Promise<void> {
    if (!plan) return;
    const transaction = this.commit(plan).finally(() => {
      this.inFlight = undefined;
    });
    this.inFlight = transaction;
    void transaction.then(() => {
      // The next transaction may already be due (work piled up while this one was in flight).
      if (this.phase !== 'ready') return;
      this.queue
        .run(async () => {
          await this.commitIfDue();
          this.schedule();
        })
        .catch((error: unknown) => this.fail(error));
    });
  }

  /** Outside the queue: runs one plan's transaction; on failure, restores (back in the queue). */
  private async commit(plan: CommitPlan): Promise<void> {
    const { sink, metrics } = this.options;
    const started = performance.now();
    try {
      await sink.commit(
        plan.records,
        plan.commitOffset === null
          ? null
          : {
              groupId: this.options.groupId,
              topic: this.options.settings.topics.events,
              partition: this.partition,
              offset: plan.commitOffset,
            },
      );
    } catch (error) {
      metrics?.transactions.inc({ outcome: 'abort' });
      metrics?.transactionDuration.observe({ outcome: 'abort' }, (performance.now() - started) / 1000);
      if (isCode(error, 'AGG_PRODUCER_FENCED')) return this.lose(error);
      if (this.phase !== 'ready') return;
      this.log.warn(
        { err: error },
        'transaction aborted: restoring the committed state and reading the input again',
      );
      this.setPhase('restoring');
      clearTimeout(this.timer);
      await this.queue
        .run(() => this.restore('recovery'))
        .catch((restoreError: unknown) => this.fail(restoreError));
      return;
    }
    if (metrics) {
      metrics.transactions.inc({ outcome: 'commit' });
      metrics.transactionDuration.observe({ outcome: 'commit' }, (performance.now() - started) / 1000);
      for (const [kind, count] of Object.entries(plan.counts))
        if (count > 0) metrics.outputs.inc({ kind }, count);
      for (const kind of plan.alertKinds) metrics.alerts.inc({ kind });
    }
  }

  /** Arms the timer for the next due transaction; re-armed after every batch and commit. */
  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.phase !== 'ready' || this.inFlight) return;
    const due = this.task.commitDueAt();
    if (due === null) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.queue
          .run(async () => {
            await this.commitIfDue();
            this.schedule();
          })
          .catch((error: unknown) => this.fail(error));
      },
      Math.max(0, due - this.now()),
    );
  }

  /**
   * Fences earlier owners (the barrier transaction's InitProducerId), reads the changelog up to
   * the barrier, rebuilds the state and rewinds the input to the offset the state ends at.
   */
  private async restore(reason: 'assigned' | 'recovery'): Promise<void> {
    const { partition, settings, task, metrics } = this.options;
    const started = performance.now();
    let records = 0;
    await retry(
      async () => {
        if (this.isClosed()) throw closed(partition);
        const nonce = randomUUID();
        const barrier = barrierRecord(partition, nonce);
        await this.options.sink.commit(
          [{ topic: settings.topics.changelog, partition, key: barrier.key, value: barrier.value }],
          null,
        );
        const builder = new PartitionStateBuilder(partition);
        records = await this.options.readChangelog(partition, (key, value) => {
          try {
            const entry = decodeChangelogRecord(key, value);
            if (entry.kind === 'barrier' && entry.value?.nonce === nonce) return true;
            builder.apply(entry);
          } catch (error) {
            this.log.error({ err: error }, 'skipping a changelog record that cannot be read');
          }
          return false;
        });
        if (this.isClosed()) throw closed(partition);
        task.replaceState(builder.build(settings.rules, settings.dedup));
      },
      {
        ...restoreRetry,
        shouldRetry: (error) =>
          !this.isClosed() && !isCode(error, 'AGG_PRODUCER_FENCED') && !isCode(error, 'AGG_PARTITION_CLOSED'),
        onRetry: (error, attempt) => this.log.warn({ err: error, attempt }, 'restore failed; retrying'),
      },
    ).catch((error: unknown) => {
      if (isCode(error, 'AGG_PRODUCER_FENCED')) return this.lose(error);
      if (isCode(error, 'AGG_PARTITION_CLOSED')) return;
      throw error;
    });
    if (this.isClosed()) return;
    const nextOffset = task.state.nextOffset;
    if (nextOffset !== null || reason === 'recovery') this.options.seek(partition, nextOffset ?? 'earliest');
    this.lastRestoreMs = performance.now() - started;
    metrics?.restoreDuration.observe(this.lastRestoreMs / 1000);
    metrics?.restoredRecords.inc(records);
    this.log.info(
      {
        reason,
        records,
        classes: task.state.classes.size,
        students: task.state.studentCount,
        dedupIds: task.state.dedup.size,
        nextOffset,
        ms: Math.round(this.lastRestoreMs),
      },
      'partition state restored',
    );
    this.setPhase('ready');
    this.schedule();
  }

  private lose(error: unknown): void {
    if (this.phase === 'closed') return;
    this.log.warn({ err: error }, 'dropping the partition');
    this.setPhase('closed');
    clearTimeout(this.timer);
    // Not awaited here: closing waits for this queue, which may be running the caller.
    queueMicrotask(() => this.options.onLost(this.partition, error));
  }

  private fail(error: unknown): void {
    if (this.phase === 'closed') return;
    this.log.error({ err: error }, 'the partition worker failed');
    this.lose(error);
  }

  /** A method, not a field read: the phase changes across awaits, which narrowing does not see. */
  private isClosed(): boolean {
    return this.phase === 'closed';
  }

  private setPhase(phase: Phase): void {
    if (this.phase === 'closed') return;
    this.phase = phase;
    if (phase === 'restoring') return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve(phase === 'ready');
  }
}

function isCode(error: unknown, code: string): boolean {
  return (error as { code?: unknown } | null)?.code === code;
}

function closed(partition: number): AggregatorError {
  return new AggregatorError('AGG_PARTITION_CLOSED', `Partition ${partition} is no longer processed here`);
}
