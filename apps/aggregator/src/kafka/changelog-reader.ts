import { randomBytes } from 'node:crypto';
import type { Logger } from '@cellstream/shared';
import type { Kafka } from 'kafkajs';
import { AggregatorError } from '../errors.js';
import { fixedAssigner } from './fixed-assigner.js';

export interface ChangelogReadOptions {
  kafka: Kafka;
  topic: string;
  partition: number;
  /** The restore consumer joins a group of its own named after this (never the aggregator's group). */
  groupIdPrefix: string;
  logger: Logger;
  /** Called for each record in order; returns true once the record is the restore's own barrier. */
  onRecord: (key: string, value: string | null) => boolean;
  timeoutMs: number;
}

/**
 * Reads one changelog partition from its beginning, read_committed, until `onRecord` recognises
 * the barrier the caller wrote after fencing the partition's earlier owners: everything committed
 * before is then read, and nothing can be written after it but by the caller.
 */
export async function readChangelogPartition(options: ChangelogReadOptions): Promise<number> {
  const { kafka, topic, partition } = options;
  const groupId = `${options.groupIdPrefix}-restore-${partition}-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({
    groupId,
    partitionAssigners: [fixedAssigner(topic, [partition])],
    readUncommitted: false,
    maxWaitTimeInMs: 50,
    maxBytesPerPartition: 8 * 1_048_576,
    retry: { retries: 3 },
  });
  let records = 0;
  let finish!: () => void;
  let fail!: (error: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const timer = setTimeout(
    () =>
      fail(
        new AggregatorError(
          'AGG_RESTORE_FAILED',
          `The barrier of ${topic}[${partition}] was not read within ${options.timeoutMs} ms`,
        ),
      ),
    options.timeoutMs,
  );
  consumer.on(consumer.events.CRASH, (event) => fail(event.payload.error));
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let done = false;
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (done || batch.partition !== partition) return;
        for (const message of batch.messages) {
          records++;
          if (
            options.onRecord(message.key?.toString('utf8') ?? '', message.value?.toString('utf8') ?? null)
          ) {
            done = true;
            finish();
            return;
          }
        }
      },
    });
    await finished;
    return records;
  } catch (error) {
    if (error instanceof AggregatorError) throw error;
    throw new AggregatorError('AGG_RESTORE_FAILED', `Reading ${topic}[${partition}] failed`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
    await consumer
      .disconnect()
      .catch((error: unknown) => options.logger.debug({ err: error }, 'restore consumer disconnect failed'));
  }
}
