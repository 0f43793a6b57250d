import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalOf, requireRole } from '../auth/principal.js';
import type { RouteOptions } from '../context.js';
import { audit } from '../queries/audit.js';
import { errorResponses, security } from '../schemas/common.js';

/** Operations for admins: signing key rotation. */
export const adminRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.addHook('onRequest', ctx.authenticate);

  app.post(
    '/admin/keys/rotate',
    {
      schema: {
        tags: ['identity'],
        summary: 'Rotate the signing key (admins)',
        description:
          'New tokens are signed with a new key; the retired key stays in the JWKS until every token it signed has expired.',
        security,
        response: {
          200: Type.Object({ kid: Type.String(), retired: Type.Array(Type.String()) }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      requireRole(principal, 'admin');
      const rotated = await ctx.keys.rotate();
      await audit(ctx.db, principal, 'signing_key.rotate', `signing_key:${rotated.kid}`, {
        retired: rotated.retired,
      });
      return rotated;
    },
  );
};
