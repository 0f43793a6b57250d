import type { User } from '@cellstream/db';
import { type Static, Type } from 'typebox';
import { DateTime, Id, Nullable, UserId } from './common.js';

export const Role = Type.Union([Type.Literal('admin'), Type.Literal('instructor'), Type.Literal('student')]);

const Password = Type.String({ minLength: 8, maxLength: 1024, description: 'At least 8 characters.' });
const DisplayName = Type.String({ minLength: 1, maxLength: 200 });

export const UserSchema = Type.Object({
  id: Id,
  username: Type.String(),
  role: Role,
  displayName: Type.String(),
  disabled: Type.Boolean(),
  createdAt: DateTime,
});
export type UserDto = Static<typeof UserSchema>;

export const UserCreateSchema = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._@+-]*$' }),
    password: Password,
    role: Type.Union([Type.Literal('admin'), Type.Literal('instructor')], {
      description: 'Students are created with `POST /students`.',
    }),
    displayName: DisplayName,
  },
  { additionalProperties: false },
);

export const UserUpdateSchema = Type.Object(
  {
    displayName: Type.Optional(DisplayName),
    password: Type.Optional(Password),
    disabled: Type.Optional(
      Type.Boolean({ description: 'A disabled account cannot log in; its tokens stop working.' }),
    ),
  },
  { additionalProperties: false },
);

export const UserListQuery = Type.Object({ role: Type.Optional(Role) });

export function toUserDto(row: User): UserDto {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    displayName: row.displayName,
    disabled: row.disabled,
    createdAt: row.createdAt.toISOString(),
  };
}

export const StudentSchema = Type.Object({
  userId: UserId,
  displayName: Nullable(Type.String()),
  hasLogin: Type.Boolean({
    description: 'Whether the student can log in (it has an account with a password).',
  }),
  createdAt: DateTime,
});
export type StudentDto = Static<typeof StudentSchema>;

export const StudentDetailSchema = Type.Object({
  ...StudentSchema.properties,
  classes: Type.Array(Type.Object({ id: Id, name: Type.String(), class_code: Type.String() })),
});

export const StudentCreateSchema = Type.Object(
  {
    userId: UserId,
    displayName: DisplayName,
    password: Type.Optional(
      Type.String({
        minLength: 8,
        maxLength: 1024,
        description: 'Omit for a student who never logs in (JupyterHub provisioning with ingest tokens).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const StudentListQuery = Type.Object({
  class_id: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 2_147_483_647,
      description: 'Only students enrolled in this class.',
    }),
  ),
});

export const UserIdParams = Type.Object({ userId: UserId });

export const EnrollmentSchema = Type.Object({
  classId: Id,
  userId: UserId,
  enrolledAt: DateTime,
});

export const EnrollSchema = Type.Object({ userId: UserId }, { additionalProperties: false });
