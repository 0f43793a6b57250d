import type { Database } from '@cellstream/db';
import type { InfluxQl } from '@cellstream/shared';
import {
  createClientErrorHandler,
  createLogger,
  createMetricsRegistry,
  type Logger,
} from '@cellstream/shared';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Registry } from 'prom-client';
import { createAuthenticate } from './auth/authenticate.js';
import { KeyStore } from './auth/keys.js';
import { TokenService } from './auth/tokens.js';
import type { LmsConfig } from './config.js';
import type { AppContext } from './context.js';
import { dashboardRoutes } from './dashboard.js';
import { LmsError } from './errors.js';
import { registerErrorHandling } from './http/error-handler.js';
import { metricsPlugin } from './http/metrics.js';
import { openApiOptions } from './http/openapi.js';
import { pgRateLimitStore } from './http/rate-limit-store.js';
import { validatorCompiler } from './http/validation.js';
import type { NotificationRelay } from './notifications/relay.js';
import { adminRoutes } from './routes/admin.js';
import { assignmentRoutes } from './routes/assignments.js';
import { authRoutes } from './routes/auth.js';
import { classRoutes } from './routes/classes.js';
import { enrollmentRoutes } from './routes/enrollments.js';
import { extensionRoutes } from './routes/extensions.js';
import { gradingRoutes } from './routes/grading.js';
import { healthRoutes } from './routes/health.js';
import { ingestTokenRoutes } from './routes/ingest-tokens.js';
import { messageRoutes } from './routes/messages.js';
import { privacyRoutes } from './routes/privacy.js';
import { progressRoutes } from './routes/progress.js';
import { studentRoutes } from './routes/students.js';
import { submissionRoutes } from './routes/submissions.js';
import { userRoutes } from './routes/users.js';
import { wellKnownRoutes } from './routes/well-known.js';
import { ErrorSchema } from './schemas/common.js';
import { influxFromConfig } from './services/influx.js';
import { version } from './version.js';

export interface AppDeps {
  db: Database;
  config: LmsConfig;
  logger?: Logger;
  /** A registry of this app's own; a fresh one when omitted. */
  metrics?: Registry;
  keys?: KeyStore;
  /** Defaults to a client for INFLUX_URL / INFLUX_TOKEN / INFLUX_BUCKET. */
  influx?: InfluxQl;
  /** The outbox relay this process runs, if any: GET /ready reports its Kafka connection. */
  relay?: Pick<NotificationRelay, 'kafkaState'>;
}

export type LmsApp = FastifyInstance;

const quietPaths = new Set(['/health', '/ready', '/metrics']);

/**
 * Builds lms-api without listening: `main.ts` listens, tests call `app.inject()`. The database
 * must be migrated; the first signing key is created here if there is none.
 */
export async function buildApp(deps: AppDeps): Promise<LmsApp> {
  const { db, config } = deps;
  const logger = deps.logger ?? createLogger('lms-api', config.LOG_LEVEL);
  const keys =
    deps.keys ??
    new KeyStore(db, {
      retainRetiredMs: Math.max(config.TOKEN_TTL_SECONDS * 1000, config.INGEST_TOKEN_TTL_DAYS * 86_400_000),
      secret: config.SIGNING_KEY_SECRET,
    });
  await keys.ensureKey();
  const tokens = new TokenService(keys);
  const influx = deps.influx ?? influxFromConfig(config);
  const ctx: AppContext = {
    db,
    config,
    logger,
    keys,
    tokens,
    influx,
    authenticate: createAuthenticate(db, tokens),
    relay: deps.relay,
    version,
  };

  const app = Fastify({
    // pino's Logger is what Fastify logs through; its type is stricter than FastifyBaseLogger.
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.LMS_BODY_LIMIT,
    trustProxy: config.TRUST_PROXY,
    // Requests Node's parser refuses get our {code, message} and `Connection: close`.
    clientErrorHandler: createClientErrorHandler({
      headersTooLarge: 'LMS_HEADERS_TOO_LARGE',
      timeout: 'LMS_REQUEST_TIMEOUT',
      malformed: 'LMS_BAD_REQUEST',
    }),
    // Probes are polled every few seconds: logging each would drown the requests that matter.
    logController: new LogController({ disableRequestLogging: (request) => quietPaths.has(request.url) }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.decorateRequest('principal', null);
  app.addSchema(ErrorSchema);
  registerErrorHandling(app);

  // Swagger first: it documents the routes declared after it.
  await app.register(swagger, openApiOptions(version));
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(metricsPlugin, { registry: deps.metrics ?? createMetricsRegistry('lms-api') });
  await app.register(cors, { origin: config.CORS_ORIGINS.length > 0 ? config.CORS_ORIGINS : false });
  await app.register(rateLimit, {
    global: false,
    // In PostgreSQL, so the limits hold across every instance of lms-api.
    store: pgRateLimitStore(db),
    errorResponseBuilder: (_request, context) =>
      new LmsError('AUTH_RATE_LIMITED', `Too many attempts: try again in ${context.after}.`),
  });

  await app.register(healthRoutes, { ctx });
  await app.register(wellKnownRoutes, { ctx });
  await app.register(
    async (api) => {
      const options = { ctx };
      await api.register(authRoutes, options);
      await api.register(userRoutes, options);
      await api.register(studentRoutes, options);
      await api.register(classRoutes, options);
      await api.register(enrollmentRoutes, options);
      await api.register(assignmentRoutes, options);
      await api.register(submissionRoutes, options);
      await api.register(gradingRoutes, options);
      await api.register(extensionRoutes, options);
      await api.register(messageRoutes, options);
      await api.register(ingestTokenRoutes, options);
      await api.register(progressRoutes, options);
      await api.register(privacyRoutes, options);
      await api.register(adminRoutes, options);
    },
    { prefix: '/api/v1' },
  );
  await app.register(dashboardRoutes);
  return app;
}
