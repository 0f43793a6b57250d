import { createLogger } from '@cellstream/shared';
import { testKafka } from '@cellstream/testkit';
import { type RunningRealtime, startRealtime } from '../../src/app.js';
import { loadRealtimeConfig, type RealtimeConfig } from '../../src/config.js';
import { createStateTopics, StateProducer, type TestTopics } from './records.js';
import { startTokenIssuer, type TokenIssuer } from './token-issuer.js';

export const quietLogger = () => createLogger('realtime-test', process.env.TEST_LOG_LEVEL ?? 'silent');

/** Config for a test realtime: the stack's Kafka and registry, the file's topics and token issuer, port 0. */
export function testConfig(
  topics: TestTopics,
  issuer: Pick<TokenIssuer, 'jwksUrl' | 'lmsUrl'>,
  overrides: Record<string, string> = {},
): RealtimeConfig {
  return loadRealtimeConfig({
    ...process.env,
    LOG_LEVEL: 'silent',
    REALTIME_PORT: '0',
    JWKS_URL: issuer.jwksUrl,
    LMS_URL: issuer.lmsUrl,
    CLASS_AGGREGATES_TOPIC: topics.classAggregates,
    STUDENT_STATUS_TOPIC: topics.studentStatus,
    ALERTS_TOPIC: topics.alerts,
    NOTIFICATIONS_TOPIC: topics.notifications,
    REALTIME_GROUP_PREFIX: 'test-realtime',
    ...overrides,
  });
}

/** Everything a test file needs: its topics, a producer playing the aggregator, a token issuer. */
export interface TestBed {
  topics: TestTopics;
  producer: StateProducer;
  issuer: TokenIssuer;
  /** Starts a realtime on those topics (closed by `close`), by default waiting until it has caught up. */
  start(
    overrides?: Record<string, string>,
    options?: { waitUntilCaughtUp?: boolean },
  ): Promise<RunningRealtime>;
  close(): Promise<void>;
}

export async function createTestBed(label: string): Promise<TestBed> {
  const kafka = testKafka();
  const topics = await createStateTopics(kafka, label);
  const issuer = await startTokenIssuer();
  const producer = new StateProducer(topics);
  await producer.connect();
  const running: RunningRealtime[] = [];
  return {
    topics,
    producer,
    issuer,
    async start(overrides = {}, { waitUntilCaughtUp = true } = {}) {
      const realtime = await startRealtime(testConfig(topics, issuer, overrides), {
        logger: quietLogger(),
        catchUpIdleMs: 1_000,
      });
      running.push(realtime);
      if (waitUntilCaughtUp) await realtime.caughtUp;
      return realtime;
    },
    async close() {
      await Promise.all(running.map((realtime) => realtime.close()));
      await producer.disconnect();
      await issuer.close();
      // This file's topics only (their names carry its unique prefix).
      const admin = kafka.admin();
      await admin.connect();
      await admin
        .deleteTopics({
          topics: [topics.classAggregates, topics.studentStatus, topics.alerts, topics.notifications],
        })
        .catch(() => undefined);
      await admin.disconnect();
    },
  };
}
