import type { FastifyPluginAsync } from 'fastify';
import type { RegistryService } from '../registry-service.js';
import { isTrue, parseVersion, type VersionRef } from '../requests.js';

interface CompatibilityRequest {
  Params: { subject: string; version?: string };
  Querystring: { verbose?: string };
  Body: unknown;
}

/** `/compatibility/...`: would this schema be accepted? `?verbose=true` adds the reasons. */
export const compatibilityRoutes: FastifyPluginAsync<{ service: RegistryService }> = async (
  app,
  { service },
) => {
  const test = async (subject: string, ref: VersionRef | undefined, body: unknown, verbose: boolean) => {
    const { compatible, messages } = await service.testCompatibility(subject, ref, body);
    return verbose ? { is_compatible: compatible, messages } : { is_compatible: compatible };
  };

  app.post<CompatibilityRequest>('/compatibility/subjects/:subject/versions', async (request) =>
    test(request.params.subject, undefined, request.body, isTrue(request.query.verbose)),
  );

  app.post<CompatibilityRequest>('/compatibility/subjects/:subject/versions/:version', async (request) =>
    test(
      request.params.subject,
      parseVersion(request.params.version ?? 'latest'),
      request.body,
      isTrue(request.query.verbose),
    ),
  );
};
