import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { canWriteClass } from '../auth/access.js';
import { principalOf, requireRole } from '../auth/principal.js';
import type { RouteOptions } from '../context.js';
import { forbidden, notFound } from '../errors.js';
import { findSubmission } from '../queries/submissions.js';
import { SubmissionSchema, toSubmissionDto } from '../schemas/assignments.js';
import { errorResponses, IdParams, security } from '../schemas/common.js';
import { GradeBodySchema, ReturnBodySchema } from '../schemas/grading.js';
import { gradeSubmission, returnSubmission } from '../services/grading.js';

/**
 * Grading by the class's instructor or an admin. Each call also queues a notification for the
 * student (learning.notifications.v1), written in the same transaction as the grade.
 */
export const gradingRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.addHook('onRequest', ctx.authenticate);
  const { db } = ctx;

  async function submissionForGrading(
    request: { params: { id: number } },
    principal: ReturnType<typeof principalOf>,
  ) {
    requireRole(principal, 'admin', 'instructor');
    const row = await findSubmission(db, request.params.id);
    if (!row) throw notFound('Submission', request.params.id);
    if (!canWriteClass(principal, row)) {
      throw forbidden(
        `You may not grade submission ${row.submission.id}: only the class's instructor or an admin may.`,
      );
    }
    return row;
  }

  app.put(
    '/submissions/:id/grade',
    {
      schema: {
        tags: ['grading'],
        summary: 'Grade a submission, or change its grade (score and feedback); the student is notified',
        security,
        params: IdParams,
        body: GradeBodySchema,
        response: { 200: SubmissionSchema, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const row = await submissionForGrading(request, principal);
      const graded = await gradeSubmission(db, row, principal, request.body);
      return toSubmissionDto(graded);
    },
  );

  app.post(
    '/submissions/:id/return',
    {
      schema: {
        tags: ['grading'],
        summary:
          'Return a submission for another attempt (the student may resubmit); the student is notified',
        security,
        params: IdParams,
        body: ReturnBodySchema,
        response: { 200: SubmissionSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const row = await submissionForGrading(request, principal);
      const returned = await returnSubmission(db, row, principal, request.body?.feedback);
      return toSubmissionDto(returned);
    },
  );
};
