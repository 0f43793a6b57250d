import { studentClasses, students, users } from '@cellstream/db';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, asc, count, eq } from 'drizzle-orm';
import { Type } from 'typebox';
import { classForRead, classForWrite } from '../auth/access.js';
import { principalOf } from '../auth/principal.js';
import type { RouteOptions } from '../context.js';
import { forbidden, LmsError, referenceNotFound } from '../errors.js';
import { audit } from '../queries/audit.js';
import { toStudentDto } from '../queries/students.js';
import { errorResponses, IdParams, Pagination, security, UserId } from '../schemas/common.js';
import { EnrollmentSchema, EnrollSchema, StudentSchema } from '../schemas/people.js';

/** Enrollments: `POST /classes/{id}/students` puts a student in a class; its next token carries the class. */
export const enrollmentRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.addHook('onRequest', ctx.authenticate);
  const { db } = ctx;

  app.post(
    '/classes/:id/students',
    {
      schema: {
        tags: ['classes'],
        summary: 'Enroll a student (201; 200 when already enrolled)',
        security,
        params: IdParams,
        body: EnrollSchema,
        response: {
          200: EnrollmentSchema,
          201: EnrollmentSchema,
          ...errorResponses(400, 401, 403, 404, 422),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const found = await classForWrite(db, principal, request.params.id);
      const { userId } = request.body;
      const [student] = await db.select().from(students).where(eq(students.userId, userId)).limit(1);
      if (!student) throw referenceNotFound('userId', userId);
      const [created] = await db
        .insert(studentClasses)
        .values({ studentId: student.id, classId: found.id })
        .onConflictDoNothing()
        .returning();
      if (created) {
        await audit(db, principal, 'enrollment.create', `class:${found.id}`, { userId });
        return reply
          .code(201)
          .send({ classId: found.id, userId, enrolledAt: created.enrolledAt.toISOString() });
      }
      const [existing] = await db
        .select()
        .from(studentClasses)
        .where(and(eq(studentClasses.studentId, student.id), eq(studentClasses.classId, found.id)));
      return reply.code(200).send({
        classId: found.id,
        userId,
        enrolledAt: (existing?.enrolledAt ?? new Date()).toISOString(),
      });
    },
  );

  app.get(
    '/classes/:id/students',
    {
      schema: {
        tags: ['classes'],
        summary: 'The students enrolled in a class (its instructor, admins)',
        security,
        params: IdParams,
        querystring: Type.Object(Pagination),
        response: { 200: Type.Array(StudentSchema), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const found = await classForRead(db, principal, request.params.id);
      if (principal.role === 'student') throw forbidden('Students may not list their classmates.');
      const where = eq(studentClasses.classId, found.id);
      const [rows, [total]] = await Promise.all([
        db
          .select({
            id: students.id,
            userId: students.userId,
            displayName: students.displayName,
            createdAt: students.createdAt,
            passwordHash: users.passwordHash,
          })
          .from(studentClasses)
          .innerJoin(students, eq(students.id, studentClasses.studentId))
          .leftJoin(users, and(eq(users.username, students.userId), eq(users.role, 'student')))
          .where(where)
          .orderBy(asc(students.userId))
          .offset(request.query.skip)
          .limit(request.query.limit),
        db.select({ n: count() }).from(studentClasses).where(where),
      ]);
      reply.header('x-total-count', String(total?.n ?? 0));
      return rows.map(toStudentDto);
    },
  );

  app.delete(
    '/classes/:id/students/:userId',
    {
      schema: {
        tags: ['classes'],
        summary: 'Remove a student from a class (its events stay)',
        security,
        params: Type.Object({ id: IdParams.properties.id, userId: UserId }),
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const found = await classForWrite(db, principal, request.params.id);
      const { userId } = request.params;
      const [student] = await db.select().from(students).where(eq(students.userId, userId)).limit(1);
      const removed = student
        ? await db
            .delete(studentClasses)
            .where(and(eq(studentClasses.studentId, student.id), eq(studentClasses.classId, found.id)))
            .returning()
        : [];
      if (removed.length === 0) {
        throw new LmsError(
          'LMS_NOT_FOUND',
          `Student ${JSON.stringify(userId)} is not enrolled in class ${found.id}.`,
        );
      }
      await audit(db, principal, 'enrollment.delete', `class:${found.id}`, { userId });
      return reply.code(204).send(null);
    },
  );
};
