import type { AssignmentSubmission, ClassAssignment } from '@cellstream/db';
import { type Static, Type } from 'typebox';
import { DateTime, Id, Nullable, UserId, userIdOptions } from './common.js';

const assignmentFields = {
  class_id: Id,
  title: Type.String({ minLength: 1, maxLength: 300 }),
  description: Type.String({ maxLength: 20_000 }),
  notebook_path: Nullable(
    Type.String({ minLength: 1, maxLength: 1024, description: 'The notebook students work in.' }),
  ),
  due_at: Nullable(DateTime),
  max_score: Nullable(Type.Number({ minimum: 0 })),
};

export const AssignmentSchema = Type.Object({
  id: Id,
  ...assignmentFields,
  created_at: DateTime,
  updated_at: DateTime,
});
export type AssignmentDto = Static<typeof AssignmentSchema>;

export const AssignmentCreateSchema = Type.Object(
  {
    class_id: assignmentFields.class_id,
    title: assignmentFields.title,
    description: Type.Optional(assignmentFields.description),
    notebook_path: Type.Optional(assignmentFields.notebook_path),
    due_at: Type.Optional(assignmentFields.due_at),
    max_score: Type.Optional(assignmentFields.max_score),
  },
  { additionalProperties: false },
);

export const AssignmentUpdateSchema = Type.Partial(AssignmentCreateSchema, { additionalProperties: false });

export const AssignmentListQuery = Type.Object({ class_id: Type.Optional(Id) });

export function toAssignmentDto(row: ClassAssignment): AssignmentDto {
  return {
    id: row.id,
    class_id: row.classId,
    title: row.title,
    description: row.description,
    notebook_path: row.notebookPath,
    due_at: row.dueAt?.toISOString() ?? null,
    max_score: row.maxScore,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export const SubmissionStatus = Type.Union([
  Type.Literal('submitted'),
  Type.Literal('graded'),
  Type.Literal('returned'),
]);

export const SubmissionSchema = Type.Object({
  id: Id,
  assignment_id: Id,
  class_id: Id,
  student_id: Type.String({ description: "The student's userId." }),
  submitted_at: DateTime,
  content: Nullable(Type.String()),
  notebook_ref: Nullable(Type.String()),
  status: SubmissionStatus,
  score: Nullable(Type.Number()),
  max_score: Nullable(Type.Number({ description: "The assignment's maximum score." })),
  feedback: Nullable(Type.String()),
  graded_at: Nullable(DateTime),
  returned_at: Nullable(DateTime),
  due_at: Nullable(
    Type.String({
      format: 'date-time',
      description: "The effective due date: the student's extension if it has one, else the assignment's.",
    }),
  ),
  extended: Type.Boolean({ description: 'Whether the student has an extension for this assignment.' }),
  late: Type.Boolean({ description: 'Whether it was (last) submitted after the effective due date.' }),
  created_at: DateTime,
  updated_at: DateTime,
});
export type SubmissionDto = Static<typeof SubmissionSchema>;

const Content = Nullable(Type.String({ maxLength: 1_000_000, description: 'The answer as text.' }));
const NotebookRef = Nullable(
  Type.String({ maxLength: 2048, description: 'Where the submitted notebook snapshot is (path or URL).' }),
);

export const SubmissionCreateSchema = Type.Object(
  {
    assignment_id: Id,
    student_id: Type.Optional(
      Type.String({
        ...userIdOptions,
        description: "The student's userId; students may omit it (they submit for themselves).",
      }),
    ),
    content: Type.Optional(Content),
    notebook_ref: Type.Optional(NotebookRef),
  },
  { additionalProperties: false },
);

export const SubmissionUpdateSchema = Type.Object(
  {
    content: Type.Optional(Content),
    notebook_ref: Type.Optional(NotebookRef),
    status: Type.Optional(SubmissionStatus),
    score: Type.Optional(Nullable(Type.Number({ minimum: 0 }))),
    feedback: Type.Optional(Nullable(Type.String({ maxLength: 100_000 }))),
  },
  {
    additionalProperties: false,
    description: 'Students may change content and notebook_ref while ungraded; instructors every field.',
  },
);

export const SubmissionListQuery = Type.Object({
  class_id: Type.Optional(Id),
  assignment_id: Type.Optional(Id),
  student_id: Type.Optional(UserId),
});

export interface SubmissionRow {
  submission: AssignmentSubmission;
  classId: number;
  instructorId: number;
  userId: string;
  assignmentTitle: string;
  maxScore: number | null;
  assignmentDueAt: Date | null;
  /** The student's extension of this assignment, if any. */
  extensionDueAt: Date | null;
}

/** The due date a submission is judged against: the student's extension, else the assignment's. */
export function effectiveDueAt(row: Pick<SubmissionRow, 'assignmentDueAt' | 'extensionDueAt'>): Date | null {
  return row.extensionDueAt ?? row.assignmentDueAt;
}

export function toSubmissionDto(row: SubmissionRow): SubmissionDto {
  const { submission, classId, userId } = row;
  const dueAt = effectiveDueAt(row);
  return {
    id: submission.id,
    assignment_id: submission.assignmentId,
    class_id: classId,
    student_id: userId,
    submitted_at: submission.submittedAt.toISOString(),
    content: submission.content,
    notebook_ref: submission.notebookRef,
    status: submission.status,
    score: submission.score,
    max_score: row.maxScore,
    feedback: submission.feedback,
    graded_at: submission.gradedAt?.toISOString() ?? null,
    returned_at: submission.returnedAt?.toISOString() ?? null,
    due_at: dueAt?.toISOString() ?? null,
    extended: row.extensionDueAt !== null,
    late: dueAt !== null && submission.submittedAt.getTime() > dueAt.getTime(),
    created_at: submission.createdAt.toISOString(),
    updated_at: submission.updatedAt.toISOString(),
  };
}
