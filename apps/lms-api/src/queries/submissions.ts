import {
  assignmentExtensions,
  assignmentSubmissions,
  classAssignments,
  classes,
  type Database,
  students,
} from '@cellstream/db';
import { and, asc, count, eq, type SQL } from 'drizzle-orm';
import type { Tx } from '../notifications/outbox.js';
import type { SubmissionRow } from '../schemas/assignments.js';

/**
 * Submissions with what authorization and the answer need: the class, its instructor, the
 * student's userId, the assignment's title, maximum and due date, and the student's extension.
 */
function selectSubmissions(db: Database | Tx) {
  return db
    .select({
      submission: assignmentSubmissions,
      classId: classAssignments.classId,
      instructorId: classes.instructorId,
      userId: students.userId,
      assignmentTitle: classAssignments.title,
      maxScore: classAssignments.maxScore,
      assignmentDueAt: classAssignments.dueAt,
      extensionDueAt: assignmentExtensions.dueAt,
    })
    .from(assignmentSubmissions)
    .innerJoin(classAssignments, eq(classAssignments.id, assignmentSubmissions.assignmentId))
    .innerJoin(classes, eq(classes.id, classAssignments.classId))
    .innerJoin(students, eq(students.id, assignmentSubmissions.studentId))
    .leftJoin(
      assignmentExtensions,
      and(
        eq(assignmentExtensions.assignmentId, assignmentSubmissions.assignmentId),
        eq(assignmentExtensions.studentId, assignmentSubmissions.studentId),
      ),
    );
}

export async function findSubmission(db: Database | Tx, id: number): Promise<SubmissionRow | undefined> {
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
