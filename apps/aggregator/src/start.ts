import { TopicSerde, topics } from '@cellstream/schemas';
import {
  createKafka,
  createLogger,
  createMetricsRegistry,
  type DependencyStates,
  type Logger,
  type OpsServer,
  packageVersion,
  retry,
  startOpsServer,
} from '@cellstream/shared';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Registry } from 'prom-client';
import { type AggregatorConfig, prefixOf, ruleSettings } from './config.js';
import { readChangelogPartition } from './kafka/changelog-reader.js';
import { EventConsumer } from './kafka/event-consumer.js';
import { ensureAggregatorTopics } from './kafka/topics.js';
import { TransactionalProducer } from './kafka/transactional-producer.js';
import { registerAggregatorMetrics } from './metrics.js';
import { serdeCodec } from './processing/codec.js';
import { ProjectedEventDecoder } from './processing/event-decoder.js';
import { PartitionTask, type TaskSettings } from './processing/partition-task.js';
import type { OutputRecord } from './processing/records.js';
import { PartitionManager } from './runtime/partition-manager.js';
import { PartitionWorker } from './runtime/partition-worker.js';

export interface AggregatorHooks {
  /**
   * Test hook: runs inside each transaction after its records are sent, before the commit;
   * throwing aborts the transaction (failure injection).
   */
  beforeCommit?: (partition: number, records: readonly OutputRecord[]) => Promise<void> | void;
}

export interface StartOptions {
  logger?: Logger;
  hooks?: AggregatorHooks;
  /** Serve /health, /ready and /metrics on AGGREGATOR_PORT (default true). */
  opsServer?: boolean;
}

export interface RunningAggregator {
  config: AggregatorConfig;
  logger: Logger;
  metrics: Registry;
  ops: OpsServer | undefined;
  /** /ready's answer: the consumer joined, every assigned partition restored, the registry answers. */
  readiness(): Promise<DependencyStates>;
  /** Input partitions currently assigned to this instance. */
  partitions(): number[];
  /** Finishes the transactions in flight, commits what is pending, leaves the group, closes. */
  close(): Promise<void>;
}

const startupRetry = { attempts: 10, initialDelayMs: 250, maxDelayMs: 5_000 };
/** Longest wait for a restore's barrier before the restore is tried again. */
const RESTORE_TIMEOUT_MS = 120_000;

/**
 * Everything the aggregator process runs: topics ensured, schemas registered, one consumer in
 * the aggregator's group, one worker (with its own transactional producer) per assigned input
 * partition, and the ops server. main.ts, the benchmark and the integration tests share it.
 */
