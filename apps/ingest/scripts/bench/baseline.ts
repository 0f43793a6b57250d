import { type LearningEventHttp, TopicSerde, toLearningEventRecord, topicKeys } from '@cellstream/schemas';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { type Kafka, type Message, Partitioners, type Producer } from 'kafkajs';

/**
 * The records ingest would produce for these batches, Avro-encoded through the registry
 * beforehand, and a topic of their own: what the bare producer sends.
 */
export async function prepareBaseline(
  kafka: Kafka,
  options: { prefix: string; partitions: number; registryUrl: string; batches: LearningEventHttp[][] },
): Promise<{ topic: string; batches: Message[][] }> {
  const topic = `${options.prefix}baseline.learning.events.v1`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: options.partitions, replicationFactor: 1 }],
  });
  await admin.disconnect();
  const serde = new TopicSerde(new SchemaRegistry({ host: options.registryUrl }), {
    topicPrefix: options.prefix,
  });
  const receivedAt = Date.now();
  const batches = await Promise.all(
    options.batches.map((batch) =>
      Promise.all(
        batch.map(async (event) => {
          const record = toLearningEventRecord(event, receivedAt);
          return {
            key: topicKeys.learningEvent(record),
            value: await serde.encode('learning.events.v1', record),
          };
        }),
      ),
    ),
  );
  return { topic, batches };
}

/** A producer set up as ingest's: idempotent, one request in flight, the default partitioner. */
export async function bareProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  return producer;
}

/** Sends one batch with acks from all in-sync replicas; resolves to the records sent. */
export async function sendBatch(producer: Producer, topic: string, messages: Message[]): Promise<number> {
  await producer.send({ topic, messages, acks: -1 });
  return messages.length;
}
