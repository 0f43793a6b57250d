import { assignmentExtensions, classAssignments, students } from '@cellstream/db';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, asc, eq } from 'drizzle-orm';
import { Type } from 'typebox';
import { classForRead, classForWrite, isEnrolled } from '../auth/access.js';
import { type Principal, principalOf } from '../auth/principal.js';
import type { AppContext, RouteOptions } from '../context.js';
import { conflict, LmsError, notFound, referenceNotFound } from '../errors.js';
import { errorResponses, IdParams, security } from '../schemas/common.js';
import {
  ExtensionCreateSchema,
  ExtensionParams,
  ExtensionSchema,
  toExtensionDto,
} from '../schemas/grading.js';

/**
 * Per-student extensions of an assignment's due date. The class's instructor and admins grant,
 * list and withdraw them; a student sees only its own. Submissions are judged late against the
 * extension when there is one.
 */
export const extensionRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.addHook('onRequest', ctx.authenticate);
  const { db } = ctx;

  app.post(
    '/assignments/:id/extensions',
    {
      schema: {
        tags: ['grading'],
        summary: 'Give a student a later due date for this assignment',
        security,
        params: IdParams,
        body: ExtensionCreateSchema,
        response: { 201: ExtensionSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const assignment = await findAssignment(ctx, request.params.id);
      await classForWrite(db, principal, assignment.classId);
      const body = request.body;
      const [student] = await db.select().from(students).where(eq(students.userId, body.student_id)).limit(1);
      if (!student) throw referenceNotFound('student_id', body.student_id);
      if (!(await isEnrolled(db, student.id, assignment.classId))) {
        throw new LmsError(
          'LMS_NOT_ENROLLED',
          `Student ${JSON.stringify(body.student_id)} is not enrolled in class ${assignment.classId}.`,
        );
      }
      const [created] = await db
        .insert(assignmentExtensions)
        .values({
          assignmentId: assignment.id,
          studentId: student.id,
          dueAt: new Date(body.due_at),
          reason: body.reason ?? '',
          grantedBy: principal.id,
        })
        .onConflictDoNothing({ target: [assignmentExtensions.assignmentId, assignmentExtensions.studentId] })
        .returning();
      if (!created) {
        throw conflict(
          `${JSON.stringify(body.student_id)} already has an extension for assignment ${assignment.id}: delete it first.`,
        );
      }
      return reply.code(201).send(toExtensionDto(created, student.userId));
    },
  );

  app.get(
    '/assignments/:id/extensions',
    {
      schema: {
        tags: ['grading'],
        summary:
          "An assignment's extensions: all for its instructor and admins, a student's own for a student",
        security,
        params: IdParams,
        response: { 200: Type.Array(ExtensionSchema), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const assignment = await findAssignment(ctx, request.params.id);
      await classForRead(db, principal, assignment.classId);
      const rows = await db
        .select({ extension: assignmentExtensions, userId: students.userId })
        .from(assignmentExtensions)
        .innerJoin(students, eq(students.id, assignmentExtensions.studentId))
        .where(
          and(
            eq(assignmentExtensions.assignmentId, assignment.id),
            principal.role === 'student'
              ? eq(assignmentExtensions.studentId, principal.studentId ?? -1)
              : undefined,
          ),
        )
        .orderBy(asc(students.userId));
      return rows.map((row) => toExtensionDto(row.extension, row.userId));
    },
  );

  app.delete(
    '/assignments/:id/extensions/:studentId',
    {
      schema: {
        tags: ['grading'],
        summary:
          "Withdraw a student's extension (lateness is judged against the assignment's due date again)",
        security,
        params: ExtensionParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal: Principal = principalOf(request);
      const assignment = await findAssignment(ctx, request.params.id);
      await classForWrite(db, principal, assignment.classId);
      const [student] = await db
        .select({ id: students.id })
        .from(students)
        .where(eq(students.userId, request.params.studentId))
        .limit(1);
      const deleted = student
        ? await db
            .delete(assignmentExtensions)
            .where(
              and(
                eq(assignmentExtensions.assignmentId, assignment.id),
                eq(assignmentExtensions.studentId, student.id),
              ),
            )
            .returning({ id: assignmentExtensions.id })
        : [];
      if (deleted.length === 0) {
        throw notFound(`Extension of assignment ${assignment.id} for student`, request.params.studentId);
      }
      return reply.code(204).send(null);
    },
  );
};

async function findAssignment(ctx: AppContext, id: number) {
  const [row] = await ctx.db.select().from(classAssignments).where(eq(classAssignments.id, id)).limit(1);
  if (!row) throw notFound('Assignment', id);
  return row;
}
