import { classes, ingestTokens, studentClasses, students } from '@cellstream/db';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, desc, eq } from 'drizzle-orm';
import { Type } from 'typebox';
import { canWriteClass, classForWrite } from '../auth/access.js';
import { principalOf, requireRole } from '../auth/principal.js';
import type { RouteOptions } from '../context.js';
import { forbidden, LmsError, notFound } from '../errors.js';
import { audit } from '../queries/audit.js';
import { DateTime, errorResponses, Id, IdParams, Nullable, security, UserId } from '../schemas/common.js';

const IssuedSchema = Type.Object({
  token: Type.String({ description: 'Send it to ingest as `Authorization: Bearer <token>`; shown once.' }),
  jti: Type.String(),
  expiresAt: DateTime,
});

const IngestTokenSchema = Type.Object({
  jti: Type.String(),
  userId: Nullable(Type.String()),
  classId: Nullable(Id),
  createdAt: DateTime,
  expiresAt: DateTime,
  revokedAt: Nullable(DateTime),
});

/**
 * Long-lived ingest tokens for a student in a class (JupyterHub-style provisioning: the hub
 * gets a token for each student, who never types a password). They carry kind `ingest` and
 * only that class; lms-api refuses them; revoked ones are listed at `/.well-known/revoked-tokens`.
 */
export const ingestTokenRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.addHook('onRequest', ctx.authenticate);
  const { db, config } = ctx;

  app.post(
    '/classes/:id/students/:userId/ingest-tokens',
    {
      schema: {
        tags: ['identity'],
        summary: "Issue an ingest token for a student of the class (the class's instructor, admins)",
        security,
        params: Type.Object({ id: IdParams.properties.id, userId: UserId }),
        body: Nullable(
          Type.Object(
            {
              ttlDays: Type.Optional(
                Type.Integer({ minimum: 1, maximum: 3650, description: 'At most INGEST_TOKEN_TTL_DAYS.' }),
              ),
            },
            { additionalProperties: false },
          ),
        ),
        response: { 201: IssuedSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireRole(principal, 'admin', 'instructor');
      const found = await classForWrite(db, principal, request.params.id);
      const { userId } = request.params;
      const [student] = await db
        .select({ id: students.id })
        .from(students)
        .innerJoin(studentClasses, eq(studentClasses.studentId, students.id))
        .where(and(eq(students.userId, userId), eq(studentClasses.classId, found.id)))
        .limit(1);
      if (!student) {
        throw new LmsError(
          'LMS_NOT_FOUND',
          `Student ${JSON.stringify(userId)} is not enrolled in class ${found.id}.`,
        );
      }
      const ttlDays = Math.min(
        request.body?.ttlDays ?? config.INGEST_TOKEN_TTL_DAYS,
        config.INGEST_TOKEN_TTL_DAYS,
      );
      const issued = await ctx.tokens.issue({
        sub: userId,
        role: 'student',
        classes: [String(found.id)],
        kind: 'ingest',
        ttlSeconds: ttlDays * 86_400,
      });
      await db.insert(ingestTokens).values({
        jti: issued.jti,
        studentId: student.id,
        classId: found.id,
        issuedBy: principal.id,
        expiresAt: issued.expiresAt,
      });
      await audit(db, principal, 'ingest_token.issue', `student:${userId}`, {
        jti: issued.jti,
        classId: found.id,
      });
      return reply
        .code(201)
        .send({ token: issued.token, jti: issued.jti, expiresAt: issued.expiresAt.toISOString() });
    },
  );

  app.get(
    '/classes/:id/ingest-tokens',
    {
      schema: {
        tags: ['identity'],
        summary: 'The ingest tokens issued for a class (ids and dates, never the tokens)',
        security,
        params: IdParams,
        response: { 200: Type.Array(IngestTokenSchema), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const found = await classForWrite(db, principalOf(request), request.params.id);
      const rows = await db
        .select({ token: ingestTokens, userId: students.userId })
        .from(ingestTokens)
        .leftJoin(students, eq(students.id, ingestTokens.studentId))
        .where(eq(ingestTokens.classId, found.id))
        .orderBy(desc(ingestTokens.createdAt))
        .limit(1000);
      return rows.map(({ token, userId }) => ({
        jti: token.jti,
        userId,
        classId: token.classId,
        createdAt: token.createdAt.toISOString(),
        expiresAt: token.expiresAt.toISOString(),
        revokedAt: token.revokedAt?.toISOString() ?? null,
      }));
    },
  );

  app.delete(
    '/ingest-tokens/:jti',
    {
      schema: {
        tags: ['identity'],
        summary: "Revoke an ingest token (the class's instructor, admins); idempotent",
        security,
        params: Type.Object({ jti: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireRole(principal, 'admin', 'instructor');
      const [row] = await db
        .select({ token: ingestTokens, instructorId: classes.instructorId })
        .from(ingestTokens)
        .leftJoin(classes, eq(classes.id, ingestTokens.classId))
        .where(eq(ingestTokens.jti, request.params.jti))
        .limit(1);
      if (!row) throw notFound('Ingest token', request.params.jti);
      const allowed =
        principal.role === 'admin' ||
        (row.instructorId !== null && canWriteClass(principal, { instructorId: row.instructorId }));
      if (!allowed) throw forbidden('Only the instructor of its class or an admin may revoke this token.');
      if (row.token.revokedAt === null) {
        await db
          .update(ingestTokens)
          .set({ revokedAt: new Date() })
          .where(eq(ingestTokens.jti, row.token.jti));
        await audit(db, principal, 'ingest_token.revoke', `ingest_token:${row.token.jti}`);
      }
      return reply.code(204).send(null);
    },
  );
};
