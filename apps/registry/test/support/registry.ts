import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import {
  baseConfigSchema,
  createKafka,
  createLogger,
  createMetricsRegistry,
  loadConfig,
} from '@cellstream/shared';
import { z } from 'zod';
import { buildRegistryApp } from '../../src/app.js';
import { KafkaRegistryStore } from '../../src/kafka-store.js';

/**
 * How the conformance tests find a registry: `TEST_SCHEMA_REGISTRY_URL` (Confluent, Karapace,
 * Redpanda, a running stack...) or, by default, this registry started in-process on a topic of
 * its own against the real Kafka at `KAFKA_BROKERS`.
 */
export const testEnv = loadConfig(
  baseConfigSchema.extend({
    TEST_SCHEMA_REGISTRY_URL: z.url().optional(),
    TEST_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('silent'),
  }),
);

export const externalRegistryUrl = testEnv.TEST_SCHEMA_REGISTRY_URL;

export const unique = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;

export interface RunningRegistry {
  url: string;
  store: KafkaRegistryStore | undefined;
  stop(): Promise<void>;
}

async function assertKafkaReachable(): Promise<void> {
  const [host = '127.0.0.1', port = '9092'] = (testEnv.KAFKA_BROKERS[0] ?? '').split(':');
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port: Number(port), timeout: 3_000 });
    const fail = () => {
      socket.destroy();
      reject(new Error(`Kafka is not reachable at ${host}:${port} (KAFKA_BROKERS); start the stack first`));
    };
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('timeout', fail);
    socket.once('error', fail);
  });
}

/** This registry, in-process on a random port, storing into `topic`. */
export async function startRegistry(topic: string): Promise<RunningRegistry> {
  await assertKafkaReachable();
  const logger = createLogger('registry-test', testEnv.TEST_LOG_LEVEL);
  const kafka = createKafka({ brokers: testEnv.KAFKA_BROKERS, clientId: 'registry-test', logger });
  const store = new KafkaRegistryStore({ kafka, topic, logger });
  await store.start();
  const app = buildRegistryApp({ store, logger, metrics: createMetricsRegistry('registry') });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    stop: async () => {
      await app.close();
      await store.close();
    },
  };
}

export async function deleteTopic(topic: string): Promise<void> {
  const logger = createLogger('registry-test', 'silent');
  const admin = createKafka({ brokers: testEnv.KAFKA_BROKERS, clientId: 'registry-test', logger }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] });
  } finally {
    await admin.disconnect();
  }
}

/** The registry a test file talks to; `stop` also deletes the topic of an in-process one. */
export async function registryUnderTest(): Promise<RunningRegistry> {
  if (externalRegistryUrl) {
    return { url: externalRegistryUrl.replace(/\/$/, ''), store: undefined, stop: async () => undefined };
  }
  const topic = unique('_schemas-test');
  const registry = await startRegistry(topic);
  return {
    ...registry,
    stop: async () => {
      await registry.stop();
      await deleteTopic(topic);
    },
  };
}

export interface ApiResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions.
  body: any;
  text: string;
  contentType: string | null;
}

/** One REST call; the body is sent as Confluent clients send it unless told otherwise. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/vnd.schemaregistry.v1+json',
): Promise<ApiResponse> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers:
      body === undefined
        ? {}
        : { 'content-type': contentType, accept: 'application/vnd.schemaregistry.v1+json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed, text, contentType: response.headers.get('content-type') };
}

/** A record schema `name` (unique per test) with the given fields. */
export function recordSchema(name: string, fields: object[]): string {
  return JSON.stringify({ type: 'record', name, namespace: 'cellstream.registry.test', fields });
}
