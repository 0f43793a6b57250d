import {
  assignmentSubmissions,
  auditLog,
  cellExecutions,
  classAssignments,
  classes,
  type Database,
  ingestTokens,
  notebookAccesses,
  notebooks,
  sessions,
  studentClasses,
  students,
  users,
} from '@cellstream/db';
import { firstValue, type InfluxQl } from '@cellstream/shared';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Principal } from '../auth/principal.js';
import { audit } from './audit.js';

/**
 * Privacy that schools ask for: everything stored about one student as JSON, the deletion of
 * all of it, and the retention sweep that deletes raw events older than a class allows, in
 * PostgreSQL and in InfluxDB alike. Each is recorded in `audit_log`.
 */
export async function exportStudent(db: Database, userId: string) {
  const [student] = await db.select().from(students).where(eq(students.userId, userId)).limit(1);
  if (!student) return undefined;
  const [account, enrollments, submissions, studentSessions, executions, accesses] = await Promise.all([
    db
      .select({
        username: users.username,
        role: users.role,
        displayName: users.displayName,
        createdAt: users.createdAt,
        disabled: users.disabled,
      })
      .from(users)
      .where(and(eq(users.username, userId), eq(users.role, 'student'))),
    db
      .select({
        classId: classes.id,
        name: classes.name,
        classCode: classes.classCode,
        enrolledAt: studentClasses.enrolledAt,
      })
      .from(studentClasses)
      .innerJoin(classes, eq(classes.id, studentClasses.classId))
      .where(eq(studentClasses.studentId, student.id)),
    db
      .select({
        submission: assignmentSubmissions,
        assignmentTitle: classAssignments.title,
        classId: classAssignments.classId,
      })
      .from(assignmentSubmissions)
      .innerJoin(classAssignments, eq(classAssignments.id, assignmentSubmissions.assignmentId))
      .where(eq(assignmentSubmissions.studentId, student.id)),
    db.select().from(sessions).where(eq(sessions.userId, userId)).orderBy(asc(sessions.id)),
    db
      .select({ execution: cellExecutions, notebookPath: notebooks.path })
      .from(cellExecutions)
      .leftJoin(notebooks, eq(notebooks.id, cellExecutions.notebookId))
      .where(eq(cellExecutions.userId, userId))
      .orderBy(asc(cellExecutions.eventTime), asc(cellExecutions.id)),
    db
      .select({ access: notebookAccesses, notebookPath: notebooks.path })
      .from(notebookAccesses)
      .innerJoin(notebooks, eq(notebooks.id, notebookAccesses.notebookId))
      .where(eq(notebookAccesses.userId, userId))
      .orderBy(asc(notebookAccesses.eventTime), asc(notebookAccesses.id)),
  ]);
  return {
    exportedAt: new Date().toISOString(),
    student: { userId: student.userId, displayName: student.displayName, createdAt: student.createdAt },
    account: account[0] ?? null,
    enrollments,
    submissions: submissions.map(({ submission, assignmentTitle, classId }) => ({
      ...submission,
      assignmentTitle,
      classId,
    })),
    sessions: studentSessions,
    cellExecutions: executions.map(({ execution, notebookPath }) => ({ ...execution, notebookPath })),
    notebookAccesses: accesses.map(({ access, notebookPath }) => ({ ...access, notebookPath })),
  };
}

export interface DeletionCounts {
  cellExecutions: number;
  notebookAccesses: number;
  sessions: number;
  submissions: number;
  enrollments: number;
  ingestTokensRevoked: number;
  account: number;
  /** Its `student_progress` points in InfluxDB. */
  influxPoints: number;
}

/**
 * Deletes a student and everything stored under it in one transaction: its events (by the
 * foreign keys' cascade), enrollments, submissions and account, and its points in InfluxDB.
 * Its ingest tokens are revoked, not deleted, so ingest keeps refusing them until they expire.
 *
 * The points go first, inside the transaction: if InfluxDB does not answer, nothing is deleted
 * (503, retry later); if PostgreSQL fails after, the retry finds the student and deletes again.
 * `class_activity` names no student, so the class's counts keep their share.
 */
