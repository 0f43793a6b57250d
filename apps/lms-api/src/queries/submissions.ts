import { assignmentSubmissions, classAssignments, classes, type Database, students } from '@cellstream/db';
import { asc, count, eq, type SQL } from 'drizzle-orm';
import type { SubmissionRow } from '../schemas/assignments.js';

/** Submissions with what authorization and the answer need: the class, its instructor, the student's userId. */
function selectSubmissions(db: Database) {
  return db
    .select({
      submission: assignmentSubmissions,
      classId: classAssignments.classId,
      instructorId: classes.instructorId,
      userId: students.userId,
    })
    .from(assignmentSubmissions)
    .innerJoin(classAssignments, eq(classAssignments.id, assignmentSubmissions.assignmentId))
    .innerJoin(classes, eq(classes.id, classAssignments.classId))
    .innerJoin(students, eq(students.id, assignmentSubmissions.studentId));
}

export async function findSubmission(db: Database, id: number): Promise<SubmissionRow | undefined> {
  const [row] = await selectSubmissions(db).where(eq(assignmentSubmissions.id, id)).limit(1);
  return row;
}

export async function listSubmissions(
  db: Database,
  where: SQL | undefined,
  page: { skip: number; limit: number },
): Promise<{ items: SubmissionRow[]; total: number }> {
  const [items, [total]] = await Promise.all([
    selectSubmissions(db)
      .where(where)
      .orderBy(asc(assignmentSubmissions.id))
      .offset(page.skip)
      .limit(page.limit),
    db
      .select({ n: count() })
      .from(assignmentSubmissions)
      .innerJoin(classAssignments, eq(classAssignments.id, assignmentSubmissions.assignmentId))
      .innerJoin(students, eq(students.id, assignmentSubmissions.studentId))
      .where(where),
  ]);
  return { items, total: total?.n ?? 0 };
}
