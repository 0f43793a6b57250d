import { eventually, testKafka, uniqueName } from '@cellstream/testkit';
import type { Consumer, IHeaders } from 'kafkajs';

export interface ReadRecord<T> {
  key: string | null;
  /** The value decoded by the reader's `decode`. */
  decoded: T;
  value: Buffer;
  headers: IHeaders;
  partition: number;
  offset: string;
}

/** Reads a topic from its beginning into memory, for the whole test file. */
export class TopicReader<T> {
  readonly records: ReadRecord<T>[] = [];
  private consumer: Consumer | undefined;

  constructor(
    private readonly topic: string,
    private readonly decode: (value: Buffer) => Promise<T>,
  ) {}

  async start(): Promise<void> {
    const consumer = testKafka().consumer({ groupId: uniqueName('ingest-reader'), maxWaitTimeInMs: 100 });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    let joined!: () => void;
    const hasJoined = new Promise<void>((resolve) => {
      joined = resolve;
    });
    consumer.on(consumer.events.GROUP_JOIN, () => joined());
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        this.records.push({
          decoded: await this.decode(message.value as Buffer),
          key: message.key?.toString('utf8') ?? null,
          value: message.value as Buffer,
          headers: message.headers ?? {},
          partition,
          offset: message.offset,
        });
      },
    });
    await hasJoined;
  }

  /** Waits until `count` records satisfy `match`, and returns them. */
  waitFor(
    match: (record: ReadRecord<T>) => boolean,
    count: number,
    timeoutMs = 15_000,
  ): Promise<ReadRecord<T>[]> {
    return eventually(
      async () => {
        const found = this.records.filter(match);
        return found.length >= count ? found : undefined;
      },
      { timeoutMs, what: `${count} records on ${this.topic}` },
    );
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
