import type { Logger } from '@cellstream/shared';
import type { DeadLetterQueue } from '../kafka/dead-letters.js';
import { isRebalanceError } from '../kafka/kafka-errors.js';
import type { PersisterMetrics } from '../metrics.js';
import { decodeBatch, type EventDecoder } from './decode.js';
import type { Rejection, Sink, SourceRecord } from './records.js';
import { type BatchControl, type RetryEvents, type RetryPolicy, untilDone } from './retry-controller.js';

export interface InputBatch {
  topic: string;
  partition: number;
  records: readonly SourceRecord[];
  lastOffset: string;
  highWatermark: string;
}

/** The consumer's side of a batch: kafkajs's eachBatch payload, narrowed. */
export interface BatchHandle extends BatchControl {
  resolveOffset(offset: string): void;
  /** Commits `offset` (the next offset to read) for the batch's partition. */
  commit(offset: string): Promise<void>;
}

export interface BatchDependencies {
  group: string;
  /** `dlq.failed.by`: service and group. */
  failedBy: string;
  sink: Sink;
  decode: EventDecoder;
  deadLetters: DeadLetterQueue;
  retry: RetryPolicy;
  metrics: PersisterMetrics;
  log: Logger;
}

/**
 * One batch, in order: decode → store in the sink → dead-letter what can never be stored →
 * resolve and commit the offset after the batch. Each step is retried until it succeeds
 * (retry-controller.ts), so the commit only ever follows stored data and delivered dead
 * letters. A crash anywhere before the commit means the batch is read again, which the sinks
 * absorb (idempotent on eventId). Background heartbeats keep the member alive in long steps.
 */
export async function processBatch(
  batch: InputBatch,
  handle: BatchHandle,
  deps: BatchDependencies,
): Promise<void> {
  const { group, metrics, log } = deps;
  const started = process.hrtime.bigint();
  const labels = { group };
  metrics.batchSize.observe(labels, batch.records.length);
  const events = retryEvents(deps, batch.partition);
  const step = <T>(dependency: string, task: () => Promise<T>) =>
    untilDone(handle, dependency, deps.retry, events, task);
  const stopHeartbeats = heartbeatInBackground(handle, deps.retry.heartbeatIntervalMs);
  try {
    const { decoded, rejected: undecodable } = await step('schema-registry', () =>
      decodeBatch(deps.decode, batch.records),
    );
    const result = await step(deps.sink.dependency, () => deps.sink.write(decoded));
    const rejected: Rejection[] = [...undecodable, ...result.rejected];
    if (rejected.length > 0) {
      await step('kafka', () => deps.deadLetters.publish(rejected, deps.failedBy));
      for (const rejection of rejected) {
        log.warn(
          {
            partition: batch.partition,
            offset: rejection.source.offset,
            code: rejection.code,
            reason: rejection.reason,
          },
          'record dead-lettered',
        );
        metrics.deadLetters.inc({ group, code: rejection.code });
      }
    }

    handle.resolveOffset(batch.lastOffset);
    const next = (BigInt(batch.lastOffset) + 1n).toString();
    await step('kafka', () => commit(handle, next));

    for (const [table, count] of Object.entries(result.written))
      metrics.rowsWritten.inc({ group, table }, count);
    metrics.records.inc({ group, outcome: 'dead_lettered' }, rejected.length);
    metrics.records.inc({ group, outcome: 'skipped' }, result.skipped);
    metrics.records.inc(
      { group, outcome: 'stored' },
      decoded.length - result.rejected.length - result.skipped,
    );
    metrics.lag.set(
      { group, partition: String(batch.partition) },
      Number(BigInt(batch.highWatermark) - BigInt(next)),
    );
    metrics.batchDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'PERSISTER_BATCH_ABANDONED') {
      log.info(
        { partition: batch.partition, reason: (error as Error).message },
        'batch left for a later read',
      );
      return;
    }
    throw error;
  } finally {
    stopHeartbeats();
  }
}

/** A commit refused because the group moved on is not retried here: kafkajs must rejoin first. */
async function commit(handle: BatchHandle, offset: string): Promise<void> {
  try {
    await handle.commit(offset);
  } catch (error) {
    if (isRebalanceError(error)) throw Object.assign(error as Error, { retriable: false });
    throw Object.assign(error as Error, { retriable: true });
  }
}

function retryEvents(deps: BatchDependencies, partition: number): RetryEvents {
  const { group, metrics, log } = deps;
  return {
    onRetry(dependency, error, attempt, delayMs) {
      metrics.retries.inc({ group, dependency });
      // The first failure in full, then short lines, one in ten after the third: an outage must
      // not flood the logs.
      const fields = { partition, dependency, attempt, delayMs };
      if (attempt === 1) log.warn({ ...fields, err: error }, 'transient failure: partition paused, retrying');
      else if (attempt <= 3 || attempt % 10 === 0) {
        log.warn({ ...fields, error: (error as Error).message }, 'still failing: partition paused, retrying');
      }
    },
    onPause() {
      metrics.pausedPartitions.inc({ group });
    },
    onResume(_partition, failedAttempts, recovered) {
      metrics.pausedPartitions.dec({ group });
      if (recovered) log.info({ partition, failedAttempts }, 'recovered: partition resumed');
    },
  };
}

/** Heartbeats every `intervalMs` until the returned function is called; failures are left to kafkajs. */
function heartbeatInBackground(handle: BatchControl, intervalMs: number): () => void {
  const timer = setInterval(() => {
    handle.heartbeat().catch(() => {});
  }, intervalMs);
  return () => clearInterval(timer);
}
