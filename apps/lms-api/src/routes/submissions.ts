import { assignmentSubmissions, classAssignments, classes, students } from '@cellstream/db';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, eq, type SQL } from 'drizzle-orm';
import { Type } from 'typebox';
import { canWriteClass, isEnrolled, visibleClassCondition } from '../auth/access.js';
import { type Principal, principalOf } from '../auth/principal.js';
import type { RouteOptions } from '../context.js';
import { conflict, forbidden, LmsError, notFound, referenceNotFound } from '../errors.js';
import { findSubmission, listSubmissions } from '../queries/submissions.js';
import {
  SubmissionCreateSchema,
  type SubmissionDto,
  SubmissionListQuery,
  type SubmissionRow,
  SubmissionSchema,
  SubmissionUpdateSchema,
  toSubmissionDto,
} from '../schemas/assignments.js';
import { errorResponses, IdParams, Pagination, security } from '../schemas/common.js';
import { checkScore, gradeSubmission, returnSubmission } from '../services/grading.js';

/**
 * Submissions: a student submits for an assignment of a class it is enrolled in (once; then
 * updates it); the class's instructor and admins see, grade and delete them.
 */
export const submissionRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.addHook('onRequest', ctx.authenticate);
  const { db } = ctx;

  app.post(
    '/submissions',
    {
      schema: {
        tags: ['submissions'],
        summary: 'Submit for an assignment (students for themselves; instructors and admins for a student)',
        security,
        body: SubmissionCreateSchema,
        response: { 201: SubmissionSchema, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      const [assignment] = await db
        .select({ id: classAssignments.id, classId: classes.id, instructorId: classes.instructorId })
        .from(classAssignments)
        .innerJoin(classes, eq(classes.id, classAssignments.classId))
        .where(eq(classAssignments.id, body.assignment_id))
        .limit(1);
      if (!assignment) throw referenceNotFound('assignment_id', body.assignment_id);

      let studentId: number;
      let userId: string;
      if (principal.role === 'student') {
        if (body.student_id !== undefined && body.student_id !== principal.username) {
          throw forbidden('Students may only submit for themselves.');
        }
        if (
          !(await isEnrolled(db, principal.studentId, assignment.classId)) ||
          principal.studentId === null
        ) {
          throw forbidden(`You are not enrolled in class ${assignment.classId}.`);
        }
        studentId = principal.studentId;
        userId = principal.username;
      } else {
        if (!canWriteClass(principal, assignment))
          throw forbidden(`You may not change class ${assignment.classId}.`);
        if (body.student_id === undefined) {
          throw new LmsError('LMS_VALIDATION', 'student_id is required when an instructor or admin submits.');
        }
        const [student] = await db
          .select()
          .from(students)
          .where(eq(students.userId, body.student_id))
          .limit(1);
        if (!student) throw referenceNotFound('student_id', body.student_id);
        if (!(await isEnrolled(db, student.id, assignment.classId))) {
          throw new LmsError(
            'LMS_NOT_ENROLLED',
            `Student ${JSON.stringify(body.student_id)} is not enrolled in class ${assignment.classId}.`,
          );
        }
        studentId = student.id;
        userId = student.userId;
      }

      const [created] = await db
        .insert(assignmentSubmissions)
        .values({
          assignmentId: assignment.id,
          studentId,
          content: body.content ?? null,
          notebookRef: body.notebook_ref ?? null,
        })
        .onConflictDoNothing({
          target: [assignmentSubmissions.assignmentId, assignmentSubmissions.studentId],
        })
        .returning();
      if (!created) {
        throw conflict(
          `${JSON.stringify(userId)} has already submitted for assignment ${assignment.id}: update that submission instead.`,
        );
      }
      return reply.code(201).send(toSubmissionDto(await findSubmissionOr404(created.id)));
    },
  );

  app.get(
    '/submissions',
    {
      schema: {
        tags: ['submissions'],
        summary: 'List submissions: students their own, instructors those of their classes',
        security,
        querystring: Type.Object({ ...Pagination, ...SubmissionListQuery.properties }),
        response: { 200: Type.Array(SubmissionSchema), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const {
        skip,
        limit,
        class_id: classId,
        assignment_id: assignmentId,
        student_id: userId,
      } = request.query;
      if (principal.role === 'student' && userId !== undefined && userId !== principal.username) {
        throw forbidden('Students may only see their own submissions.');
      }
      const conditions = [
        principal.role === 'student'
          ? eq(assignmentSubmissions.studentId, principal.studentId ?? -1)
          : visibleClassCondition(principal, classAssignments.classId),
        classId === undefined ? undefined : eq(classAssignments.classId, classId),
        assignmentId === undefined ? undefined : eq(assignmentSubmissions.assignmentId, assignmentId),
        userId === undefined ? undefined : eq(students.userId, userId),
      ].filter((condition): condition is SQL => condition !== undefined);
      const page = await listSubmissions(db, conditions.length ? and(...conditions) : undefined, {
        skip,
        limit,
      });
      reply.header('x-total-count', String(page.total));
      return page.items.map(toSubmissionDto);
    },
  );

  app.get(
    '/submissions/:id',
    {
      schema: {
        tags: ['submissions'],
        summary: 'One submission',
        security,
        params: IdParams,
        response: { 200: SubmissionSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const row = await findSubmissionOr404(request.params.id);
      if (!canRead(principal, row)) throw forbidden(`You may not see submission ${row.submission.id}.`);
      return toSubmissionDto(row);
    },
  );

  app.put(
    '/submissions/:id',
    {
      schema: {
        tags: ['submissions'],
        summary: 'Change a submission (partial): students resubmit (also a returned one), instructors grade',
        security,
        params: IdParams,
        body: SubmissionUpdateSchema,
        response: { 200: SubmissionSchema, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      let row = await findSubmissionOr404(request.params.id);
      const body = request.body;
      if (!canRead(principal, row)) throw forbidden(`You may not change submission ${row.submission.id}.`);
      const grading = body.status !== undefined || body.score !== undefined || body.feedback !== undefined;
      if (principal.role === 'student') {
        if (grading) {
          throw forbidden('Students may not grade: only content and notebook_ref are theirs to change.');
        }
        if (row.submission.status === 'graded') {
          throw forbidden('This submission has been graded; ask your instructor to return it first.');
        }
      }
      // Refuse a bad grade before anything is written.
      if (grading) checkStaffGrading(row, body);
      const resubmitted = body.content !== undefined || body.notebook_ref !== undefined;
      const changes = {
        ...(body.content === undefined ? {} : { content: body.content }),
        ...(body.notebook_ref === undefined ? {} : { notebookRef: body.notebook_ref }),
        // A student resubmitting a returned submission hands it in again.
        ...(resubmitted && principal.role === 'student'
          ? { submittedAt: new Date(), status: 'submitted' as const }
          : {}),
      };
      if (Object.keys(changes).length > 0) {
        const [updated] = await db
          .update(assignmentSubmissions)
          .set(changes)
          .where(eq(assignmentSubmissions.id, row.submission.id))
          .returning();
        if (!updated) throw notFound('Submission', row.submission.id);
        row = await findSubmissionOr404(updated.id);
      }
      if (grading) row = await applyStaffGrading(row, principal, body);
      return toSubmissionDto(row);
    },
  );

  /**
   * Status, score and feedback set through PUT go through the same grading as
   * `PUT /submissions/{id}/grade` and `POST /submissions/{id}/return` (range check, notification).
   */
  async function applyStaffGrading(
    row: SubmissionRow,
    principal: Principal,
    body: { status?: SubmissionDto['status']; score?: number | null; feedback?: string | null },
  ): Promise<SubmissionRow> {
    if (body.status === 'returned') return returnSubmission(db, row, principal, body.feedback);
    if (body.status === 'submitted') {
      // Taking a grade back: no notification (nothing new for the student to see).
      await db
        .update(assignmentSubmissions)
        .set({
          status: 'submitted',
          ...(body.score === undefined ? {} : { score: body.score }),
          ...(body.feedback === undefined ? {} : { feedback: body.feedback }),
        })
        .where(eq(assignmentSubmissions.id, row.submission.id));
      return findSubmissionOr404(row.submission.id);
    }
    const score = body.score === undefined ? row.submission.score : body.score;
    if (score === null)
      throw new LmsError('LMS_VALIDATION', 'A graded submission needs a score: send `score`.');
    return gradeSubmission(db, row, principal, { score, feedback: body.feedback });
  }

  app.delete(
    '/submissions/:id',
    {
      schema: {
        tags: ['submissions'],
        summary: 'Delete a submission (instructors, admins, or its student while ungraded)',
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const row = await findSubmissionOr404(request.params.id);
      if (!canRead(principal, row)) throw forbidden(`You may not delete submission ${row.submission.id}.`);
      if (principal.role === 'student' && row.submission.status !== 'submitted') {
        throw forbidden('A graded or returned submission can only be deleted by the instructor.');
      }
      await db.delete(assignmentSubmissions).where(eq(assignmentSubmissions.id, row.submission.id));
      return reply.code(204).send(null);
    },
  );

  async function findSubmissionOr404(id: number): Promise<SubmissionRow> {
    const row = await findSubmission(db, id);
    if (!row) throw notFound('Submission', id);
    return row;
  }
};

/** The checks of `applyStaffGrading`, made before the request writes anything. */
function checkStaffGrading(
  row: SubmissionRow,
  body: { status?: SubmissionDto['status']; score?: number | null },
): void {
  if (body.status === 'returned') {
    if (body.score !== undefined) {
      throw new LmsError('LMS_VALIDATION', 'Return a submission without a score, or grade it instead.');
    }
    return;
  }
  const score = body.score === undefined ? row.submission.score : body.score;
  if (score === null) {
    if (body.status === 'submitted') return;
    throw new LmsError('LMS_VALIDATION', 'A graded submission needs a score: send `score`.');
  }
  checkScore(score, row.maxScore);
}

/** Students their own submissions; instructors those of their classes; admins all. */
function canRead(principal: Principal, row: SubmissionRow): boolean {
  if (principal.role === 'student') return row.submission.studentId === principal.studentId;
  return canWriteClass(principal, row);
}
