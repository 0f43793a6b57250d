import { type Class, classes, type Database, studentClasses } from '@cellstream/db';
import { and, type Column, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { forbidden, notFound } from '../errors.js';
import type { Principal } from './principal.js';

/**
 * Who may see and change a class: admins every class, instructors the classes they teach,
 * students (read only) the classes they are enrolled in. Everything that hangs off a class
 * (enrollments, assignments, submissions, progress) is checked through it.
 */
export async function classForRead(db: Database, principal: Principal, classId: number): Promise<Class> {
  const found = await findClassOr404(db, classId);
  if (principal.role === 'admin') return found;
  if (principal.role === 'instructor' && found.instructorId === principal.id) return found;
  if (principal.role === 'student' && (await isEnrolled(db, principal.studentId, classId))) return found;
  throw forbidden(`You may not see class ${classId}.`);
}

export async function classForWrite(db: Database, principal: Principal, classId: number): Promise<Class> {
  const found = await findClassOr404(db, classId);
  if (principal.role === 'admin') return found;
  if (principal.role === 'instructor' && found.instructorId === principal.id) return found;
  throw forbidden(`You may not change class ${classId}: only its instructor or an admin may.`);
}

/** Whether the caller may change a class already loaded (an assignment's or submission's class). */
export function canWriteClass(principal: Principal, found: Pick<Class, 'instructorId'>): boolean {
  return (
    principal.role === 'admin' || (principal.role === 'instructor' && found.instructorId === principal.id)
  );
}

async function findClassOr404(db: Database, classId: number): Promise<Class> {
  const [found] = await db.select().from(classes).where(eq(classes.id, classId)).limit(1);
  if (!found) throw notFound('Class', classId);
  return found;
}

export async function isEnrolled(db: Database, studentId: number | null, classId: number): Promise<boolean> {
  if (studentId === null) return false;
  const rows = await db
    .select({ classId: studentClasses.classId })
    .from(studentClasses)
    .where(and(eq(studentClasses.studentId, studentId), eq(studentClasses.classId, classId)))
    .limit(1);
  return rows.length > 0;
}

/**
 * A condition on a class id column limiting rows to the caller's classes, or undefined for an
 * admin (every class).
 */
export function visibleClassCondition(principal: Principal, classIdColumn: Column): SQL | undefined {
  if (principal.role === 'admin') return undefined;
  if (principal.role === 'instructor') {
    return inArray(
      classIdColumn,
      sql`(SELECT ${classes.id} FROM ${classes} WHERE ${classes.instructorId} = ${principal.id})`,
    );
  }
  return inArray(
    classIdColumn,
    sql`(SELECT ${studentClasses.classId} FROM ${studentClasses} WHERE ${studentClasses.studentId} = ${principal.studentId ?? -1})`,
  );
}

/** The class ids a token carries: taught classes for an instructor, enrolled ones for a student, none for an admin. */
export async function tokenClassIds(db: Database, principal: Principal): Promise<string[]> {
  if (principal.role === 'admin') return [];
  const rows =
    principal.role === 'instructor'
      ? await db.select({ id: classes.id }).from(classes).where(eq(classes.instructorId, principal.id))
      : await db
          .select({ id: studentClasses.classId })
          .from(studentClasses)
          .where(eq(studentClasses.studentId, principal.studentId ?? -1));
  return rows.map((row) => String(row.id)).sort((a, b) => Number(a) - Number(b));
}
