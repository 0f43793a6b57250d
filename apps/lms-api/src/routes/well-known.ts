import { ingestTokens } from '@cellstream/db';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, asc, gt, isNotNull } from 'drizzle-orm';
import { type Static, Type } from 'typebox';
import type { RouteOptions } from '../context.js';

const JwkSchema = Type.Object(
  {
    kty: Type.String(),
    kid: Type.String(),
    alg: Type.String(),
    use: Type.String(),
    crv: Type.String(),
    x: Type.String(),
    y: Type.String(),
  },
  { description: 'An EC P-256 public key (ES256).' },
);

/**
 * Public endpoints ingest and realtime poll without credentials: the keys that verify tokens
 * and the ingest tokens revoked before their expiry (ids only, no personal data).
 */
export const wellKnownRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['identity'],
        summary: 'Public keys verifying lms-api tokens (JWKS)',
        response: { 200: Type.Object({ keys: Type.Array(JwkSchema) }) },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=60');
      const { keys } = await ctx.keys.jwks();
      return { keys: keys as Static<typeof JwkSchema>[] };
    },
  );

  app.get(
    '/.well-known/revoked-tokens',
    {
      schema: {
        tags: ['identity'],
        summary: 'Ingest tokens revoked before they expire',
        description: 'Poll this and refuse these `jti`s until `exp` (seconds since the epoch) has passed.',
        response: {
          200: Type.Object({
            revoked: Type.Array(Type.Object({ jti: Type.String(), exp: Type.Integer() })),
          }),
        },
      },
    },
    async (_request, reply) => {
      const rows = await ctx.db
        .select({ jti: ingestTokens.jti, expiresAt: ingestTokens.expiresAt })
        .from(ingestTokens)
        .where(and(isNotNull(ingestTokens.revokedAt), gt(ingestTokens.expiresAt, new Date())))
        .orderBy(asc(ingestTokens.expiresAt));
      reply.header('cache-control', 'public, max-age=15');
      return {
        revoked: rows.map((row) => ({ jti: row.jti, exp: Math.floor(row.expiresAt.getTime() / 1000) })),
      };
    },
  );
};
