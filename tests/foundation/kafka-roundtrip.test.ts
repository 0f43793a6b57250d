import { createTestTopics, eventually, testKafka, uniqueName } from '@cellstream/testkit';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Proof that the stack's broker is a real Kafka: an idempotent producer with acks from all
// in-sync replicas, and a consumer group that receives every record, in order per partition.
describe('Kafka producer and consumer group round trip', () => {
  const kafka = testKafka();
  let admin: Admin;
  let topic: string;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    [topic] = (await createTestTopics(admin, ['roundtrip'], { partitions: 3 })) as [string];
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });

  it('delivers every produced record to the group, keyed records in order', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = Array.from({ length: 60 }, (_, i) => ({ key: `class-${i % 4}`, value: `event-${i}` }));
    const acks = await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();
    expect(acks.every((ack) => ack.errorCode === 0)).toBe(true);

    const received: { key: string; value: string }[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('roundtrip-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push({ key: String(message.key), value: String(message.value) });
      },
    });
    await eventually(async () => (received.length >= sent.length ? true : undefined), {
      what: 'all 60 records consumed',
    });
    await consumer.disconnect();

    expect(received).toHaveLength(sent.length);
    expect(new Set(received.map((r) => r.value))).toEqual(new Set(sent.map((r) => r.value)));
    for (const key of ['class-0', 'class-1', 'class-2', 'class-3']) {
      const order = (records: { key: string; value: string }[]) =>
        records.filter((r) => r.key === key).map((r) => r.value);
      expect(order(received)).toEqual(order(sent));
    }
  });

  it('commits the group offset so a restarted consumer resumes after it', async () => {
    const groupId = uniqueName('resume-group');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'before' }] });

    const first = kafka.consumer({ groupId });
    await first.connect();
    await first.subscribe({ topic, fromBeginning: true });
    const seenFirst: string[] = [];
    await first.run({ eachMessage: async ({ message }) => void seenFirst.push(String(message.value)) });
    await eventually(async () => (seenFirst.includes('before') ? true : undefined));
    await first.disconnect();

    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'after' }] });
    await producer.disconnect();

    const second = kafka.consumer({ groupId });
    await second.connect();
    await second.subscribe({ topic, fromBeginning: true });
    const seenSecond: string[] = [];
    await second.run({ eachMessage: async ({ message }) => void seenSecond.push(String(message.value)) });
    await eventually(async () => (seenSecond.includes('after') ? true : undefined));
    await second.disconnect();

    expect(seenSecond).not.toContain('before');
  });
});
