import { assignmentSubmissions, type Database } from '@cellstream/db';
import { eq } from 'drizzle-orm';
import type { Principal } from '../auth/principal.js';
import { LmsError, notFound } from '../errors.js';
import { enqueueNotification, type Tx } from '../notifications/outbox.js';
import { findSubmission } from '../queries/submissions.js';
import type { SubmissionRow } from '../schemas/assignments.js';

/**
 * Grading: each change of a submission's grade or state and the Notification announcing it are
 * written in one transaction (the outbox), so a student is told about exactly the grades that
 * exist. Callers check permissions first.
 */

export interface Grade {
  score: number;
  /** Null clears the feedback; undefined keeps it. */
  feedback?: string | null;
}

/** 0 ≤ score ≤ max_score (no upper bound when the assignment has no max_score). */
export function checkScore(score: number, maxScore: number | null): void {
  if (score < 0 || (maxScore !== null && score > maxScore)) {
    throw new LmsError(
      'LMS_SCORE_OUT_OF_RANGE',
      maxScore === null
        ? `score ${score} is below 0.`
        : `score ${score} is outside 0..${maxScore}, the assignment's max_score.`,
      { context: { score, maxScore } },
    );
  }
}

const formatScore = (score: number) => String(Math.round(score * 100) / 100);

/** Gives or changes the grade: status graded, and an `assignment_graded` notification for the student. */
export async function gradeSubmission(
  db: Database,
  row: SubmissionRow,
  principal: Principal,
  grade: Grade,
): Promise<SubmissionRow> {
  checkScore(grade.score, row.maxScore);
  return db.transaction(async (tx) => {
    await tx
      .update(assignmentSubmissions)
      .set({
        status: 'graded',
        score: grade.score,
        ...(grade.feedback === undefined ? {} : { feedback: grade.feedback }),
        gradedAt: new Date(),
        gradedBy: principal.id,
      })
      .where(eq(assignmentSubmissions.id, row.submission.id));
    const updated = await reload(tx, row.submission.id);
    const outOf = updated.maxScore === null ? '' : ` / ${formatScore(updated.maxScore)}`;
    await enqueueNotification(tx, {
      kind: 'assignment_graded',
      classId: String(updated.classId),
      userId: updated.userId,
      senderId: principal.username,
      title: `${updated.assignmentTitle} graded: ${formatScore(grade.score)}${outOf}`,
      message: updated.submission.feedback ?? '',
      assignmentId: String(updated.submission.assignmentId),
      submissionId: String(updated.submission.id),
      score: grade.score,
      maxScore: updated.maxScore,
    });
    return updated;
  });
}

/**
 * Returns the submission for another attempt: status returned (the student may change and
 * resubmit it), and an `assignment_returned` notification. A submission already returned and
 * not resubmitted since is a 409.
 */
export async function returnSubmission(
  db: Database,
  row: SubmissionRow,
  principal: Principal,
  feedback: string | null | undefined,
): Promise<SubmissionRow> {
  if (row.submission.status === 'returned') {
    throw new LmsError(
      'LMS_SUBMISSION_STATE',
      `Submission ${row.submission.id} is already returned; the student has not resubmitted it yet.`,
    );
  }
  return db.transaction(async (tx) => {
    await tx
      .update(assignmentSubmissions)
      .set({ status: 'returned', returnedAt: new Date(), ...(feedback === undefined ? {} : { feedback }) })
      .where(eq(assignmentSubmissions.id, row.submission.id));
    const updated = await reload(tx, row.submission.id);
    await enqueueNotification(tx, {
      kind: 'assignment_returned',
      classId: String(updated.classId),
      userId: updated.userId,
      senderId: principal.username,
      title: `${updated.assignmentTitle} returned for another attempt`,
      message: updated.submission.feedback ?? '',
      assignmentId: String(updated.submission.assignmentId),
      submissionId: String(updated.submission.id),
      score: null,
      maxScore: null,
    });
    return updated;
  });
}

async function reload(tx: Tx, id: number): Promise<SubmissionRow> {
  const row = await findSubmission(tx, id);
  if (!row) throw notFound('Submission', id);
  return row;
}
