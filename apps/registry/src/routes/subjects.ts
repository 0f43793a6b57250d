import type { FastifyPluginAsync } from 'fastify';
import type { RegistryService } from '../registry-service.js';
import { isTrue, parseVersion } from '../requests.js';

interface SubjectRequest {
  Params: { subject: string };
  Querystring: { deleted?: string; permanent?: string; subjectPrefix?: string };
  Body: unknown;
}

interface VersionRequest extends SubjectRequest {
  Params: { subject: string; version: string };
}

/** `/subjects/...`: registering, looking up, listing and deleting schema versions. */
export const subjectRoutes: FastifyPluginAsync<{ service: RegistryService }> = async (app, { service }) => {
  app.get<SubjectRequest>('/subjects', async (request) =>
    service.subjects(isTrue(request.query.deleted), request.query.subjectPrefix ?? ''),
  );

  app.post<SubjectRequest>('/subjects/:subject', async (request) =>
    service.lookup(request.params.subject, request.body, isTrue(request.query.deleted)),
  );

  app.delete<SubjectRequest>('/subjects/:subject', async (request) =>
    service.deleteSubject(request.params.subject, isTrue(request.query.permanent)),
  );

  app.get<SubjectRequest>('/subjects/:subject/versions', async (request) =>
    service.versions(request.params.subject, isTrue(request.query.deleted)),
  );

  app.post<SubjectRequest>('/subjects/:subject/versions', async (request) =>
    service.register(request.params.subject, request.body),
  );

  app.get<VersionRequest>('/subjects/:subject/versions/:version', async (request) =>
    service.version(
      request.params.subject,
      parseVersion(request.params.version),
      isTrue(request.query.deleted),
    ),
  );

  app.delete<VersionRequest>('/subjects/:subject/versions/:version', async (request) =>
    service.deleteVersion(
      request.params.subject,
      parseVersion(request.params.version),
      isTrue(request.query.permanent),
    ),
  );

  app.get<VersionRequest>('/subjects/:subject/versions/:version/schema', async (request) => {
    const { subject, version } = request.params;
    return (await service.version(subject, parseVersion(version), isTrue(request.query.deleted))).schema;
  });

  // Schema references are not supported, so nothing refers to a version; it must exist though.
  app.get<VersionRequest>('/subjects/:subject/versions/:version/referencedby', async (request) => {
    await service.version(request.params.subject, parseVersion(request.params.version), true);
    return [];
  });
};
