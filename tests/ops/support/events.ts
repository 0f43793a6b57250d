import { type LearningEvent, TopicSerde, toLearningEventRecord } from '@cellstream/schemas';
import { eventually, testEnv, testKafka, uniqueName } from '@cellstream/testkit';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Partitioners } from 'kafkajs';

const runId = uniqueName('ops-event');
let sequence = 0;

/** A cell execution of `classId` as ingest would write it (eventTime now). */
export function cellExecution(
  classId: string,
  overrides: Partial<Record<string, unknown>> = {},
): LearningEvent {
  sequence++;
  return toLearningEventRecord(
    {
      eventId: `${runId}-${sequence}`,
      eventType: 'cell_execution_complete',
      eventTime: new Date().toISOString(),
      userId: `ops-student-${sequence % 5}`,
      classId,
      sessionId: `session-${sequence % 5}`,
      notebookPath: 'ops.ipynb',
      cellId: `cell-${sequence % 3}`,
      cellType: 'code',
      code: `print(${sequence})`,
      hasError: false,
      ...overrides,
    } as never,
    Date.now(),
  );
}

/**
 * Writes records to the events topic of `prefix` (Avro in the wire format, keyed by classId), or
 * raw bytes; round-robin over `partitions` partitions when given, else by key.
 */
export async function produceEvents(
  prefix: string,
  events: readonly (LearningEvent | Buffer)[],
  options: { partitions?: number } = {},
): Promise<void> {
  const serde = new TopicSerde(new SchemaRegistry({ host: testEnv.SCHEMA_REGISTRY_URL }), {
    topicPrefix: prefix,
  });
  const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const messages = await Promise.all(
      events.map(async (event, index) => ({
        ...(Buffer.isBuffer(event)
          ? { key: 'ops-garbage', value: event }
          : { key: event.classId ?? event.userId, value: await serde.encode('learning.events.v1', event) }),
        ...(options.partitions ? { partition: index % options.partitions } : {}),
      })),
    );
    await producer.send({ topic: `${prefix}learning.events.v1`, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

export interface ReadRecord {
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
}

/**
 * Every committed record of `topic` from the beginning: reads until `atLeast` arrived, then
 * `settleMs` longer, so a record too many (a duplicate) would be seen too.
 */
export async function readAll(topic: string, atLeast: number, settleMs = 3_000): Promise<ReadRecord[]> {
  const records: ReadRecord[] = [];
  const consumer = testKafka().consumer({ groupId: uniqueName('ops-read'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
        records.push({ partition, offset: message.offset, key: message.key?.toString() ?? null, headers });
      },
    });
    await eventually(async () => (records.length >= atLeast ? true : undefined), {
      timeoutMs: 60_000,
      what: `${atLeast} records in ${topic}`,
    });
    await new Promise((resolve) => setTimeout(resolve, settleMs));
  } finally {
    await consumer.disconnect();
  }
  return records;
}
