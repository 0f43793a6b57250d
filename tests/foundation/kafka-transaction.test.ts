import { createTestTopics, eventually, testKafka, uniqueName } from '@cellstream/testkit';
import type { Admin, Consumer, EachBatchPayload } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Proof of the read-process-write pattern the aggregator relies on: outputs and the consumed
// offsets commit in one Kafka transaction; an aborted transaction is invisible to
// read_committed readers and its input is processed again.
describe('Kafka transactions (read-process-write with sendOffsets)', () => {
  const kafka = testKafka();
  let admin: Admin;
  let input: string;
  let output: string;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    [input, output] = (await createTestTopics(admin, ['tx-in', 'tx-out'], { partitions: 1 })) as [
      string,
      string,
    ];
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: input,
      acks: -1,
      messages: Array.from({ length: 10 }, (_, i) => ({ key: 'k', value: String(i) })),
    });
    await producer.disconnect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [input, output] }).catch(() => {});
    await admin.disconnect();
  });

  async function readCommitted(topic: string, count: number): Promise<string[]> {
    const values: string[] = [];
    const reader = kafka.consumer({ groupId: uniqueName('tx-reader'), readUncommitted: false });
    await reader.connect();
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void values.push(String(message.value)) });
    await eventually(async () => (values.length >= count ? true : undefined), { what: `${count} records` });
    await reader.disconnect();
    return values;
  }

  it('commits outputs with offsets, and an aborted attempt leaves no trace', async () => {
    const groupId = uniqueName('tx-group');
    const producer = kafka.producer({
      transactionalId: uniqueName('tx-id'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();

    // One transform step: squares each value, then either commits or aborts the transaction.
    const runOnce = async (outcome: 'commit' | 'abort') => {
      const consumer: Consumer = kafka.consumer({ groupId, readUncommitted: false });
      await consumer.connect();
      await consumer.subscribe({ topic: input, fromBeginning: true });
      let processed = 0;
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }: EachBatchPayload) => {
          const transaction = await producer.transaction();
          await transaction.send({
            topic: output,
            messages: batch.messages.map((m) => ({ key: m.key, value: String(Number(m.value) ** 2) })),
          });
          const last = batch.messages.at(-1);
          if (last === undefined) return;
          await transaction.sendOffsets({
            consumerGroupId: groupId,
            topics: [
              {
                topic: batch.topic,
                partitions: [{ partition: batch.partition, offset: String(Number(last.offset) + 1) }],
              },
            ],
          });
          if (outcome === 'commit') await transaction.commit();
          else await transaction.abort();
          processed += batch.messages.length;
        },
      });
      await eventually(async () => (processed >= 10 ? true : undefined), {
        what: `${outcome} of 10 records`,
      });
      await consumer.disconnect();
    };

    await runOnce('abort');
    // The aborted offsets were not committed: the group starts over and processes all ten again.
    await runOnce('commit');
    await producer.disconnect();

    const squares = await readCommitted(output, 10);
    expect(squares).toEqual(['0', '1', '4', '9', '16', '25', '36', '49', '64', '81']);

    const offsets = await admin.fetchOffsets({ groupId, topics: [input] });
    expect(offsets[0]?.partitions[0]?.offset).toBe('10');
  });
});
