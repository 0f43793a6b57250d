import { students } from '@cellstream/db';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { eq } from 'drizzle-orm';
import { Type } from 'typebox';
import { classForRead } from '../auth/access.js';
import { principalOf, requireRole } from '../auth/principal.js';
import type { RouteOptions } from '../context.js';
import { forbidden, LmsError, notFound } from '../errors.js';
import { classActivity } from '../queries/activity.js';
import { classProgress, decodeCursor, studentTimeline } from '../queries/progress.js';
import {
  DateTime,
  errorResponses,
  Id,
  IdParams,
  Nullable,
  Pagination,
  security,
  UserId,
} from '../schemas/common.js';

const ProgressSchema = Type.Object({
  classId: Id,
  total: Type.Integer({ description: 'Students enrolled in the class.' }),
  students: Type.Array(
    Type.Object({
      userId: Type.String(),
      displayName: Nullable(Type.String()),
      executions: Type.Integer({ description: '`cell_execution_complete` events.' }),
      errors: Type.Integer({ description: '`cell_execution_error` events.' }),
      lastActivity: Nullable(DateTime),
      notebooks: Type.Array(
        Type.Object({
          notebookPath: Type.String(),
          cellsCompleted: Type.Integer({ description: 'Distinct cells run without error.' }),
          cellsExecuted: Type.Integer({ description: 'Distinct cells run at all.' }),
          cellsKnown: Type.Integer({ description: 'Cells of the notebook seen in any event of the class.' }),
        }),
      ),
    }),
  ),
});

const TimelineSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      eventId: Type.String(),
      eventType: Type.String(),
      eventTime: DateTime,
      notebookPath: Nullable(Type.String()),
      cellId: Nullable(Type.String()),
      executionCount: Nullable(Type.Integer()),
      code: Nullable(
        Type.String({
          description:
            "The cell's source as run, at most 8192 characters (see codeTruncated); null when the class does not store code.",
        }),
      ),
      codeTruncated: Type.Boolean({ description: 'Whether `code` was cut to its first 8192 characters.' }),
      hasError: Type.Boolean(),
      errorName: Nullable(Type.String()),
      errorMessage: Nullable(Type.String()),
      durationMs: Nullable(Type.Number()),
    }),
  ),
  nextCursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next (older) page.' })),
});

const Duration = (description: string, fallback: string) =>
  Type.String({ pattern: '^[1-9][0-9]{0,4}[smhd]$', default: fallback, description });

const ActivitySchema = Type.Object({
  classId: Id,
  interval: Type.String(),
  range: Type.String(),
  buckets: Type.Array(
    Type.Object({
      time: Type.String({ format: 'date-time', description: 'Start of the window.' }),
      executions: Type.Integer(),
      errors: Type.Integer(),
    }),
  ),
});

/** The dashboard's progress reads: bounded and paginated. */
export const progressRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.addHook('onRequest', ctx.authenticate);
  const { db } = ctx;

  app.get(
    '/classes/:id/progress',
    {
      schema: {
        tags: ['progress'],
        summary: "Each enrolled student's executions, errors, last activity and cells completed per notebook",
        security,
        params: IdParams,
        querystring: Type.Object({
          skip: Pagination.skip,
          limit: Type.Integer({
            minimum: 1,
            maximum: 200,
            default: 50,
            description: 'Students per page (at most 200).',
          }),
        }),
        response: { 200: ProgressSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireRole(principal, 'admin', 'instructor');
      const found = await classForRead(db, principal, request.params.id);
      const result = await classProgress(db, found.id, request.query);
      reply.header('x-total-count', String(result.total));
      return { classId: found.id, ...result };
    },
  );

  app.get(
    '/classes/:id/students/:userId/timeline',
    {
      schema: {
        tags: ['progress'],
        summary: "A student's executions and errors in a class, newest first",
        security,
        params: Type.Object({ id: Id, userId: UserId }),
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          cursor: Type.Optional(
            Type.String({ maxLength: 100, description: '`nextCursor` of the previous page.' }),
          ),
        }),
        response: { 200: TimelineSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id, userId } = request.params;
      if (principal.role === 'student' && principal.username !== userId) {
        throw forbidden('Students may only see their own timeline.');
      }
      const found = await classForRead(db, principal, id);
      const [student] = await db
        .select({ id: students.id })
        .from(students)
        .where(eq(students.userId, userId));
      if (!student) throw notFound('Student', userId);
      const before = request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor);
      if (request.query.cursor !== undefined && !before) {
        throw new LmsError('LMS_VALIDATION', 'cursor is not one this API gave out.');
      }
      return studentTimeline(db, found.id, userId, { limit: request.query.limit, before });
    },
  );

  app.get(
    '/classes/:id/activity',
    {
      schema: {
        tags: ['progress'],
        summary: 'Executions and errors per interval over a range, from InfluxDB',
        security,
        params: IdParams,
        querystring: Type.Object({
          interval: Duration('Window length: 10s, 1m, 5m, 1h…', '1m'),
          range: Duration('How far back: 1h, 1d, 7d… (at most 31d and 1440 windows).', '1h'),
          userId: Type.Optional(UserId),
        }),
        response: { 200: ActivitySchema, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      requireRole(principal, 'admin', 'instructor');
      const found = await classForRead(db, principal, request.params.id);
      const { interval, range, userId } = request.query;
      const buckets = await classActivity(ctx.influx, {
        classId: found.id,
        interval,
        range,
        ...(userId === undefined ? {} : { userId }),
      });
      return { classId: found.id, interval, range, buckets };
    },
  );
};
