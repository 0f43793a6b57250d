import { type LearningEvent, SchemasError, type TopicSerde, topicKeys } from '@cellstream/schemas';
import { anyHostAccepts, type Logger, sleep } from '@cellstream/shared';
import { type Kafka, type Message, Partitioners, type Producer } from 'kafkajs';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { IngestError } from '../errors.js';
import { latencyBuckets } from '../metrics.js';
import { SendCoalescer } from './coalescer.js';

/** The state of one dependency, as GET /ready reports it. */
export interface DependencyState {
  status: 'up' | 'down';
  detail?: string;
}

/**
 * Where accepted events go. `publish` resolves only once every record is durable (acknowledged
 * by all in-sync replicas) and rejects with an IngestError (503) when that did not happen in
 * time; the handler never touches Kafka itself.
 */
export interface EventPublisher {
  publish(events: readonly LearningEvent[]): Promise<void>;
  /** Each dependency the publisher needs, for GET /ready. */
  readiness(): Promise<Record<string, DependencyState>>;
  /** Finishes what is queued or in flight, then disconnects. */
  close(): Promise<void>;
}

export interface KafkaEventPublisherOptions {
  kafka: Kafka;
  /** The serde of the events topic (its topicPrefix gives the subject `<EVENTS_TOPIC>-value`). */
  serde: TopicSerde;
  /** The topic name, prefix included (EVENTS_TOPIC). */
  topic: string;
  /** Checked by `readiness()`. */
  registryUrl: string;
  logger: Logger;
  metrics: Registry;
  /** How long a publish may take from encoding to acknowledgement. */
  timeoutMs: number;
  /** Upper bound of one produce request's Avro bytes. */
  maxRequestBytes: number;
  /** Produce calls in flight at once (default 1). */
  concurrency?: number;
  /**
   * The brokers (`host:port`), probed by `readiness()`: kafkajs stays "connected" after every
   * broker died until a produce call stalls, so an idle ingest would keep answering ready.
   */
  brokers?: readonly string[];
}

const RECORD_OVERHEAD_BYTES = 70; // key and record framing, roughly
/** Records waiting for the call in flight, in bytes, past which new batches get 503 at once. */
const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

/**
 * The Kafka side of ingest: an idempotent producer (acks from all in-sync replicas, one request
 * in flight per broker so retries keep order and never duplicate), values Avro-encoded in the
 * Confluent wire format, key classId (userId when absent).
 */
export class KafkaEventPublisher implements EventPublisher {
  private readonly producer: Producer;
  private readonly coalescer: SendCoalescer<Message>;
  private readonly log: Logger;
  private connected = false;
  private closing = false;
  private lastConnectError: string | undefined;
  private connecting: Promise<void> | undefined;
  private readonly sendRecords: Histogram;
  private readonly sendDuration: Histogram<'outcome'>;

