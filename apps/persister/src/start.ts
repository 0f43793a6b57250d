import { runMigrations } from '@cellstream/db';
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
import { setLogger as setInfluxLogger } from '@influxdata/influxdb-client';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { type Admin, Partitioners, type Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import { type PersisterConfig, prefixOf } from './config.js';
import { DeadLetterQueue } from './kafka/dead-letters.js';
import type { GroupConsumer } from './kafka/group-consumer.js';
import { createGroupMembers } from './kafka/group-members.js';
import { LagMonitor } from './kafka/lag-monitor.js';
import { ensurePersisterTopics } from './kafka/topics.js';
import { registerPersisterMetrics } from './metrics.js';
import { serdeDecoder } from './pipeline/decode.js';
import type { Sink } from './pipeline/records.js';
import { createSinks } from './sinks.js';

export interface StartOptions {
  logger?: Logger;
  /** Serve /health, /ready and /metrics on PERSISTER_PORT (default true). */
  opsServer?: boolean;
}

export interface RunningPersister {
  config: PersisterConfig;
  logger: Logger;
  metrics: Registry;
  ops: OpsServer | undefined;
  /** The group members this instance runs: CONSUMERS_PER_GROUP per sink of PERSISTER_SINKS. */
  groups: readonly GroupConsumer[];
  /** /ready's answer: Kafka (every member joined) and each sink's dependency, `up` or `down`. */
  readiness(): Promise<DependencyStates>;
  /** Finishes the batches in flight and commits them, leaves the groups, closes pools and servers. */
  close(): Promise<void>;
}

const startupRetry = { attempts: 10, initialDelayMs: 250, maxDelayMs: 5_000, shouldRetry: () => true };

/**
 * Everything the persister process runs: migrations, topics, the dead-letter producer, one
 * consumer group per sink of PERSISTER_SINKS (persister-pg, persister-influx), the lag monitor
 * and the ops server. main.ts, the benchmark and the integration tests share it.
 */
export async function startPersister(
  config: PersisterConfig,
  options: StartOptions = {},
): Promise<RunningPersister> {
  const logger = options.logger ?? createLogger('persister', config.LOG_LEVEL);
  const onRetry = (what: string) => (error: unknown, attempt: number) =>
    logger.warn({ err: error, attempt }, `${what} failed; retrying`);
  routeInfluxClientLogs(logger);

  // lms-api owns the migrations, but the persister may start first: applying them is idempotent
  // and serialized by an advisory lock.
  if (config.PERSISTER_SINKS.includes('pg') && config.PERSISTER_RUN_MIGRATIONS) {
    await retry(() => runMigrations(config.DATABASE_URL), { ...startupRetry, onRetry: onRetry('migrating') });
  }

  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: `${config.KAFKA_CLIENT_ID}-persister`,
    logger,
  });
  if (config.PERSISTER_ENSURE_TOPICS) {
    await retry(() => ensurePersisterTopics(kafka, config, logger), {
      ...startupRetry,
      onRetry: onRetry('ensuring the topics'),
    });
  }

  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await retry(() => producer.connect(), { ...startupRetry, onRetry: onRetry('connecting the DLQ producer') });
  const deadLetters = new DeadLetterQueue(producer, config.EVENTS_DLQ_TOPIC);

  const serde = new TopicSerde(new SchemaRegistry({ host: config.SCHEMA_REGISTRY_URL }), {
    topicPrefix: prefixOf(config.EVENTS_TOPIC, topics.learningEvents.name),
    autoRegister: false,
  });
  const metricsRegistry = createMetricsRegistry('persister');
  const metrics = registerPersisterMetrics(metricsRegistry);

  const sinks = createSinks(config);

  const decode = serdeDecoder(serde);
  const groups = sinks.flatMap(({ sink, groupId }) =>
    createGroupMembers({ kafka, config, groupId, sink, decode, deadLetters, metrics, logger }),
  );
  const admin = kafka.admin();
  const lag = new LagMonitor(
    admin,
    config.EVENTS_TOPIC,
    [...new Set(groups.map((group) => group.groupId))],
    metrics,
    logger,
  );
  try {
    // Members start together, so that they join in one rebalance rather than one each.
    await Promise.all(groups.map((group) => group.start()));
    await admin.connect();
    lag.start(config.LAG_POLL_INTERVAL_MS);
  } catch (error) {
    await shutdown({ groups, lag, admin, producer, sinks: sinks.map((entry) => entry.sink), ops: undefined });
    throw error;
  }

  const readiness = async (): Promise<DependencyStates> => {
    const states: DependencyStates = { kafka: groups.every((group) => group.joined) ? 'up' : 'down' };
    const probes = await Promise.all(
      sinks.map(async ({ sink }) => [sink.dependency, await sink.probe()] as const),
    );
    for (const [dependency, state] of probes) {
      states[dependency] = state === 'up' ? 'up' : 'down';
      if (state !== 'up') logger.debug({ dependency, state }, 'dependency not ready');
    }
    return states;
  };

  const ops =
    options.opsServer === false
      ? undefined
      : await startOpsServer({
          port: config.PERSISTER_PORT,
          host: config.PERSISTER_HOST,
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
    groups,
    readiness,
    close() {
      closing ??= shutdown({ groups, lag, admin, producer, sinks: sinks.map((entry) => entry.sink), ops });
      return closing;
    },
  };
}

async function shutdown(parts: {
  groups: readonly GroupConsumer[];
  lag: LagMonitor;
  admin: Admin;
  producer: Producer;
  sinks: readonly Sink[];
  ops: OpsServer | undefined;
}): Promise<void> {
  // Consumers first: their in-flight batches still need the sinks and the DLQ producer.
  await Promise.allSettled(parts.groups.map((group) => group.stop()));
  await parts.lag.stop();
  await Promise.allSettled([
    parts.admin.disconnect(),
    parts.producer.disconnect(),
    ...parts.sinks.map((sink) => sink.close()),
    parts.ops?.close(),
  ]);
}

/** The InfluxDB client logs to the console by default; its lines go through pino instead. */
function routeInfluxClientLogs(logger: Logger): void {
  const log = logger.child({ component: 'influxdb-client' });
  setInfluxLogger({
    error: (message, error) => log.debug({ err: error }, message),
    warn: (message, error) => log.debug({ err: error }, message),
  });
}
