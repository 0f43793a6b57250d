import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'drizzle-orm';
import { Type } from 'typebox';
import type { AppContext, RouteOptions } from '../context.js';

const DependencyState = Type.Union([Type.Literal('up'), Type.Literal('down')]);
const ReadySchema = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  dependencies: Type.Object({
    postgres: DependencyState,
    influxdb: DependencyState,
    kafka: Type.Optional(DependencyState),
  }),
});

/**
 * `/health` answers while the process lives; `/ready` when PostgreSQL answers (InfluxDB is only
 * needed by the activity read, so it is reported but does not make lms-api unready). `kafka` is
 * reported when this process runs the notification relay, and does not make lms-api unready
 * either: grades and messages are stored in the outbox and published once Kafka is back, so every
 * request still succeeds (a degraded state, not an outage).
 */
export const healthRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness',
        response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String() }) },
      },
    },
    async () => ({ status: 'ok' as const, version: ctx.version }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: 200 when PostgreSQL answers, else 503',
        response: { 200: ReadySchema, 503: ReadySchema },
      },
    },
    async (_request, reply) => {
      const [postgres, influxdb] = await Promise.all([postgresUp(ctx), influxUp(ctx)]);
      const ready = postgres;
      const kafka = ctx.relay?.kafkaState();
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not_ready',
        dependencies: {
          postgres: postgres ? 'up' : 'down',
          influxdb: influxdb ? 'up' : 'down',
          ...(kafka === undefined ? {} : { kafka }),
        },
      });
    },
  );
};

const PROBE_TIMEOUT_MS = 2_000;

async function postgresUp(ctx: AppContext): Promise<boolean> {
  try {
    await withTimeout(ctx.db.execute(sql`SELECT 1`), PROBE_TIMEOUT_MS);
    return true;
  } catch {
    return false;
  }
}

/** `/ping` answers on InfluxDB 1.8, 2.x and 3.x alike. */
async function influxUp(ctx: AppContext): Promise<boolean> {
  try {
    const response = await fetch(new URL('/ping', ctx.influx.url), {
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    return response.ok;
  } catch {
    return false;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
