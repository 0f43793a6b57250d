import { packageVersion } from '@cellstream/shared';
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { RegistryStore } from '../store.js';

/** `/health`, `/ready` and `/metrics`, as every Cellstream service answers them. */
export const operationRoutes: FastifyPluginAsync<{ store: RegistryStore; metrics: Registry }> = async (
  app,
  { store, metrics },
) => {
  const version = packageVersion(import.meta.url);
  app.get('/health', async () => ({ status: 'ok', version }));

  // 503 until the whole log is applied, and whenever Kafka does not answer or the log runs ahead.
  app.get('/ready', async (_request, reply) => {
    const { ready, kafka: state, ...details } = await store.status();
    const body = { status: ready ? 'ready' : 'not_ready', dependencies: { kafka: { state, ...details } } };
    return reply.code(ready ? 200 : 503).send(body);
  });

  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.contentType).send(await metrics.metrics()),
  );
};
