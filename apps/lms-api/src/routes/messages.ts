import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { classForWrite } from '../auth/access.js';
import { principalOf } from '../auth/principal.js';
import type { RouteOptions } from '../context.js';
import { enqueueNotification } from '../notifications/outbox.js';
import { errorResponses, IdParams, security } from '../schemas/common.js';
import { MessageAnswerSchema, MessageBodySchema } from '../schemas/grading.js';

/**
 * System messages: the class's instructor or an admin writes to every student of the class. The
 * message goes to learning.notifications.v1 as a `system_message` (userId null) through the
 * outbox; 202 means it is stored and will be published, not that students have read it.
 */
export const messageRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  app.addHook('onRequest', ctx.authenticate);
  const { db } = ctx;

  app.post(
    '/classes/:id/messages',
    {
      schema: {
        tags: ['grading'],
        summary: 'Send a system message to every student of the class',
        security,
        params: IdParams,
        body: MessageBodySchema,
        response: { 202: MessageAnswerSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const found = await classForWrite(db, principal, request.params.id);
      const { title, message } = request.body;
      const notification = await db.transaction((tx) =>
        enqueueNotification(tx, {
          kind: 'system_message',
          classId: String(found.id),
          userId: null,
          senderId: principal.username,
          title,
          message,
          assignmentId: null,
          submissionId: null,
          score: null,
          maxScore: null,
        }),
      );
      return reply.code(202).send({
        notification_id: notification.notificationId,
        class_id: found.id,
        title,
        message,
        created_at: new Date(notification.createdAt).toISOString(),
      });
    },
  );
};
