import { users } from '@cellstream/db';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { eq } from 'drizzle-orm';
import { Type } from 'typebox';
import { tokenClassIds } from '../auth/access.js';
import { loadPrincipal } from '../auth/authenticate.js';
import { dummyPasswordHash, verifyPassword } from '../auth/password.js';
import type { RouteOptions } from '../context.js';
import { LmsError } from '../errors.js';
import { errorResponses } from '../schemas/common.js';

const LoginSchema = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 128 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

const TokenSchema = Type.Object({
  token: Type.String({ description: 'A JWT: send it as `Authorization: Bearer <token>`.' }),
  role: Type.Union([Type.Literal('admin'), Type.Literal('instructor'), Type.Literal('student')]),
  expiresAt: Type.String({ format: 'date-time' }),
});

/** `POST /auth/login`: a session token for a username and password, rate-limited per client address. */
export const authRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.post(
    '/auth/login',
    {
      config: { rateLimit: { max: ctx.config.LOGIN_RATE_LIMIT, timeWindow: '1 minute' } },
      schema: {
        tags: ['identity'],
        summary: 'Log in: a session token carrying the role and the classes',
        body: LoginSchema,
        response: { 200: TokenSchema, ...errorResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const { username, password } = request.body;
      const [user] = await ctx.db
        .select({ passwordHash: users.passwordHash, disabled: users.disabled })
        .from(users)
        .where(eq(users.username, username))
        .limit(1);
      // Verify even when the user is unknown, so timing does not tell which usernames exist.
      const valid = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
      const principal = valid && user && !user.disabled ? await loadPrincipal(ctx.db, username) : undefined;
      if (!principal) throw new LmsError('AUTH_INVALID_CREDENTIALS', 'Unknown username or wrong password.');
      const issued = await ctx.tokens.issue({
        sub: principal.username,
        role: principal.role,
        classes: await tokenClassIds(ctx.db, principal),
        kind: 'session',
        ttlSeconds: ctx.config.TOKEN_TTL_SECONDS,
      });
      return { token: issued.token, role: principal.role, expiresAt: issued.expiresAt.toISOString() };
    },
  );
};
