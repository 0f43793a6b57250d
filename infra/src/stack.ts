import { ensureContracts } from './contracts.js';
import { InfluxService } from './services/influxdb.js';
import { KafkaService } from './services/kafka.js';
import { NodeAppService } from './services/node-app.js';
import { PostgresService } from './services/postgres.js';
import type { StackService } from './services/service.js';
import { SimulatorService } from './services/simulator.js';
import type { StackSettings } from './settings.js';

export interface Stack {
  /** Kafka, PostgreSQL and InfluxDB: independent of each other, started side by side. */
  servers: StackService[];
  /** The schema registry: needs Kafka, needed by every app. */
  registry: NodeAppService;
  /** Cellstream's apps in start order; only those already built are run. */
  apps: NodeAppService[];
  /** Simulated students of the demo class (`npm start` only). */
  simulator: SimulatorService;
}

export function createStack(settings: StackSettings): Stack {
  const app = (name: string, port: number, portVariable: string, env: Record<string, string> = {}) =>
    new NodeAppService(settings, { name, port, env: { [portVariable]: String(port), ...env } });
  return {
    servers: [new KafkaService(settings), new PostgresService(settings), new InfluxService(settings)],
    registry: app('registry', settings.REGISTRY_PORT, 'REGISTRY_PORT'),
    apps: [
      // The platform `npm start` brings up is a demo: a class of students is there at once.
      app('lms-api', settings.LMS_PORT, 'LMS_PORT', { SEED_DEMO: process.env.SEED_DEMO ?? 'true' }),
      app('ingest', settings.INGEST_PORT, 'INGEST_PORT'),
      app('persister', settings.PERSISTER_PORT, 'PERSISTER_PORT'),
      app('aggregator', settings.AGGREGATOR_PORT, 'AGGREGATOR_PORT'),
      app('realtime', settings.REALTIME_PORT, 'REALTIME_PORT'),
    ],
    simulator: new SimulatorService(settings),
  };
}

export function allServices(stack: Stack): StackService[] {
  return [...stack.servers, stack.registry, ...stack.apps, stack.simulator];
}

/** Starts the servers and, once built, the registry, then declares topics and schemas: what the tests need. */
export async function upInfrastructure(stack: Stack, settings: StackSettings): Promise<void> {
  await settleAll(stack.servers.map((service) => service.up()));
  if (stack.registry.exists) await stack.registry.up();
  await ensureContracts(settings, { registry: stack.registry.exists });
}

/** Stops apps first so they can finish their work against live servers. */
export async function downAll(stack: Stack): Promise<void> {
  await stack.simulator.down();
  await settleAll(stack.apps.map((service) => service.down()));
  await stack.registry.down();
  await settleAll(stack.servers.map((service) => service.down()));
}

/** Like Promise.all, but waits for every task before reporting the first failure. */
async function settleAll(tasks: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed.length > 0) {
    throw new AggregateError(
      failed.map((result) => result.reason),
      failed.map((result) => (result.reason as Error).message).join('\n'),
    );
  }
}
