import type { FastifyPluginAsync } from 'fastify';
import type { RegistryService } from '../registry-service.js';
import { isTrue } from '../requests.js';

interface ConfigRequest {
  Params: { subject: string };
  Querystring: { defaultToGlobal?: string };
  Body: unknown;
}

/**
 * `/config`: compatibility levels. As in Confluent, a GET answers `{compatibilityLevel}` and a
 * PUT answers `{compatibility}`. `/mode` is read-only: this registry is always READWRITE.
 */
export const configRoutes: FastifyPluginAsync<{ service: RegistryService }> = async (app, { service }) => {
  app.get('/config', async () => ({ compatibilityLevel: await service.globalLevel() }));

  app.put<ConfigRequest>('/config', async (request) => ({
    compatibility: await service.setLevel(null, request.body),
  }));

  app.delete('/config', async () => ({ compatibilityLevel: await service.deleteLevel(null) }));

  app.get<ConfigRequest>('/config/:subject', async (request) => ({
    compatibilityLevel: await service.subjectLevel(
      request.params.subject,
      isTrue(request.query.defaultToGlobal),
    ),
  }));

  app.put<ConfigRequest>('/config/:subject', async (request) => ({
    compatibility: await service.setLevel(request.params.subject, request.body),
  }));

  app.delete<ConfigRequest>('/config/:subject', async (request) => ({
    compatibilityLevel: await service.deleteLevel(request.params.subject),
  }));

  app.get('/mode', async () => ({ mode: 'READWRITE' }));
};
