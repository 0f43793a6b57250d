import { classAssignments, classes } from '@cellstream/db';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, asc, count, eq, type SQL } from 'drizzle-orm';
import { Type } from 'typebox';
import { canWriteClass, classForWrite, visibleClassCondition } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import { principalOf, requireRole } from '../auth/principal.js';
import type { AppContext, RouteOptions } from '../context.js';
import { forbidden, LmsError, notFound } from '../errors.js';
import { findClass } from '../queries/classes.js';
import {
  AssignmentCreateSchema,
  AssignmentListQuery,
  AssignmentSchema,
  AssignmentUpdateSchema,
  toAssignmentDto,
} from '../schemas/assignments.js';
import { errorResponses, IdParams, Pagination, security } from '../schemas/common.js';

/** Assignments belong to a class: its instructor and admins manage them; its students read them. */
export const assignmentRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.addHook('onRequest', ctx.authenticate);
  const { db } = ctx;

  app.post(
    '/assignments',
    {
      schema: {
        tags: ['assignments'],
        summary: 'Create an assignment in a class',
        security,
        body: AssignmentCreateSchema,
        response: { 201: AssignmentSchema, ...errorResponses(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireRole(principal, 'admin', 'instructor');
      const body = request.body;
      await classForBody(ctx, principal, body.class_id);
      const [created] = await db
        .insert(classAssignments)
        .values({
          classId: body.class_id,
          title: body.title,
          description: body.description ?? '',
          notebookPath: body.notebook_path ?? null,
          dueAt: body.due_at ? new Date(body.due_at) : null,
          maxScore: body.max_score ?? null,
        })
        .returning();
      if (!created) throw new Error('INSERT … RETURNING gave no row');
      return reply.code(201).send(toAssignmentDto(created));
    },
  );

  app.get(
    '/assignments',
    {
      schema: {
        tags: ['assignments'],
        summary: 'List the assignments of the classes the caller may see',
        security,
        querystring: Type.Object({ ...Pagination, ...AssignmentListQuery.properties }),
        response: { 200: Type.Array(AssignmentSchema), ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { skip, limit, class_id: classId } = request.query;
      const conditions = [
        visibleClassCondition(principal, classAssignments.classId),
        classId === undefined ? undefined : eq(classAssignments.classId, classId),
      ].filter((condition): condition is SQL => condition !== undefined);
      const where = conditions.length ? and(...conditions) : undefined;
      const [rows, [total]] = await Promise.all([
        db
          .select()
          .from(classAssignments)
          .where(where)
          .orderBy(asc(classAssignments.id))
          .offset(skip)
          .limit(limit),
        db.select({ n: count() }).from(classAssignments).where(where),
      ]);
      reply.header('x-total-count', String(total?.n ?? 0));
      return rows.map(toAssignmentDto);
    },
  );

  app.get(
    '/assignments/:id',
    {
      schema: {
        tags: ['assignments'],
        summary: 'One assignment',
        security,
        params: IdParams,
        response: { 200: AssignmentSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const [row] = await db
        .select()
        .from(classAssignments)
        .where(and(eq(classAssignments.id, request.params.id)))
        .limit(1);
      if (!row) throw notFound('Assignment', request.params.id);
      const [visible] = await db
        .select({ id: classes.id })
        .from(classes)
        .where(and(eq(classes.id, row.classId), visibleClassCondition(principal, classes.id)));
      if (!visible) throw forbidden(`You may not see assignment ${row.id}.`);
      return toAssignmentDto(row);
    },
  );

  app.put(
    '/assignments/:id',
    {
      schema: {
        tags: ['assignments'],
        summary: 'Change an assignment (partial update)',
        security,
        params: IdParams,
        body: AssignmentUpdateSchema,
        response: { 200: AssignmentSchema, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const current = await assignmentForWrite(ctx, principal, request.params.id);
      const body = request.body;
      if (body.class_id !== undefined && body.class_id !== current.classId) {
        await classForBody(ctx, principal, body.class_id);
      }
      const changes = {
        ...(body.class_id === undefined ? {} : { classId: body.class_id }),
        ...(body.title === undefined ? {} : { title: body.title }),
        ...(body.description === undefined ? {} : { description: body.description }),
        ...(body.notebook_path === undefined ? {} : { notebookPath: body.notebook_path }),
        ...(body.due_at === undefined ? {} : { dueAt: body.due_at === null ? null : new Date(body.due_at) }),
        ...(body.max_score === undefined ? {} : { maxScore: body.max_score }),
      };
      if (Object.keys(changes).length === 0) return toAssignmentDto(current);
      const [updated] = await db
        .update(classAssignments)
        .set(changes)
        .where(eq(classAssignments.id, current.id))
        .returning();
      if (!updated) throw notFound('Assignment', current.id);
      return toAssignmentDto(updated);
    },
  );

  app.delete(
    '/assignments/:id',
    {
      schema: {
        tags: ['assignments'],
        summary: 'Delete an assignment with its submissions',
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const current = await assignmentForWrite(ctx, principalOf(request), request.params.id);
      await db.delete(classAssignments).where(eq(classAssignments.id, current.id));
      return reply.code(204).send(null);
    },
  );
};

/** A class named in a body: 422 when it does not exist, 403 when it is not the caller's. */
async function classForBody(ctx: AppContext, principal: Principal, classId: number) {
  const found = await findClass(ctx.db, classId);
  if (!found) {
    throw new LmsError('LMS_REFERENCE_NOT_FOUND', `class_id ${classId} does not exist.`, {
      context: { classId },
    });
  }
  if (!canWriteClass(principal, found)) throw forbidden(`You may not change class ${classId}.`);
  return found;
}

async function assignmentForWrite(ctx: AppContext, principal: Principal, id: number) {
  const [row] = await ctx.db.select().from(classAssignments).where(eq(classAssignments.id, id)).limit(1);
  if (!row) throw notFound('Assignment', id);
  await classForWrite(ctx.db, principal, row.classId);
  return row;
}
