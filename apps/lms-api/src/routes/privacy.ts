import { auditLog } from '@cellstream/db';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { count, desc } from 'drizzle-orm';
import { Type } from 'typebox';
import { principalOf, requireRole } from '../auth/principal.js';
import type { RouteOptions } from '../context.js';
import { forbidden, notFound } from '../errors.js';
import { audit } from '../queries/audit.js';
import { applyRetention, deleteStudent, exportStudent } from '../queries/privacy.js';
import { DateTime, errorResponses, Nullable, Pagination, security } from '../schemas/common.js';
import { UserIdParams } from '../schemas/people.js';

const DeletionSchema = Type.Object({
  userId: Type.String(),
  deleted: Type.Object({
    cellExecutions: Type.Integer(),
    notebookAccesses: Type.Integer(),
    sessions: Type.Integer(),
    submissions: Type.Integer(),
    enrollments: Type.Integer(),
    ingestTokensRevoked: Type.Integer(),
    account: Type.Integer(),
    influxPoints: Type.Integer({ description: 'Its student_progress points in InfluxDB.' }),
  }),
});

const AuditEntrySchema = Type.Object({
  id: Type.Integer(),
  actor: Nullable(Type.String()),
  action: Type.String(),
  target: Nullable(Type.String()),
  at: DateTime,
  details: Type.Record(Type.String(), Type.Unknown()),
});

/** Per-student export and deletion, the retention sweep, and the audit log that records them. */
export const privacyRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.addHook('onRequest', ctx.authenticate);
  const { db } = ctx;

  app.get(
    '/students/:userId/export',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Everything stored about a student, as JSON (the student itself, admins)',
        security,
        params: UserIdParams,
        response: {
          200: Type.Object(
            {},
            {
              additionalProperties: true,
              description: 'The student, account, enrollments, submissions, sessions and events.',
            },
          ),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { userId } = request.params;
      if (principal.role !== 'admin' && !(principal.role === 'student' && principal.username === userId)) {
        throw forbidden('Only the student itself or an admin may export its data.');
      }
      const data = await exportStudent(db, userId);
      if (!data) throw notFound('Student', userId);
      await audit(db, principal, 'student.export', `student:${userId}`, {
        cellExecutions: data.cellExecutions.length,
      });
      reply.header('content-disposition', `attachment; filename="cellstream-${userId}.json"`);
      return data;
    },
  );

  app.delete(
    '/students/:userId',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Delete a student and all its data (admins)',
        description:
          'Events (in PostgreSQL and InfluxDB), sessions, enrollments, submissions and the account; its ingest tokens are revoked.',
        security,
        params: UserIdParams,
        response: { 200: DeletionSchema, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      requireRole(principal, 'admin');
      const deleted = await deleteStudent(db, ctx.influx, principal, request.params.userId);
      if (!deleted) throw notFound('Student', request.params.userId);
      return { userId: request.params.userId, deleted };
    },
  );

  app.post(
    '/admin/retention/run',
    {
      schema: {
        tags: ['privacy'],
        summary: "Apply every class's retention and storage settings now (admins; also runs hourly)",
        security,
        response: {
          200: Type.Object({
            classes: Type.Array(
              Type.Object({
                classId: Type.Integer(),
                deletedExecutions: Type.Integer(),
                deletedAccesses: Type.Integer(),
                clearedCode: Type.Integer(),
                clearedOutputs: Type.Integer(),
                deletedPoints: Type.Integer(),
              }),
            ),
          }),
          ...errorResponses(401, 403, 503),
        },
      },
    },
    async (request) => {
      requireRole(principalOf(request), 'admin');
      return { classes: await applyRetention(db, ctx.influx) };
    },
  );

  app.get(
    '/admin/audit-log',
    {
      schema: {
        tags: ['privacy'],
        summary: 'The audit log, newest first (admins)',
        security,
        querystring: Type.Object(Pagination),
        response: { 200: Type.Array(AuditEntrySchema), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      requireRole(principalOf(request), 'admin');
      const [rows, [total]] = await Promise.all([
        db
          .select()
          .from(auditLog)
          .orderBy(desc(auditLog.id))
          .offset(request.query.skip)
          .limit(request.query.limit),
        db.select({ n: count() }).from(auditLog),
      ]);
      reply.header('x-total-count', String(total?.n ?? 0));
      return rows.map((row) => ({ ...row, at: row.at.toISOString() }));
    },
  );
};
