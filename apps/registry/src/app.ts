import type { Logger } from '@cellstream/shared';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyPluginAsync,
  LogController,
} from 'fastify';
import type { Registry } from 'prom-client';
import { type ErrorKind, RegistryError } from './errors.js';
import { registerRegistryMetrics } from './metrics.js';
import { RegistryService } from './registry-service.js';
import { compatibilityRoutes } from './routes/compatibility.js';
import { configRoutes } from './routes/config.js';
import { jsonRequestMediaTypes, registryMediaType } from './routes/media-types.js';
import { operationRoutes } from './routes/operations.js';
import { schemaRoutes } from './routes/schemas.js';
import { subjectRoutes } from './routes/subjects.js';
import type { RegistryStore } from './store.js';

export interface RegistryAppDeps {
  store: RegistryStore;
  logger: Logger;
  /** A registry of this app's own (`createMetricsRegistry('registry')`). */
  metrics: Registry;
  /** How long a request may wait for the store (loading, catching up, writing), in ms. */
  requestTimeoutMs?: number;
}

const frameworkErrors: Record<number, ErrorKind> = {
  404: 'ROUTE_NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** Any error as the registry error it answers with. */
function asRegistryError(error: FastifyError | Error): RegistryError {
  if (error instanceof RegistryError) return error;
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new RegistryError(frameworkErrors[status] ?? 'BAD_REQUEST', error.message, { cause: error });
  }
  return new RegistryError('INTERNAL_ERROR', 'Internal Server Error', { cause: error });
}

/** The Confluent REST API: JSON in (including Confluent's media types), Confluent's media type out. */
const registryApi: FastifyPluginAsync<{ service: RegistryService }> = async (app, options) => {
  app.addHook('onRequest', async (_request, reply) => {
    reply.type(registryMediaType);
  });
  app.get('/', async () => ({}));
  await app.register(subjectRoutes, options);
  await app.register(schemaRoutes, options);
  await app.register(configRoutes, options);
  await app.register(compatibilityRoutes, options);
};

/** The registry's HTTP server over a store; listening is the caller's business (see main.ts). */
export function buildRegistryApp(deps: RegistryAppDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 16 * 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1_000 },
  });
  const service = new RegistryService(deps.store, deps.requestTimeoutMs ?? 10_000);
  const { httpDuration } = registerRegistryMetrics(deps.metrics, deps.store);

  // Bodies are JSON whatever JSON media type they come as; anything else is 415, as in Confluent.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(
    jsonRequestMediaTypes,
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );

  app.addHook('onResponse', async (request, reply) => {
    httpDuration
      .labels(request.method, request.routeOptions.url ?? 'unknown', String(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const registryError = asRegistryError(error);
    if (registryError.status >= 500) {
      // Timeouts and Kafka trouble are expected while Kafka is away; bugs are not.
      const level = registryError.retriable ? 'warn' : 'error';
      request.log[level]({ err: error, url: request.url }, registryError.message);
    }
    return reply.code(registryError.status).type(registryMediaType).send(registryError.toBody());
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new RegistryError(
      'ROUTE_NOT_FOUND',
      `HTTP 404 Not Found: ${request.method} ${request.url}`,
    );
    return reply.code(error.status).type(registryMediaType).send(error.toBody());
  });

  app.register(operationRoutes, { store: deps.store, metrics: deps.metrics });
  app.register(registryApi, { service });
  return app;
}
