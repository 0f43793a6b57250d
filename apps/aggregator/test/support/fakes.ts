import type { LearningEvent } from '@cellstream/schemas';
import { CellstreamError, createLogger } from '@cellstream/shared';
import { AggregatorError } from '../../src/errors.js';
import type { TransactionOffsets, TransactionSink } from '../../src/kafka/transactional-producer.js';
import type { RecordCodec } from '../../src/processing/codec.js';
import type { TaskSettings } from '../../src/processing/partition-task.js';
import type { InputRecord, OutputRecord } from '../../src/processing/records.js';
import { defaultRuleSettings } from '../../src/rules/settings.js';

export const quietLogger = () => createLogger('aggregator-test', process.env.TEST_LOG_LEVEL ?? 'silent');

/** Values are JSON; `corrupt` cannot be decoded (a dead letter), `registry-down` fails retriably. */
export const jsonCodec: RecordCodec = {
  async decodeEvent(value) {
    const text = value.toString('utf8');
    if (text === 'registry-down') {
      throw new CellstreamError('SCHEMAS_REGISTRY_FAILED', 'the registry is down', { retriable: true });
    }
    try {
      return JSON.parse(text) as LearningEvent;
    } catch (cause) {
      throw new CellstreamError('SCHEMAS_CORRUPT_PAYLOAD', 'not an event', { cause });
    }
  },
  encodeAggregate: async (record) => Buffer.from(JSON.stringify(record)),
  encodeStatus: async (record) => Buffer.from(JSON.stringify(record)),
  encodeAlert: async (record) => Buffer.from(JSON.stringify(record)),
};

export const taskSettings = (overrides: Partial<TaskSettings> = {}): TaskSettings => ({
  topics: {
    events: 'learning.events.v1',
    aggregates: 'learning.class-aggregates.v1',
    statuses: 'learning.student-status.v1',
    alerts: 'learning.alerts.v1',
    dlq: 'learning.events.dlq.v1',
    changelog: 'aggregator.state.v1',
  },
  rules: defaultRuleSettings,
  dedup: { maxIds: 10_000, retentionMs: 3_600_000, segmentMaxIds: 100 },
  emitIntervalMs: 250,
  commitMaxEvents: 1_000,
  catchUp: { lag: 10_000, commitIntervalMs: 2_000 },
  failedBy: 'aggregator/aggregator',
  ...overrides,
});

export function inputRecords(events: (LearningEvent | string)[], firstOffset = 0): InputRecord[] {
  return events.map((event, index) => ({
    offset: firstOffset + index,
    key: Buffer.from(typeof event === 'string' ? 'k' : (event.classId ?? event.userId)),
    value: Buffer.from(typeof event === 'string' ? event : JSON.stringify(event)),
    timestamp: 1_700_000_000_000 + firstOffset + index,
  }));
}

/**
 * A transactional Kafka in memory: committed transactions append their records to a log and
 * move the group's offset; a transaction told to fail leaves nothing.
 */
export class MemoryKafka {
  readonly log: OutputRecord[] = [];
  readonly offsets = new Map<number, number>();
  commits = 0;
  failNext = 0;

  sink(): TransactionSink & { closed: boolean } {
    const kafka = this;
    return {
      state: 'ready',
      closed: false,
      async commit(records: readonly OutputRecord[], offsets: TransactionOffsets | null) {
        if (kafka.failNext > 0) {
          kafka.failNext--;
          throw new AggregatorError('AGG_TRANSACTION_FAILED', 'injected');
        }
        kafka.log.push(...records);
        if (offsets) kafka.offsets.set(offsets.partition, offsets.offset);
        kafka.commits++;
      },
      async close() {
        this.closed = true;
      },
    };
  }

  async readChangelog(
    partition: number,
    onRecord: (key: string, value: string | null) => boolean,
  ): Promise<number> {
    let count = 0;
    for (const record of this.log) {
      if (record.topic !== 'aggregator.state.v1' || record.partition !== partition) continue;
      count++;
      if (onRecord(String(record.key), record.value === null ? null : String(record.value))) return count;
    }
    throw new Error('no barrier');
  }

  /** The decoded values written to `topic`, in order. */
  values<T>(topic: string): T[] {
    return this.log
      .filter((record) => record.topic === topic)
      .map((record) => JSON.parse(String(record.value)) as T);
  }
}
