import { TopicSerde } from '@cellstream/schemas';
import {
  createKafka,
  createLogger,
  createMetricsRegistry,
  createTokenVerifier,
  type Logger,
  lmsJwksUrl,
  lmsRevocationsUrl,
  packageVersion,
  RevocationList,
  type TokenVerifier,
} from '@cellstream/shared';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { createAuthenticator } from './auth.js';
import { ClassStateStore } from './class-state.js';
import type { RealtimeConfig } from './config.js';
import { StateConsumer } from './consumer.js';
import { FanOut } from './fan-out.js';
import { liveUpdates, snapshotBuilder } from './live-updates.js';
import { registerRealtimeMetrics } from './metrics.js';
import { NotificationStore } from './notification-store.js';
import { createReadinessCheck } from './readiness.js';
import { createServer } from './server.js';

export interface StartOptions {
  logger?: Logger;
  /** Default: lms-api's JWKS at JWKS_URL (or `${LMS_URL}/.well-known/jwks.json`). */
  verifier?: TokenVerifier;
  /** Default: a client of KAFKA_BROKERS. */
  kafka?: Kafka;
  /** See CatchUpTracker; default 3 s. */
  catchUpIdleMs?: number;
}

export interface RunningRealtime {
  /** The port listened on (REALTIME_PORT, or the one chosen for port 0). */
  port: number;
  /** `ws://host:port/ws`. */
  wsUrl: string;
  /** `http://host:port`, for /health, /ready and /metrics. */
  httpUrl: string;
  /** Resolves once the initial read of the topics is complete. */
  caughtUp: Promise<void>;
  metrics: Registry;
  /** Stops accepting, closes every connection with 1001, disconnects the consumer. */
  close(): Promise<void>;
}

/**
 * Starts realtime: listens at once (so /health answers while Kafka is still being read), then
 * reads the topics in the background; /ready turns 200 and subscribes are answered once the
 * initial read is complete. main.ts, the tests and the benchmark all start it this way.
 */
export async function startRealtime(
  config: RealtimeConfig,
  options: StartOptions = {},
): Promise<RunningRealtime> {
  const logger = options.logger ?? createLogger('realtime', config.LOG_LEVEL);
  const registry = createMetricsRegistry('realtime');
  const store = new ClassStateStore(config.ALERTS_PER_CLASS);
  const notifications = new NotificationStore({
    perUser: config.NOTIFICATIONS_PER_USER,
    perClass: config.SYSTEM_MESSAGES_PER_CLASS,
  });
  const revocations = new RevocationList({
    url: lmsRevocationsUrl(config),
    intervalMs: config.REVOCATION_POLL_MS,
    logger,
  });
  const kafka =
    options.kafka ??
    createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-realtime`, logger });

  const metrics = registerRealtimeMetrics(registry, {
    fanOutStats: () => fanOut.stats(),
    stateSize: () => store.size(),
    notificationsSize: () => notifications.size(),
    revokedTokens: () => revocations.size,
    connections: () => server.connections(),
    consumerState: () => consumer.state(),
  });
  const fanOut = new FanOut({
    publish: (topic, message) => server.publish(topic, message),
    snapshot: snapshotBuilder(store, notifications),
    slowBufferBytes: config.SLOW_CLIENT_BUFFER_BYTES,
    slowTimeoutMs: config.SLOW_CLIENT_TIMEOUT_MS,
    maxQueuedAlerts: config.SLOW_CLIENT_MAX_QUEUED_ALERTS,
    observer: metrics.fanOutObserver,
  });
  const consumer: StateConsumer = new StateConsumer({
    kafka,
    serde: new TopicSerde(new SchemaRegistry({ host: config.SCHEMA_REGISTRY_URL }), { autoRegister: false }),
    topics: {
      classAggregates: config.CLASS_AGGREGATES_TOPIC,
      studentStatus: config.STUDENT_STATUS_TOPIC,
      alerts: config.ALERTS_TOPIC,
      notifications: config.NOTIFICATIONS_TOPIC,
    },
    groupPrefix: config.REALTIME_GROUP_PREFIX,
    lookbackMs: { alerts: config.ALERT_LOOKBACK_MS, notifications: config.NOTIFICATION_LOOKBACK_MS },
    handler: liveUpdates(store, notifications, fanOut, (meta) => {
      if (consumer.state() === 'up') metrics.published(meta);
    }),
    logger,
    onRecord: metrics.record,
    catchUpIdleMs: options.catchUpIdleMs,
  });
  // The first list is fetched at once; authentication waits for it (at most its 5 s timeout), so
  // that no revoked token slips in right after start. It never throws: lms-api down keeps the last list.
  const firstRevocations = revocations.poll();
  const server = createServer({
    config,
    authenticate: createAuthenticator(options.verifier ?? createTokenVerifier(lmsJwksUrl(config)), {
      isRevoked: (jti) => revocations.isRevoked(jti),
      ready: firstRevocations,
    }),
    fanOut,
    whenCaughtUp: () => consumer.caughtUp,
    readiness: createReadinessCheck({
      consumerState: () => consumer.state(),
      registryUrl: config.SCHEMA_REGISTRY_URL,
    }),
    registry,
    metrics,
    version: packageVersion(import.meta.url),
    logger,
  });

  const port = await server.listen(config.REALTIME_HOST, config.REALTIME_PORT);
  consumer.start();
  const sweeper = setInterval(() => fanOut.sweep(), Math.min(1_000, config.SLOW_CLIENT_TIMEOUT_MS / 4));
  sweeper.unref();
  // Polled here rather than by revocations.start(), so that each fresh list also closes the live
  // connections of tokens it newly names.
  const revocationPoller = setInterval(async () => {
    if (await revocations.poll()) server.checkRevoked(revocations);
  }, config.REVOCATION_POLL_MS);
  revocationPoller.unref();

  return {
    port,
    wsUrl: `ws://${config.REALTIME_HOST}:${port}/ws`,
    httpUrl: `http://${config.REALTIME_HOST}:${port}`,
    caughtUp: consumer.caughtUp,
    metrics: registry,
    async close() {
      clearInterval(sweeper);
      clearInterval(revocationPoller);
      server.close();
      await consumer.stop();
    },
  };
}
