import { classes, type Database, studentClasses, students, users } from '@cellstream/db';
import { and, asc, count, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Principal } from '../auth/principal.js';
import type { StudentDto } from '../schemas/people.js';

/** A student with whether it has an account that can log in. */
const studentColumns = {
  id: students.id,
  userId: students.userId,
  displayName: students.displayName,
  createdAt: students.createdAt,
  passwordHash: users.passwordHash,
};

type StudentRow = {
  id: number;
  userId: string;
  displayName: string | null;
  createdAt: Date;
  passwordHash: string | null;
};

export function toStudentDto(row: StudentRow): StudentDto {
  return {
    userId: row.userId,
    displayName: row.displayName,
    hasLogin: row.passwordHash !== null,
    createdAt: row.createdAt.toISOString(),
  };
}

export async function findStudent(db: Database, userId: string): Promise<StudentRow | undefined> {
  const [row] = await db
    .select(studentColumns)
    .from(students)
    .leftJoin(users, and(eq(users.username, students.userId), eq(users.role, 'student')))
    .where(eq(students.userId, userId))
    .limit(1);
  return row;
}

export async function listStudents(
  db: Database,
  where: SQL | undefined,
  page: { skip: number; limit: number },
): Promise<{ items: StudentRow[]; total: number }> {
  const [items, [total]] = await Promise.all([
    db
      .select(studentColumns)
      .from(students)
      .leftJoin(users, and(eq(users.username, students.userId), eq(users.role, 'student')))
      .where(where)
      .orderBy(asc(students.userId))
      .offset(page.skip)
      .limit(page.limit),
    db.select({ n: count() }).from(students).where(where),
  ]);
  return { items, total: total?.n ?? 0 };
}

/** Students an instructor teaches (enrolled in one of its classes). */
export function taughtStudentsCondition(principal: Principal): SQL {
  return inArray(
    students.id,
    sql`(SELECT ${studentClasses.studentId} FROM ${studentClasses}
          JOIN ${classes} ON ${classes.id} = ${studentClasses.classId}
         WHERE ${classes.instructorId} = ${principal.id})`,
  );
}

/** Whether the caller may read this student's data: itself, an instructor of one of its classes, or an admin. */
export async function canReadStudent(
  db: Database,
  principal: Principal,
  studentId: number,
): Promise<boolean> {
  if (principal.role === 'admin') return true;
  if (principal.role === 'student') return principal.studentId === studentId;
  const [row] = await db
    .select({ n: count() })
    .from(students)
    .where(and(eq(students.id, studentId), taughtStudentsCondition(principal)));
  return (row?.n ?? 0) > 0;
}