  constructor(private readonly options: KafkaEventPublisherOptions) {
    this.log = options.logger.child({ component: 'publisher', topic: options.topic });
    this.producer = options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      // Never give up on a produce call. kafkajs rolls a partition's sequence number back when a
      // call fails; if that call had in fact been written (its answer lost), the next call would
      // reuse those numbers and the broker would drop it as a duplicate while acknowledging it.
      // Retrying until the broker answers keeps every acknowledgement true. Clients do not wait
      // for it: past PRODUCE_TIMEOUT_MS they get a 503, and what is still queued is withdrawn.
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    this.producer.on(this.producer.events.CONNECT, () => {
      this.connected = true;
    });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connected = false;
    });
    this.coalescer = new SendCoalescer<Message>((messages) => this.send(messages), {
      maxBytes: options.maxRequestBytes,
      maxConcurrent: options.concurrency ?? 1,
      sizeOf: (message) => (message.value as Buffer).length + RECORD_OVERHEAD_BYTES,
    });
    const registers = [options.metrics];
    this.sendRecords = new Histogram({
      name: 'ingest_kafka_send_records',
      help: 'Records per Kafka produce call (concurrent requests are coalesced into one call)',
      buckets: [1, 10, 50, 100, 200, 500, 1000, 2000, 5000],
      registers,
    });
    this.sendDuration = new Histogram({
      name: 'ingest_kafka_send_duration_seconds',
      help: 'Duration of one Kafka produce call, by outcome',
      labelNames: ['outcome'],
      buckets: latencyBuckets,
      registers,
    });
    const connectedGauge: Gauge = new Gauge({
      name: 'ingest_kafka_connected',
      help: '1 while the producer is connected to Kafka',
      registers,
      collect: () => connectedGauge.set(this.connected ? 1 : 0),
    });
    const queuedGauge: Gauge = new Gauge({
      name: 'ingest_kafka_queued_records',
      help: 'Records waiting for the produce call in flight to finish',
      registers,
      collect: () => queuedGauge.set(this.coalescer.queued),
    });
  }

  /**
   * Connects the producer, retrying until it succeeds or the publisher is closed. Resolves on
   * the first connection; publishing before that answers 503 at once.
   */
  start(): Promise<void> {
    this.connecting ??= (async () => {
      for (let attempt = 0; !this.closing; attempt++) {
        try {
          await this.producer.connect();
          this.lastConnectError = undefined;
          this.log.info('producer connected');
          return;
        } catch (error) {
          this.lastConnectError = error instanceof Error ? error.message : String(error);
          this.log.warn({ err: error, attempt }, 'cannot connect to Kafka; retrying');
          await sleep(Math.min(5_000, 250 * 2 ** attempt));
        }
      }
    })();
    return this.connecting;
  }

  async publish(events: readonly LearningEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (this.closing) throw new IngestError('INGEST_SHUTTING_DOWN', 'Ingest is stopping; retry shortly.');
    if (!this.connected) {
      throw new IngestError(
        'INGEST_KAFKA_UNAVAILABLE',
        `Kafka is not reachable${this.lastConnectError ? ` (${this.lastConnectError})` : ''}; nothing was accepted.`,
      );
    }
    if (this.coalescer.queuedBytes > MAX_QUEUED_BYTES) {
      // Kafka is far behind: waiting would only end in a 503 after PRODUCE_TIMEOUT_MS.
      throw new IngestError(
        'INGEST_KAFKA_UNAVAILABLE',
        'Kafka is not keeping up; nothing was accepted. Retry shortly.',
      );
    }
    let timer: NodeJS.Timeout | undefined;
    let cancel: (() => boolean) | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        const withdrawn = cancel?.() ?? true;
        reject(
          new IngestError(
            'INGEST_KAFKA_UNAVAILABLE',
            `Kafka did not acknowledge the batch within ${this.options.timeoutMs} ms; nothing was accepted.`,
            { context: { withdrawn } },
          ),
        );
      }, this.options.timeoutMs);
    });
    try {
      const produce = (async () => {
        const messages = await this.encode(events);
        const submission = this.coalescer.submit(messages);
        cancel = submission.cancel;
        await submission.done;
      })();
      produce.catch(() => undefined); // the timeout may win; the outcome is then logged by send()
      await Promise.race([produce, timeout]);
    } catch (error) {
      if (error instanceof IngestError) throw error;
      throw new IngestError('INGEST_KAFKA_UNAVAILABLE', `Kafka did not take the batch: ${describe(error)}`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async readiness(): Promise<Record<string, DependencyState>> {
    const since = this.coalescer.oldestInFlightSince;
    const stalledMs = since === undefined ? 0 : performance.now() - since;
    let kafka: DependencyState = { status: 'up' };
    if (!this.connected) {
      kafka = {
        status: 'down',
        detail: this.lastConnectError ?? (this.closing ? 'closing' : 'not connected yet'),
      };
    } else if (stalledMs > this.options.timeoutMs) {
      // Connected, but a produce call has waited longer than any client does: batches get 503.
      kafka = { status: 'down', detail: `a produce call has waited ${Math.round(stalledMs)} ms for Kafka` };
    } else if (this.options.brokers && !(await anyHostAccepts(this.options.brokers))) {
      kafka = {
        status: 'down',
        detail: `no broker accepts connections (${this.options.brokers.join(', ')})`,
      };
    }
    return { kafka, registry: await this.probeRegistry() };
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    // A call still in flight after PRODUCE_TIMEOUT_MS has been answered 503 already: stop waiting.
    const idle = this.coalescer.idle();
    const waited = await Promise.race([
      idle.then(() => true),
      sleep(this.options.timeoutMs).then(() => false),
    ]);
    if (!waited)
      this.log.warn('a produce call was still in flight at shutdown; its requests were answered 503');
    await this.producer.disconnect();
    this.log.info('producer disconnected');
  }

  private async encode(events: readonly LearningEvent[]): Promise<Message[]> {
    try {
      const values = await this.options.serde.encodeMany('learning.events.v1', events);
      return events.map((event, i) => ({ key: topicKeys.learningEvent(event), value: values[i] as Buffer }));
    } catch (error) {
      if (error instanceof SchemasError && error.code.startsWith('SCHEMAS_REGISTRY_')) {
        throw new IngestError(
          'INGEST_REGISTRY_UNAVAILABLE',
          `The schema registry did not answer; nothing was accepted (${error.message}).`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  private async send(messages: Message[]): Promise<void> {
    const started = performance.now();
    this.sendRecords.observe(messages.length);
    try {
      await this.producer.send({
        topic: this.options.topic,
        messages,
        acks: -1,
        timeout: this.options.timeoutMs,
      });
      this.sendDuration.labels('ok').observe((performance.now() - started) / 1000);
    } catch (error) {
      this.sendDuration.labels('error').observe((performance.now() - started) / 1000);
      this.log.warn({ err: error, records: messages.length }, 'Kafka did not acknowledge a produce call');
      throw error;
    }
  }

  private async probeRegistry(): Promise<DependencyState> {
    try {
      const response = await fetch(`${this.options.registryUrl.replace(/\/+$/, '')}/config`, {
        signal: AbortSignal.timeout(2_000),
      });
      await response.body?.cancel();
      if (!response.ok) return { status: 'down', detail: `GET /config answered ${response.status}` };
      await this.options.serde.schemaId('learning.events.v1');
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', detail: describe(error) };
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