export async function startAggregator(
  config: AggregatorConfig,
  options: StartOptions = {},
): Promise<RunningAggregator> {
  const logger = options.logger ?? createLogger('aggregator', config.LOG_LEVEL);
  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: `${config.KAFKA_CLIENT_ID}-aggregator`,
    logger,
  });

  const inputPartitions = await retry(() => ensureAggregatorTopics(kafka, config, logger), {
    ...startupRetry,
    shouldRetry: () => true,
    onRetry: (error, attempt) => logger.warn({ err: error, attempt }, 'ensuring the topics failed; retrying'),
  });

  const registry = new SchemaRegistry({ host: config.SCHEMA_REGISTRY_URL });
  const serde = (name: string, base: string) =>
    new TopicSerde(registry, { topicPrefix: prefixOf(name, base) });
  const serdes = {
    aggregates: serde(config.CLASS_AGGREGATES_TOPIC, topics.classAggregates.name),
    statuses: serde(config.STUDENT_STATUS_TOPIC, topics.studentStatus.name),
    alerts: serde(config.ALERTS_TOPIC, topics.alerts.name),
  };
  await retry(
    () =>
      Promise.all([
        serdes.aggregates.register('learning.class-aggregates.v1'),
        serdes.statuses.register('learning.student-status.v1'),
        serdes.alerts.register('learning.alerts.v1'),
      ]),
    {
      ...startupRetry,
      onRetry: (error, attempt) =>
        logger.warn({ err: error, attempt }, 'the schema registry did not answer; retrying'),
    },
  );
  const codec = serdeCodec(new ProjectedEventDecoder(registry), serdes);

  const metricsRegistry = createMetricsRegistry('aggregator');
  const settings: TaskSettings = {
    topics: {
      events: config.EVENTS_TOPIC,
      aggregates: config.CLASS_AGGREGATES_TOPIC,
      statuses: config.STUDENT_STATUS_TOPIC,
      alerts: config.ALERTS_TOPIC,
      dlq: config.EVENTS_DLQ_TOPIC,
      changelog: config.AGGREGATOR_STATE_TOPIC,
    },
    rules: ruleSettings(config),
    dedup: { maxIds: config.DEDUP_MAX_IDS, retentionMs: config.DEDUP_RETENTION_MS, segmentMaxIds: 5_000 },
    emitIntervalMs: config.EMIT_INTERVAL_MS,
    commitMaxEvents: config.COMMIT_MAX_EVENTS,
    catchUp: { lag: config.CATCH_UP_LAG, commitIntervalMs: config.CATCH_UP_COMMIT_INTERVAL_MS },
    failedBy: `aggregator/${config.AGGREGATOR_GROUP_ID}`,
  };

  let consumer: EventConsumer | undefined;
  const manager: PartitionManager = new PartitionManager(
    (partition, onLost) =>
      new PartitionWorker({
        partition,
        settings,
        task: new PartitionTask(partition, settings, { codec, logger, metrics }),
        sink: new TransactionalProducer({
          kafka,
          transactionalId: `${config.AGGREGATOR_TRANSACTIONAL_ID_PREFIX}-${config.EVENTS_TOPIC}-${partition}`,
          transactionTimeoutMs: config.TRANSACTION_TIMEOUT_MS,
          logger,
          beforeCommit:
            options.hooks?.beforeCommit && ((records) => options.hooks?.beforeCommit?.(partition, records)),
        }),
        groupId: config.AGGREGATOR_GROUP_ID,
        readChangelog: (p, onRecord) =>
          readChangelogPartition({
            kafka,
            topic: config.AGGREGATOR_STATE_TOPIC,
            partition: p,
            groupIdPrefix: config.AGGREGATOR_GROUP_ID,
            logger,
            onRecord,
            timeoutMs: RESTORE_TIMEOUT_MS,
          }),
        seek: (p, offset) => consumer?.seek(p, offset),
        onLost,
        logger,
        metrics,
      }),
    logger,
  );
  const metrics = registerAggregatorMetrics(metricsRegistry, () => {
    const size = { classes: 0, students: 0, dedupIds: 0 };
    for (const worker of manager.all()) {
      size.classes += worker.task.state.classes.size;
      size.students += worker.task.state.studentCount;
      size.dedupIds += worker.task.state.dedup.size;
    }
    return size;
  });

  consumer = new EventConsumer({
    kafka,
    groupId: config.AGGREGATOR_GROUP_ID,
    topic: config.EVENTS_TOPIC,
    manager,
    logger,
    metrics,
    sessionTimeoutMs: config.CONSUMER_SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: config.CONSUMER_HEARTBEAT_INTERVAL_MS,
    maxWaitTimeMs: config.CONSUMER_MAX_WAIT_MS,
    maxBytesPerPartition: config.CONSUMER_MAX_BYTES_PER_PARTITION,
    concurrency: inputPartitions,
  });
  await consumer.start();
  const running = consumer;

  const readiness = async (): Promise<DependencyStates> => ({
    kafka: running.joined ? 'up' : 'not joined',
    state: running.joined && manager.restored ? 'up' : 'restoring',
    registry: await probeRegistry(config.SCHEMA_REGISTRY_URL),
  });

  const ops =
    options.opsServer === false
      ? undefined
      : await startOpsServer({
          port: config.AGGREGATOR_PORT,
          host: config.AGGREGATOR_HOST,
          version: packageVersion(import.meta.url),
          metrics: metricsRegistry,
          dependencies: readiness,
        });

  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    metrics: metricsRegistry,
    ops,
    readiness,
    partitions: () => manager.partitions,
    close() {
      closing ??= (async () => {
        running.pauseProcessing();
        await manager.flushAll();
        await running.stop();
        await manager.closeAll();
        await ops?.close();
      })();
      return closing;
    },
  };
}

async function probeRegistry(url: string): Promise<string> {
  try {
    const response = await fetch(`${url.replace(/\/+$/, '')}/subjects`, {
      signal: AbortSignal.timeout(2_000),
    });
    await response.body?.cancel();
    return response.ok ? 'up' : `answered ${response.status}`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