export async function deleteStudent(
  db: Database,
  influx: InfluxQl,
  principal: Principal,
  userId: string,
): Promise<DeletionCounts | undefined> {
  return db.transaction(async (tx) => {
    const [student] = await tx.select().from(students).where(eq(students.userId, userId)).for('update');
    if (!student) return undefined;
    const countOf = async (table: string, column: string, value: string | number) => {
      const result = await tx.execute<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)} WHERE ${sql.identifier(column)} = ${value}`,
      );
      return result.rows[0]?.n ?? 0;
    };
    const counts: DeletionCounts = {
      cellExecutions: await countOf('cell_executions', 'user_id', userId),
      notebookAccesses: await countOf('notebook_accesses', 'user_id', userId),
      sessions: await countOf('sessions', 'user_id', userId),
      submissions: await countOf('assignment_submissions', 'student_id', student.id),
      enrollments: await countOf('student_classes', 'student_id', student.id),
      ingestTokensRevoked: 0,
      account: 0,
      influxPoints: firstValue(
        await influx.run(
          `SELECT count("eventId") FROM ${influx.from('student_progress')} WHERE "userId" = $userId`,
          { userId },
        ),
      ),
    };
    await influx.run(`DELETE FROM "student_progress" WHERE "userId" = $userId`, { userId });
    const revoked = await tx
      .update(ingestTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(ingestTokens.studentId, student.id), isNull(ingestTokens.revokedAt)))
      .returning({ jti: ingestTokens.jti });
    counts.ingestTokensRevoked = revoked.length;
    await tx.delete(students).where(eq(students.id, student.id));
    const accounts = await tx
      .delete(users)
      .where(and(eq(users.username, userId), eq(users.role, 'student')))
      .returning({ id: users.id });
    counts.account = accounts.length;
    await audit(tx, principal, 'student.delete', `student:${userId}`, { ...counts });
    return counts;
  });
}

export interface RetentionResult {
  classId: number;
  deletedExecutions: number;
  deletedAccesses: number;
  clearedCode: number;
  clearedOutputs: number;
  /** `student_progress` points deleted from InfluxDB (with the class's activity points and counts of that time). */
  deletedPoints: number;
}

/**
 * Applies each class's privacy settings to what is already stored: deletes raw events older
 * than `retention_days`, and clears code / outputs stored before `store_code` /
 * `store_outputs` was turned off (the persister stops storing them from then on).
 */
export async function applyRetention(
  db: Database,
  influx: InfluxQl,
  now = new Date(),
): Promise<RetentionResult[]> {
  const policies = await db
    .select({
      id: classes.id,
      retentionDays: classes.retentionDays,
      storeCode: classes.storeCode,
      storeOutputs: classes.storeOutputs,
    })
    .from(classes)
    .where(
      sql`${classes.retentionDays} IS NOT NULL OR NOT ${classes.storeCode} OR NOT ${classes.storeOutputs}`,
    );
  const results: RetentionResult[] = [];
  for (const policy of policies) {
    const classId = String(policy.id);
    const result: RetentionResult = {
      classId: policy.id,
      deletedExecutions: 0,
      deletedAccesses: 0,
      clearedCode: 0,
      clearedOutputs: 0,
      deletedPoints: 0,
    };
    if (policy.retentionDays !== null) {
      const cutoff = new Date(now.getTime() - policy.retentionDays * 86_400_000);
      // InfluxDB first: a failure leaves both stores as they were, for the next sweep. Its cutoff
      // is the minute's start, so that the per-minute counts and the points they count agree.
      const older = `"classId" = $classId AND time < ${Math.floor(cutoff.getTime() / 60_000) * 60_000}ms`;
      result.deletedPoints = firstValue(
        await influx.run(`SELECT count("eventId") FROM ${influx.from('student_progress')} WHERE ${older}`, {
          classId,
        }),
      );
      // Every time, not only when student_progress had some: a deleted student's class_activity
      // points outlive its own.
      for (const measurement of ['student_progress', 'class_activity', 'class_activity_1m']) {
        await influx.run(`DELETE FROM "${measurement}" WHERE ${older}`, { classId });
      }
      const executions = await db.execute(
        sql`DELETE FROM ${cellExecutions} WHERE ${cellExecutions.classId} = ${classId} AND ${cellExecutions.eventTime} < ${cutoff}`,
      );
      const accesses = await db.execute(
        sql`DELETE FROM ${notebookAccesses} WHERE ${notebookAccesses.classId} = ${classId} AND ${notebookAccesses.eventTime} < ${cutoff}`,
      );
      result.deletedExecutions = executions.rowCount ?? 0;
      result.deletedAccesses = accesses.rowCount ?? 0;
    }
    if (!policy.storeCode) {
      const cleared = await db.execute(
        sql`UPDATE ${cellExecutions} SET code = NULL WHERE ${cellExecutions.classId} = ${classId} AND ${cellExecutions.code} IS NOT NULL`,
      );
      result.clearedCode = cleared.rowCount ?? 0;
    }
    if (!policy.storeOutputs) {
      const cleared = await db.execute(
        sql`UPDATE ${cellExecutions} SET result = NULL, error_message = NULL
             WHERE ${cellExecutions.classId} = ${classId}
               AND (${cellExecutions.result} IS NOT NULL OR ${cellExecutions.errorMessage} IS NOT NULL)`,
      );
      result.clearedOutputs = cleared.rowCount ?? 0;
    }
    const changed =
      result.deletedExecutions +
      result.deletedAccesses +
      result.clearedCode +
      result.clearedOutputs +
      result.deletedPoints;
    if (changed > 0) {
      await db.insert(auditLog).values({
        actor: null,
        action: 'class.retention',
        target: `class:${policy.id}`,
        details: { ...result },
      });
      results.push(result);
    }
  }
  return results;
}
