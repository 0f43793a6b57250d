import { type Class, classes } from '@cellstream/db';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, asc, count, eq, type SQL } from 'drizzle-orm';
import { Type } from 'typebox';
import { classForRead, classForWrite, visibleClassCondition } from '../auth/access.js';
import { principalOf, requireRole } from '../auth/principal.js';
import type { RouteOptions } from '../context.js';
import { forbidden, notFound } from '../errors.js';
import { audit } from '../queries/audit.js';
import { assertClassCodeFree, assertInstructor } from '../queries/classes.js';
import {
  ClassCreateSchema,
  ClassListQuery,
  ClassSchema,
  ClassUpdateSchema,
  toClassDto,
} from '../schemas/classes.js';
import { errorResponses, IdParams, Pagination, security } from '../schemas/common.js';

const privacyFields = ['store_code', 'store_outputs', 'retention_days'] as const;

/** Classes: instructors create and manage their own, admins any; students see those they are enrolled in. */
export const classRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.addHook('onRequest', ctx.authenticate);
  const { db } = ctx;

  app.post(
    '/classes',
    {
      schema: {
        tags: ['classes'],
        summary: 'Create a class (instructors for themselves, admins for any instructor)',
        security,
        body: ClassCreateSchema,
        response: { 201: ClassSchema, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireRole(principal, 'admin', 'instructor');
      const body = request.body;
      const instructorId = body.instructor_id ?? principal.id;
      if (principal.role === 'instructor' && instructorId !== principal.id) {
        throw forbidden(
          'Instructors create classes for themselves; only admins may name another instructor.',
        );
      }
      if (instructorId !== principal.id) await assertInstructor(db, instructorId);
      await assertClassCodeFree(db, body.class_code);
      const [created] = await db
        .insert(classes)
        .values({
          name: body.name,
          classCode: body.class_code,
          description: body.description ?? '',
          instructorId,
          storeCode: body.store_code ?? true,
          storeOutputs: body.store_outputs ?? true,
          retentionDays: body.retention_days ?? null,
        })
        .returning();
      if (!created) throw new Error('INSERT … RETURNING gave no row');
      await audit(db, principal, 'class.create', `class:${created.id}`, { class_code: created.classCode });
      return reply.code(201).send(toClassDto(created));
    },
  );

  app.get(
    '/classes',
    {
      schema: {
        tags: ['classes'],
        summary: 'List the classes the caller may see',
        security,
        querystring: Type.Object({ ...Pagination, ...ClassListQuery.properties }),
        response: { 200: Type.Array(ClassSchema), ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { skip, limit, instructor_id: instructorId } = request.query;
      const conditions = [
        visibleClassCondition(principal, classes.id),
        instructorId === undefined ? undefined : eq(classes.instructorId, instructorId),
      ].filter((condition): condition is SQL => condition !== undefined);
      const where = conditions.length ? and(...conditions) : undefined;
      const [rows, [total]] = await Promise.all([
        db.select().from(classes).where(where).orderBy(asc(classes.id)).offset(skip).limit(limit),
        db.select({ n: count() }).from(classes).where(where),
      ]);
      reply.header('x-total-count', String(total?.n ?? 0));
      return rows.map(toClassDto);
    },
  );

  app.get(
    '/classes/:id',
    {
      schema: {
        tags: ['classes'],
        summary: 'One class',
        security,
        params: IdParams,
        response: { 200: ClassSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => toClassDto(await classForRead(db, principalOf(request), request.params.id)),
  );

  app.put(
    '/classes/:id',
    {
      schema: {
        tags: ['classes'],
        summary: 'Change a class (partial update)',
        security,
        params: IdParams,
        body: ClassUpdateSchema,
        response: { 200: ClassSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const current = await classForWrite(db, principal, request.params.id);
      const body = request.body;
      if (body.instructor_id !== undefined && body.instructor_id !== current.instructorId) {
        if (principal.role !== 'admin')
          throw forbidden('Only admins may give a class to another instructor.');
        await assertInstructor(db, body.instructor_id);
      }
      if (body.class_code !== undefined) await assertClassCodeFree(db, body.class_code, current.id);
      const changes: Partial<Class> = {
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(body.class_code === undefined ? {} : { classCode: body.class_code }),
        ...(body.description === undefined ? {} : { description: body.description }),
        ...(body.instructor_id === undefined ? {} : { instructorId: body.instructor_id }),
        ...(body.store_code === undefined ? {} : { storeCode: body.store_code }),
        ...(body.store_outputs === undefined ? {} : { storeOutputs: body.store_outputs }),
        ...(body.retention_days === undefined ? {} : { retentionDays: body.retention_days }),
      };
      if (Object.keys(changes).length === 0) return toClassDto(current);
      const [updated] = await db.update(classes).set(changes).where(eq(classes.id, current.id)).returning();
      if (!updated) throw notFound('Class', current.id);
      const privacy = privacyFields.filter((field) => body[field] !== undefined);
      await audit(db, principal, privacy.length ? 'class.privacy' : 'class.update', `class:${current.id}`, {
        fields: Object.keys(body),
        ...Object.fromEntries(privacy.map((field) => [field, body[field]])),
      });
      return toClassDto(updated);
    },
  );

  app.delete(
    '/classes/:id',
    {
      schema: {
        tags: ['classes'],
        summary: 'Delete a class with its enrollments, assignments and submissions',
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const current = await classForWrite(db, principal, request.params.id);
      await db.delete(classes).where(eq(classes.id, current.id));
      await audit(db, principal, 'class.delete', `class:${current.id}`, { class_code: current.classCode });
      return reply.code(204).send(null);
    },
  );
};
