import { randomBytes } from 'node:crypto';
import { type IHeaders, Kafka, type KafkaMessage, logLevel } from 'kafkajs';

/**
 * A Kafka client for operations tools: short timeouts and few retries, so a broker that is down
 * is reported in seconds instead of after kafkajs' default minute of retrying.
 */
export function opsKafka(brokers: string[], clientId: string, options: { fast?: boolean } = {}): Kafka {
  return new Kafka({
    brokers,
    clientId,
    logLevel: logLevel.NOTHING,
    connectionTimeout: options.fast ? 1_000 : 3_000,
    requestTimeout: options.fast ? 2_500 : 30_000,
    retry: options.fast ? { retries: 0 } : { retries: 5, initialRetryTime: 200 },
  });
}

export interface TopicRecord {
  partition: number;
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

export interface ReadOptions {
  /** Where each partition starts, from its low and high watermarks; default the beginning. */
  startAt?: (partition: number, low: bigint, high: bigint) => bigint;
  /** Gives up (throwing) after this long. */
  timeoutMs?: number;
}

/**
 * Reads a topic from `startAt` to the end it had when the call began, committed records only,
 * in a throwaway consumer group that never commits (nobody else's offsets move). A partition is
 * done when the consumer's position passes the end watermark taken at the start: batches of
 * only control records or compacted-away offsets count too (kafkajs reports them as
 * END_BATCH_PROCESS without records), so transactional and compacted topics finish.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  options: ReadOptions = {},
): Promise<TopicRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: { partition: number; low: bigint; high: bigint }[];
  try {
    ends = (await admin.fetchTopicOffsets(topic)).map((entry) => ({
      partition: entry.partition,
      low: BigInt(entry.low),
      high: BigInt(entry.high),
    }));
  } finally {
    await admin.disconnect();
  }
  const starts = new Map(
    ends.map((end) => [end.partition, options.startAt?.(end.partition, end.low, end.high) ?? end.low]),
  );
  const pending = new Map(
    ends
      .filter((end) => (starts.get(end.partition) ?? end.low) < end.high)
      .map((end) => [end.partition, end.high]),
  );
  const records: TopicRecord[] = [];
  if (pending.size === 0) return records;

  const consumer = kafka.consumer({
    groupId: `cellstream-ops-${randomBytes(6).toString('hex')}`,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 200,
  });
  const advance = (partition: number, nextOffset: bigint) => {
    const end = pending.get(partition);
    if (end !== undefined && nextOffset >= end) pending.delete(partition);
  };
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    advance(payload.partition, BigInt(payload.lastOffset) + 1n);
    if (pending.size === 0) finish();
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (!pending.has(partition)) return;
        const end = pending.get(partition) as bigint;
        if (BigInt(message.offset) < end) records.push(toRecord(partition, message));
      },
    });
    for (const [partition, start] of starts) consumer.seek({ topic, partition, offset: start.toString() });
    const timeoutMs = options.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`reading ${topic} did not reach its end within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect().catch(() => {});
  }
  return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

function toRecord(partition: number, message: KafkaMessage): TopicRecord {
  return {
    partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: message.key,
    value: message.value,
    headers: message.headers ?? {},
  };
}

/** A header's value as a string (kafkajs gives Buffers, arrays for repeated headers). */
export function headerText(headers: IHeaders, name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
