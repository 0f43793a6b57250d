import { users } from '@cellstream/db';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { asc, count, eq } from 'drizzle-orm';
import { Type } from 'typebox';
import { hashPassword } from '../auth/password.js';
import { principalOf, requireRole } from '../auth/principal.js';
import type { RouteOptions } from '../context.js';
import { conflict, notFound } from '../errors.js';
import { audit } from '../queries/audit.js';
import { errorResponses, IdParams, Pagination, security } from '../schemas/common.js';
import {
  toUserDto,
  UserCreateSchema,
  UserListQuery,
  UserSchema,
  UserUpdateSchema,
} from '../schemas/people.js';

/** Accounts of admins and instructors (students come from `/students`); admins only, except `/users/me`. */
export const userRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.addHook('onRequest', ctx.authenticate);
  const { db } = ctx;

  app.get(
    '/users/me',
    {
      schema: {
        tags: ['identity'],
        summary: 'The caller’s own account',
        security,
        response: { 200: UserSchema, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const [user] = await db
        .select()
        .from(users)
        .where(eq(users.id, principalOf(request).id));
      if (!user) throw notFound('User', principalOf(request).id);
      return toUserDto(user);
    },
  );

  app.post(
    '/users',
    {
      schema: {
        tags: ['identity'],
        summary: 'Create an admin or instructor account (admins)',
        security,
        body: UserCreateSchema,
        response: { 201: UserSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireRole(principal, 'admin');
      const { username, password, role, displayName } = request.body;
      const passwordHash = await hashPassword(password);
      const [created] = await db
        .insert(users)
        .values({ username, passwordHash, role, displayName })
        .onConflictDoNothing({ target: users.username })
        .returning();
      if (!created) throw conflict(`A user named ${JSON.stringify(username)} already exists.`);
      await audit(db, principal, 'user.create', `user:${username}`, { role });
      return reply.code(201).send(toUserDto(created));
    },
  );

  app.get(
    '/users',
    {
      schema: {
        tags: ['identity'],
        summary: 'List accounts (admins)',
        security,
        querystring: Type.Object({ ...Pagination, ...UserListQuery.properties }),
        response: { 200: Type.Array(UserSchema), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      requireRole(principalOf(request), 'admin');
      const { skip, limit, role } = request.query;
      const where = role ? eq(users.role, role) : undefined;
      const [rows, [total]] = await Promise.all([
        db.select().from(users).where(where).orderBy(asc(users.id)).offset(skip).limit(limit),
        db.select({ n: count() }).from(users).where(where),
      ]);
      reply.header('x-total-count', String(total?.n ?? 0));
      return rows.map(toUserDto);
    },
  );

  app.put(
    '/users/:id',
    {
      schema: {
        tags: ['identity'],
        summary: 'Change an account: display name, password, disabled (admins)',
        security,
        params: IdParams,
        body: UserUpdateSchema,
        response: { 200: UserSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      requireRole(principal, 'admin');
      const { displayName, password, disabled } = request.body;
      const changes = {
        ...(displayName === undefined ? {} : { displayName }),
        ...(disabled === undefined ? {} : { disabled }),
        ...(password === undefined ? {} : { passwordHash: await hashPassword(password) }),
      };
      const [updated] =
        Object.keys(changes).length === 0
          ? await db.select().from(users).where(eq(users.id, request.params.id))
          : await db.update(users).set(changes).where(eq(users.id, request.params.id)).returning();
      if (!updated) throw notFound('User', request.params.id);
      await audit(db, principal, 'user.update', `user:${updated.username}`, {
        fields: Object.keys(request.body),
      });
      return toUserDto(updated);
    },
  );
};
