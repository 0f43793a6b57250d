import { type Kafka, Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  chunks,
  memoizedDefaultPartitioner,
  producerTransitions,
  TransactionalProducer,
} from '../../src/kafka/transactional-producer.js';
import type { OutputRecord } from '../../src/processing/records.js';
import { quietLogger } from '../support/fakes.js';

/** A kafkajs error as the client raises it: a protocol error type, retriable or not. */
const protocolError = (type: string, retriable = false, code?: number) =>
  Object.assign(new Error(type), { type, retriable, code, name: 'KafkaJSProtocolError' });

type Step = 'send' | 'offsets' | 'commit' | 'abort' | 'transaction';

/** A fake kafkajs with transactional producers whose steps fail as scripted. */
function fakeKafka(failures: Partial<Record<Step, unknown[]>> = {}) {
  const calls: string[] = [];
  const producers: { disconnected: boolean }[] = [];
  const fail = (step: Step) => {
    const next = failures[step]?.shift();
    if (next !== undefined) throw next;
  };
  const kafka = {
    producer: () => {
      const producer = { disconnected: false };
      producers.push(producer);
      return {
        connect: async () => calls.push('connect'),
        disconnect: async () => {
          producer.disconnected = true;
          calls.push('disconnect');
        },
        transaction: async () => {
          fail('transaction');
          let active = true;
          calls.push('begin');
          return {
            isActive: () => active,
            sendBatch: async ({ topicMessages }: { topicMessages: { messages: unknown[] }[] }) => {
              fail('send');
              calls.push(`send ${topicMessages.reduce((sum, topic) => sum + topic.messages.length, 0)}`);
            },
            sendOffsets: async () => {
              fail('offsets');
              calls.push('offsets');
            },
            commit: async () => {
              fail('commit');
              active = false;
              calls.push('commit');
            },
            abort: async () => {
              fail('abort');
              active = false;
              calls.push('abort');
            },
          };
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, calls, producers };
}

const records: OutputRecord[] = [{ topic: 'out', key: 'k', value: 'v' }];
const offsets = { groupId: 'g', topic: 'in', partition: 0, offset: 10 };
const producerFor = (kafka: Kafka) =>
  new TransactionalProducer({
    kafka,
    transactionalId: 'agg-in-0',
    transactionTimeoutMs: 60_000,
    logger: quietLogger(),
  });

describe('TransactionalProducer', () => {
  it('connects on first use and commits records with offsets in one transaction', async () => {
    const { kafka, calls } = fakeKafka();
    const producer = producerFor(kafka);
    expect(producer.state).toBe('idle');
    await producer.commit(records, offsets);
    expect(calls).toEqual(['connect', 'begin', 'send 1', 'offsets', 'commit']);
    expect(producer.state).toBe('ready');
  });

  it('retries sendOffsets on CONCURRENT_TRANSACTIONS, which kafkajs does not', async () => {
    const { kafka, calls } = fakeKafka({ offsets: [protocolError('CONCURRENT_TRANSACTIONS', true)] });
    await producerFor(kafka).commit(records, offsets);
    expect(calls.filter((call) => call === 'offsets')).toHaveLength(1);
    expect(calls.at(-1)).toBe('commit');
  });

  it('aborts when a step fails and stays usable', async () => {
    const { kafka, calls } = fakeKafka({ send: [protocolError('NOT_ENOUGH_REPLICAS')] });
    const producer = producerFor(kafka);
    await expect(producer.commit(records, offsets)).rejects.toMatchObject({
      code: 'AGG_TRANSACTION_FAILED',
      retriable: true,
    });
    expect(calls).toEqual(['connect', 'begin', 'abort']);
    expect(producer.state).toBe('ready');
    await producer.commit(records, offsets);
    expect(calls.at(-1)).toBe('commit');
  });

  it('replaces the producer when the commit itself failed (kafkajs cannot leave "committing")', async () => {
    const { kafka, producers } = fakeKafka({ commit: [protocolError('REQUEST_TIMED_OUT', true)] });
    const producer = producerFor(kafka);
    await expect(producer.commit(records, null)).rejects.toMatchObject({ code: 'AGG_TRANSACTION_FAILED' });
    expect(producer.state).toBe('broken');
    expect(producers[0]?.disconnected).toBe(true);
    await producer.commit(records, null);
    expect(producers).toHaveLength(2);
    expect(producer.state).toBe('ready');
  });

  it('is fenced for good when a newer producer took the transactional id', async () => {
    const { kafka } = fakeKafka({ send: [protocolError('INVALID_PRODUCER_EPOCH')] });
    const producer = producerFor(kafka);
    await expect(producer.commit(records, offsets)).rejects.toMatchObject({ code: 'AGG_PRODUCER_FENCED' });
    expect(producer.state).toBe('fenced');
    await expect(producer.commit(records, offsets)).rejects.toMatchObject({ code: 'AGG_PRODUCER_FENCED' });
  });

  it('recognises PRODUCER_FENCED by its code, which kafkajs does not name', async () => {
    const wrapped = Object.assign(new Error('retries exceeded'), {
      cause: protocolError('KAFKAJS_UNKNOWN_ERROR_CODE', false, 90),
    });
    const { kafka } = fakeKafka({ transaction: [wrapped] });
    await expect(producerFor(kafka).commit(records, null)).rejects.toMatchObject({
      code: 'AGG_PRODUCER_FENCED',
    });
  });

  it('runs the beforeCommit hook inside the transaction: throwing aborts it', async () => {
    const { kafka, calls } = fakeKafka();
    const producer = new TransactionalProducer({
      kafka,
      transactionalId: 'agg-in-0',
      transactionTimeoutMs: 60_000,
      logger: quietLogger(),
      beforeCommit: () => {
        throw new Error('injected');
      },
    });
    await expect(producer.commit(records, offsets)).rejects.toMatchObject({ code: 'AGG_TRANSACTION_FAILED' });
    expect(calls.slice(-2)).toEqual(['offsets', 'abort']);
  });

  it('has terminal states that go nowhere but closed', () => {
    expect(producerTransitions.fenced).toEqual(['closed']);
    expect(producerTransitions.closed).toEqual([]);
  });
});

describe('chunks', () => {
  it('keeps every produce request under the size limit, in order', () => {
    const big = (n: number): OutputRecord => ({ topic: 't', key: `k${n}`, value: 'x'.repeat(400) });
    const parts = chunks(
      Array.from({ length: 10 }, (_, n) => big(n)),
      1_000,
    );
    expect(parts.map((part) => part.length)).toEqual([2, 2, 2, 2, 2]);
    expect(parts.flat().map((record) => record.key)).toEqual(Array.from({ length: 10 }, (_, n) => `k${n}`));
    expect(chunks([{ topic: 't', key: 'k', value: 'x'.repeat(5_000) }], 1_000)).toHaveLength(1);
    const small = Array.from(
      { length: 7 },
      (_, n): OutputRecord => ({ topic: 't', key: `k${n}`, value: 'v' }),
    );
    expect(chunks(small, 1_000_000, 3).map((part) => part.length)).toEqual([3, 3, 1]);
  });
});

describe('memoizedDefaultPartitioner', () => {
  it('gives every key the partition of the default (murmur2) partitioner, explicit partitions as they are', () => {
    const memoized = memoizedDefaultPartitioner();
    const plain = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: 6 }, (_, partitionId) => ({
      partitionId,
      leader: 1,
      partitionErrorCode: 0,
      replicas: [1],
      isr: [1],
    }));
    for (let round = 0; round < 2; round++) {
      for (let n = 0; n < 200; n++) {
        const message = { key: `class-${n}/student-${n * 7}`, value: 'v' };
        const args = { topic: 't', partitionMetadata, message };
        expect(memoized(args)).toBe(plain(args));
      }
    }
    expect(memoized({ topic: 't', partitionMetadata, message: { key: 'k', value: 'v', partition: 4 } })).toBe(
      4,
    );
  });

  it('hashes the partitionKey instead of the key when there is one (a status goes to its class partition)', () => {
    const memoized = memoizedDefaultPartitioner();
    const plain = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: 6 }, (_, partitionId) => ({
      partitionId,
      leader: 1,
      partitionErrorCode: 0,
      replicas: [1],
      isr: [1],
    }));
    const spread = new Set<number>();
    for (let n = 0; n < 50; n++) {
      const classId = `class-${n}`;
      const ofClass = plain({ topic: 't', partitionMetadata, message: { key: classId, value: 'v' } });
      for (let s = 0; s < 20; s++) {
        const message = { key: `${classId}/student-${s}`, value: 'v', partitionKey: classId };
        expect(memoized({ topic: 't', partitionMetadata, message })).toBe(ofClass);
        spread.add(plain({ topic: 't', partitionMetadata, message: { key: message.key, value: 'v' } }));
      }
    }
    // Without the partitionKey the same keys would spread over every partition.
    expect(spread.size).toBe(6);
  });
});
