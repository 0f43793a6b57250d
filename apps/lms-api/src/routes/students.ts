import { classes, studentClasses, students, users } from '@cellstream/db';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, asc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { Type } from 'typebox';
import { hashPassword } from '../auth/password.js';
import { principalOf, requireRole } from '../auth/principal.js';
import type { RouteOptions } from '../context.js';
import { conflict, forbidden, LmsError, notFound } from '../errors.js';
import { audit } from '../queries/audit.js';
import {
  canReadStudent,
  findStudent,
  listStudents,
  taughtStudentsCondition,
  toStudentDto,
} from '../queries/students.js';
import { errorResponses, Pagination, security } from '../schemas/common.js';
import {
  StudentCreateSchema,
  StudentDetailSchema,
  StudentListQuery,
  StudentSchema,
  UserIdParams,
} from '../schemas/people.js';

/**
 * Students: an account (role student, username = userId) and the `students` row their events
 * are stored under. A row the persister already made from events is claimed, not duplicated.
 */
export const studentRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.addHook('onRequest', ctx.authenticate);
  const { db } = ctx;

  app.post(
    '/students',
    {
      schema: {
        tags: ['students'],
        summary: 'Create a student (admins and instructors)',
        security,
        body: StudentCreateSchema,
        response: { 201: StudentSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireRole(principal, 'admin', 'instructor');
      const { userId, displayName, password } = request.body;
      const passwordHash = password === undefined ? null : await hashPassword(password);
      await db.transaction(async (tx) => {
        const [account] = await tx
          .insert(users)
          .values({ username: userId, passwordHash, role: 'student', displayName })
          .onConflictDoNothing({ target: users.username })
          .returning({ id: users.id });
        if (!account) throw conflict(`A user named ${JSON.stringify(userId)} already exists.`);
        await tx
          .insert(students)
          .values({ userId, displayName })
          .onConflictDoUpdate({ target: students.userId, set: { displayName } });
        await audit(tx, principal, 'student.create', `student:${userId}`);
      });
      const created = await findStudent(db, userId);
      if (!created) throw notFound('Student', userId);
      return reply.code(201).send(toStudentDto(created));
    },
  );

  app.get(
    '/students',
    {
      schema: {
        tags: ['students'],
        summary: 'List students: every one for admins, those of their classes for instructors',
        security,
        querystring: Type.Object({ ...Pagination, ...StudentListQuery.properties }),
        response: { 200: Type.Array(StudentSchema), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireRole(principal, 'admin', 'instructor');
      const { skip, limit, class_id: classId } = request.query;
      const conditions: SQL[] = [];
      if (principal.role === 'instructor') conditions.push(taughtStudentsCondition(principal));
      if (classId !== undefined) {
        conditions.push(
          inArray(
            students.id,
            sql`(SELECT ${studentClasses.studentId} FROM ${studentClasses} WHERE ${studentClasses.classId} = ${classId})`,
          ),
        );
      }
      const page = await listStudents(db, conditions.length ? and(...conditions) : undefined, {
        skip,
        limit,
      });
      reply.header('x-total-count', String(page.total));
      return page.items.map(toStudentDto);
    },
  );

  app.get(
    '/students/:userId',
    {
      schema: {
        tags: ['students'],
        summary: 'One student with its classes (itself, its instructors, admins)',
        security,
        params: UserIdParams,
        response: { 200: StudentDetailSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { userId } = request.params;
      if (principal.role === 'student' && principal.username !== userId) {
        throw forbidden('Students may only see their own data.');
      }
      const student = await findStudent(db, userId);
      if (!student) throw notFound('Student', userId);
      if (!(await canReadStudent(db, principal, student.id))) {
        throw new LmsError('LMS_FORBIDDEN', `Student ${userId} is not in any of your classes.`);
      }
      const enrolled = await db
        .select({ id: classes.id, name: classes.name, class_code: classes.classCode })
        .from(studentClasses)
        .innerJoin(classes, eq(classes.id, studentClasses.classId))
        .where(eq(studentClasses.studentId, student.id))
        .orderBy(asc(classes.id));
      return { ...toStudentDto(student), classes: enrolled };
    },
  );
};
