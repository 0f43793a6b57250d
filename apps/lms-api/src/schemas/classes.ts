import type { Class } from '@cellstream/db';
import { type Static, Type } from 'typebox';
import { DateTime, Id, Nullable } from './common.js';

const classFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  class_code: Type.String({
    minLength: 1,
    maxLength: 64,
    pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
    description: 'Unique among all classes.',
  }),
  description: Type.String({ maxLength: 10_000 }),
  instructor_id: Type.Integer({
    minimum: 1,
    maximum: 2_147_483_647,
    description: "The instructor's user id; only admins may set it (an instructor's own classes are theirs).",
  }),
  store_code: Type.Boolean({ description: 'Whether the code of executed cells is stored (privacy).' }),
  store_outputs: Type.Boolean({ description: 'Whether results and error messages are stored (privacy).' }),
  retention_days: Nullable(
    Type.Integer({
      minimum: 1,
      maximum: 3650,
      description: 'Raw events older than this are deleted; null keeps them.',
    }),
  ),
};

export const ClassSchema = Type.Object({
  id: Id,
  ...classFields,
  created_at: DateTime,
  updated_at: DateTime,
});
export type ClassDto = Static<typeof ClassSchema>;

export const ClassCreateSchema = Type.Object(
  {
    name: classFields.name,
    class_code: classFields.class_code,
    description: Type.Optional(classFields.description),
    instructor_id: Type.Optional(classFields.instructor_id),
    store_code: Type.Optional(classFields.store_code),
    store_outputs: Type.Optional(classFields.store_outputs),
    retention_days: Type.Optional(classFields.retention_days),
  },
  { additionalProperties: false },
);

export const ClassUpdateSchema = Type.Partial(ClassCreateSchema, { additionalProperties: false });

export const ClassListQuery = Type.Object({
  instructor_id: Type.Optional(Id),
});

export function toClassDto(row: Class): ClassDto {
  return {
    id: row.id,
    name: row.name,
    class_code: row.classCode,
    description: row.description,
    instructor_id: row.instructorId,
    store_code: row.storeCode,
    store_outputs: row.storeOutputs,
    retention_days: row.retentionDays,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
