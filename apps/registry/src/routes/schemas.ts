import type { FastifyPluginAsync } from 'fastify';
import type { RegistryService } from '../registry-service.js';
import { isTrue, parseSchemaId } from '../requests.js';

interface IdRequest {
  Params: { id: string };
  Querystring: { deleted?: string };
}

/** `/schemas/...`: schemas by their global id. */
export const schemaRoutes: FastifyPluginAsync<{ service: RegistryService }> = async (app, { service }) => {
  app.get('/schemas/types', async () => ['AVRO']);

  app.get<IdRequest>('/schemas/ids/:id', async (request) => ({
    schema: await service.schemaById(parseSchemaId(request.params.id)),
  }));

  app.get<IdRequest>('/schemas/ids/:id/schema', async (request) =>
    service.schemaById(parseSchemaId(request.params.id)),
  );

  app.get<IdRequest>('/schemas/ids/:id/versions', async (request) =>
    service.usesOf(parseSchemaId(request.params.id), isTrue(request.query.deleted)),
  );

  app.get<IdRequest>('/schemas/ids/:id/subjects', async (request) => {
    const uses = await service.usesOf(parseSchemaId(request.params.id), isTrue(request.query.deleted));
    return [...new Set(uses.map((use) => use.subject))];
  });
};
