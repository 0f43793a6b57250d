import { classAssignments, classes, type Database, studentClasses, students, users } from '@cellstream/db';
import { and, eq } from 'drizzle-orm';
import { hashPassword } from './auth/password.js';

/**
 * The demo of `npm start` (SEED_DEMO=true): instructor `demo-instructor` (password
 * `demo-instructor`), class `Intro to Python` (PY101), students `demo-student-01..08` (password =
 * userId) enrolled in it, and one assignment. Idempotent: running it again changes nothing, and
 * it never resets a password changed since. Local demos only.
 */
export const DEMO = {
  instructor: 'demo-instructor',
  classCode: 'PY101',
  className: 'Intro to Python',
  students: Array.from({ length: 8 }, (_, i) => `demo-student-${String(i + 1).padStart(2, '0')}`),
  assignmentTitle: 'Lists and loops',
} as const;

export interface SeedResult {
  classId: number;
  instructorId: number;
  students: string[];
}

export async function seedDemo(db: Database): Promise<SeedResult> {
  const instructorId = await ensureUser(db, DEMO.instructor, 'instructor', 'Demo Instructor');
  await db
    .insert(classes)
    .values({
      name: DEMO.className,
      classCode: DEMO.classCode,
      description: 'Demo class created by SEED_DEMO.',
      instructorId,
    })
    .onConflictDoNothing({ target: classes.classCode });
  const [demoClass] = await db.select().from(classes).where(eq(classes.classCode, DEMO.classCode));
  if (!demoClass) throw new Error('demo class missing after insert');

  for (const [index, userId] of DEMO.students.entries()) {
    const displayName = `Demo Student ${index + 1}`;
    await ensureUser(db, userId, 'student', displayName);
    await db
      .insert(students)
      .values({ userId, displayName })
      .onConflictDoNothing({ target: students.userId });
    const [student] = await db.select({ id: students.id }).from(students).where(eq(students.userId, userId));
    if (!student) throw new Error(`demo student ${userId} missing after insert`);
    await db
      .insert(studentClasses)
      .values({ studentId: student.id, classId: demoClass.id })
      .onConflictDoNothing();
  }

  const [assignment] = await db
    .select({ id: classAssignments.id })
    .from(classAssignments)
    .where(and(eq(classAssignments.classId, demoClass.id), eq(classAssignments.title, DEMO.assignmentTitle)));
  if (!assignment) {
    await db.insert(classAssignments).values({
      classId: demoClass.id,
      title: DEMO.assignmentTitle,
      description: 'Write a loop that sums a list, then a list comprehension that squares it.',
      notebookPath: 'lists-and-loops.ipynb',
      maxScore: 10,
    });
  }
  return { classId: demoClass.id, instructorId, students: [...DEMO.students] };
}

/** Creates the account with password = username unless it exists; answers its id. */
async function ensureUser(
  db: Database,
  username: string,
  role: 'instructor' | 'student',
  displayName: string,
): Promise<number> {
  const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.username, username));
  if (existing) return existing.id;
  await db
    .insert(users)
    .values({ username, passwordHash: await hashPassword(username), role, displayName })
    .onConflictDoNothing({ target: users.username });
  const [created] = await db.select({ id: users.id }).from(users).where(eq(users.username, username));
  if (!created) throw new Error(`user ${username} missing after insert`);
  return created.id;
}
