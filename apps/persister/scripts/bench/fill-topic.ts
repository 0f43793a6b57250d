import { avroType, encodeWire, type TopicSerde, topicKeys } from '@cellstream/schemas';
import type { Kafka } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import { benchEvent } from './workload.js';

/**
 * Fills the topic with `count` events as ingest would write them (Avro in the wire format,
 * keyed by classId), fast: the schema id is looked up once and bodies are encoded directly;
 * sends of `batch` records, `inFlight` at a time, acks=all.
 */
export async function fillTopic(options: {
  kafka: Kafka;
  serde: TopicSerde;
  topic: string;
  count: number;
  batch?: number;
  inFlight?: number;
  onProgress?: (sent: number) => void;
}): Promise<void> {
  const { count } = options;
  const batch = options.batch ?? 10_000;
  const inFlight = options.inFlight ?? 4;
  const schemaId = await options.serde.register('learning.events.v1');
  const type = avroType('LearningEvent');
  const producer = options.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    let next = 0;
    let sent = 0;
    const worker = async () => {
      while (next < count) {
        const from = next;
        const to = Math.min(count, from + batch);
        next = to;
        const messages = [];
        for (let i = from; i < to; i++) {
          const event = benchEvent(i);
          messages.push({
            key: topicKeys.learningEvent(event),
            value: encodeWire(schemaId, type.toBuffer(event)),
          });
        }
        await producer.send({ topic: options.topic, acks: -1, messages });
        sent += to - from;
        options.onProgress?.(sent);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
  } finally {
    await producer.disconnect();
  }
}
