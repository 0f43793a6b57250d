import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { DependencyState, EventPublisher } from '../kafka/publisher.js';
import { version } from '../version.js';

export interface OperationsRouteOptions {
  publisher: EventPublisher;
  metrics: Registry;
  isClosing: () => boolean;
}

/** GET /health, /ready and /metrics (CONTRACT.md: every HTTP service answers them). */
export const operationsRoutes: FastifyPluginAsync<OperationsRouteOptions> = async (app, options) => {
  app.get('/health', async () => ({ status: 'ok', version }));

  app.get('/ready', async (_request, reply) => {
    const dependencies: Record<string, DependencyState> = await options.publisher.readiness();
    if (options.isClosing()) dependencies.ingest = { status: 'down', detail: 'shutting down' };
    const down = Object.entries(dependencies).filter(([, state]) => state.status !== 'up');
    if (down.length === 0) return { status: 'ready', version, dependencies };
    return reply.code(503).send({
      code: 'INGEST_NOT_READY',
      message: `Not ready: ${down.map(([name, state]) => `${name} ${state.detail ?? state.status}`).join('; ')}.`,
      status: 'not_ready',
      version,
      dependencies,
    });
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type(options.metrics.contentType);
    return options.metrics.metrics();
  });
};
