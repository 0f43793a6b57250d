import { type Class, classes, type Database, users } from '@cellstream/db';
import { and, eq, ne } from 'drizzle-orm';
import { conflict, referenceNotFound } from '../errors.js';

/** Refuses a class_code another class has (the unique constraint catches races; this phrases it well). */
export async function assertClassCodeFree(db: Database, classCode: string, exceptId?: number): Promise<void> {
  const [taken] = await db
    .select({ id: classes.id })
    .from(classes)
    .where(
      exceptId === undefined
        ? eq(classes.classCode, classCode)
        : and(eq(classes.classCode, classCode), ne(classes.id, exceptId)),
    )
    .limit(1);
  if (taken) throw conflict(`class_code ${JSON.stringify(classCode)} is taken by class ${taken.id}.`);
}

/** A class's instructor must be an enabled instructor (or admin) account. */
export async function assertInstructor(db: Database, userId: number): Promise<void> {
  const [user] = await db.select({ role: users.role }).from(users).where(eq(users.id, userId)).limit(1);
  if (!user || user.role === 'student') throw referenceNotFound('instructor_id', userId);
}

export async function findClass(db: Database, id: number): Promise<Class | undefined> {
  const [row] = await db.select().from(classes).where(eq(classes.id, id)).limit(1);
  return row;
}
