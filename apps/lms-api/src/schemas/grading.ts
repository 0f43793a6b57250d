import type { AssignmentExtension } from '@cellstream/db';
import { type Static, Type } from 'typebox';
import { DateTime, Id, Nullable, UserId } from './common.js';

const Feedback = Nullable(
  Type.String({ maxLength: 100_000, description: 'Written feedback the student sees with the grade.' }),
);

export const GradeBodySchema = Type.Object(
  {
    score: Type.Number({
      minimum: 0,
      description: "0 to the assignment's max_score (422 LMS_SCORE_OUT_OF_RANGE above it).",
    }),
    feedback: Type.Optional(Feedback),
  },
  { additionalProperties: false },
);

export const ReturnBodySchema = Type.Object(
  { feedback: Type.Optional(Feedback) },
  { additionalProperties: false, description: 'Optional feedback saying what to change.' },
);

export const ExtensionSchema = Type.Object({
  id: Id,
  assignment_id: Id,
  student_id: Type.String({ description: "The student's userId." }),
  due_at: DateTime,
  reason: Type.String(),
  created_at: DateTime,
});
export type ExtensionDto = Static<typeof ExtensionSchema>;

export const ExtensionCreateSchema = Type.Object(
  {
    student_id: UserId,
    due_at: DateTime,
    reason: Type.Optional(Type.String({ maxLength: 2_000 })),
  },
  { additionalProperties: false },
);

export const ExtensionParams = Type.Object({ id: Id, studentId: UserId });

export function toExtensionDto(row: AssignmentExtension, userId: string): ExtensionDto {
  return {
    id: row.id,
    assignment_id: row.assignmentId,
    student_id: userId,
    due_at: row.dueAt.toISOString(),
    reason: row.reason,
    created_at: row.createdAt.toISOString(),
  };
}

export const MessageBodySchema = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    message: Type.String({ minLength: 1, maxLength: 10_000 }),
  },
  { additionalProperties: false },
);

export const MessageAnswerSchema = Type.Object({
  notification_id: Type.String({
    description: "The Notification's notificationId in learning.notifications.v1.",
  }),
  class_id: Id,
  title: Type.String(),
  message: Type.String(),
  created_at: DateTime,
});
