import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';

/**
 * The PostgreSQL schema of CONTRACT.md ("Storage"), shared by lms-api and the persister. It is
 * the single source of truth: migrations in `../drizzle` are generated from it with
 * `npx drizzle-kit generate`, never written by hand, except what drizzle cannot express
 * (triggers and their functions), which lives in migrations made with `--custom`.
 *
 * Two kinds of table live here:
 * - LMS tables (users, classes, enrollments, assignments, submissions, auth) written by lms-api,
 *   with integer ids and foreign keys throughout;
 * - event tables (notebooks, cells, sessions, cell_executions, notebook_accesses) written by
 *   the persister from `learning.events.v1`. They keep the event's identifiers as they arrive:
 *   `user_id` is the external userId (a foreign key to `students.user_id`, so the persister
 *   upserts the student first and deleting a student deletes its events) and `class_id` is the
 *   event's classId string (lms-api's class id as a string). `class_id` has no foreign key on
 *   purpose: an event never fails to be stored because its class was deleted in the meantime.
 */

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());

/**
 * `user_id` of the event and progress tables: the event's external userId, a key of `students`
 * (deleting a student deletes its rows; renaming it follows).
 */
const studentUserId = () =>
  text('user_id')
    .notNull()
    .references(() => students.userId, { onDelete: 'cascade', onUpdate: 'cascade' });
/** A notebook the row belongs to (deleted with it). */
const notebookIdOf = () =>
  integer('notebook_id')
    .notNull()
    .references(() => notebooks.id, { onDelete: 'cascade' });

export const userRole = pgEnum('user_role', ['admin', 'instructor', 'student']);
export const submissionStatus = pgEnum('submission_status', ['submitted', 'graded', 'returned']);
export const notebookAccessAction = pgEnum('notebook_access_action', ['open', 'save', 'close']);

// ---------------------------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------------------------

/** Accounts that can log in. A student's `username` is its external userId (`students.user_id`). */
export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  username: text('username').notNull().unique(),
  /** `scrypt$N$r$p$salt$hash`; null for a student provisioned without a password (ingest tokens only). */
  passwordHash: text('password_hash'),
  role: userRole('role').notNull(),
  displayName: text('display_name').notNull(),
  createdAt: createdAt(),
  disabled: boolean('disabled').notNull().default(false),
});

/**
 * Everyone whose events Cellstream stores, keyed by the events' `userId`. lms-api creates a row
 * with the student's account; the persister creates one on a student's first event if none
 * exists (then `display_name` is null until lms-api names it).
 */
export const students = pgTable('students', {
  id: serial('id').primaryKey(),
  userId: text('user_id').notNull().unique(),
  displayName: text('display_name'),
  createdAt: createdAt(),
});

/** Public/private JWK pairs lms-api signs tokens with; retired keys stay published until their tokens expire. */
export const signingKeys = pgTable('signing_keys', {
  kid: text('kid').primaryKey(),
  algorithm: text('algorithm').notNull(),
  privateJwk: jsonb('private_jwk').notNull(),
  publicJwk: jsonb('public_jwk').notNull(),
  createdAt: createdAt(),
  retiredAt: timestamp('retired_at', { withTimezone: true }),
});

/**
 * Fixed-window request counters shared by every lms-api instance (login attempts per client
 * address): a limit per deployment, not per instance. `key` names the route and the client.
 */
export const rateLimitWindows = pgTable(
  'rate_limit_windows',
  {
    key: text('key').primaryKey(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    hits: integer('hits').notNull(),
  },
  (table) => [index('rate_limit_windows_started_idx').on(table.startedAt)],
);

// ---------------------------------------------------------------------------------------------
// LMS
// ---------------------------------------------------------------------------------------------

/** A class; its `classId` in events and tokens is `id` as a string. */
export const classes = pgTable(
  'classes',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    classCode: text('class_code').notNull().unique(),
    description: text('description').notNull().default(''),
    instructorId: integer('instructor_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    /** Whether the persister keeps the code of executed cells (false: stored as null). */
    storeCode: boolean('store_code').notNull().default(true),
    /** Whether the persister keeps results and error messages (false: stored as null). */
    storeOutputs: boolean('store_outputs').notNull().default(true),
    /** Raw events older than this many days are deleted; null keeps them. */
    retentionDays: integer('retention_days'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('classes_instructor_idx').on(table.instructorId),
    check(
      'classes_retention_days_positive',
      sql`${table.retentionDays} IS NULL OR ${table.retentionDays} > 0`,
    ),
  ],
);

/** Enrollments. */
export const studentClasses = pgTable(
  'student_classes',
  {
    studentId: integer('student_id')
      .notNull()
      .references(() => students.id, { onDelete: 'cascade' }),
    classId: integer('class_id')
      .notNull()
      .references(() => classes.id, { onDelete: 'cascade' }),
    enrolledAt: timestamp('enrolled_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: 'student_classes_pkey', columns: [table.studentId, table.classId] }),
    index('student_classes_class_idx').on(table.classId),
  ],
);

export const classAssignments = pgTable(
  'class_assignments',
  {
    id: serial('id').primaryKey(),
    classId: integer('class_id')
      .notNull()
      .references(() => classes.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    notebookPath: text('notebook_path'),
    dueAt: timestamp('due_at', { withTimezone: true }),
    maxScore: doublePrecision('max_score'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [index('class_assignments_class_idx').on(table.classId)],
);

/** One submission per student and assignment; resubmitting updates it. */
export const assignmentSubmissions = pgTable(
  'assignment_submissions',
  {
    id: serial('id').primaryKey(),
    assignmentId: integer('assignment_id')
      .notNull()
      .references(() => classAssignments.id, { onDelete: 'cascade' }),
    studentId: integer('student_id')
      .notNull()
      .references(() => students.id, { onDelete: 'cascade' }),
    submittedAt: timestamp('submitted_at', { withTimezone: true }).notNull().defaultNow(),
    /** The submitted answer as text (small answers). */
    content: text('content'),
    /** Where the submitted notebook snapshot lives (a path or URL), for notebook submissions. */
    notebookRef: text('notebook_ref'),
    status: submissionStatus('status').notNull().default('submitted'),
    score: doublePrecision('score'),
    feedback: text('feedback'),
    /** When the score or feedback was last set, and by whom (null until graded). */
    gradedAt: timestamp('graded_at', { withTimezone: true }),
    gradedBy: integer('graded_by').references(() => users.id, { onDelete: 'set null' }),
    /** When an instructor last returned it for another attempt. */
    returnedAt: timestamp('returned_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    unique('assignment_submissions_assignment_student_key').on(table.assignmentId, table.studentId),
    index('assignment_submissions_student_idx').on(table.studentId),
  ],
);

/**
 * A later due date for one student on one assignment. Lateness is judged against it instead of
 * the assignment's `due_at`.
 */
export const assignmentExtensions = pgTable(
  'assignment_extensions',
  {
    id: serial('id').primaryKey(),
    assignmentId: integer('assignment_id')
      .notNull()
      .references(() => classAssignments.id, { onDelete: 'cascade' }),
    studentId: integer('student_id')
      .notNull()
      .references(() => students.id, { onDelete: 'cascade' }),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    reason: text('reason').notNull().default(''),
    grantedBy: integer('granted_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (table) => [
    unique('assignment_extensions_assignment_student_key').on(table.assignmentId, table.studentId),
    index('assignment_extensions_student_idx').on(table.studentId),
  ],
);

/**
 * The transactional outbox of `learning.notifications.v1`: lms-api writes a row in the same
 * transaction as the grade, return or system message it announces, and its relay publishes
 * unsent rows to Kafka and stamps `sent_at`. A row is never deleted before it is sent.
 */
export const notificationOutbox = pgTable(
  'notification_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** The Notification's `notificationId` (a UUID); consumers deduplicate on it. */
    notificationId: text('notification_id').notNull().unique(),
    /** The record's key: the classId. */
    key: text('key').notNull(),
    /** The Notification record as JSON (`createdAt` in epoch milliseconds), encoded to Avro when sent. */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    /** Failed publish attempts, and the last failure, for operators. */
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
  },
  // The relay only ever reads unsent rows in id order: a partial index keeps that cheap forever.
  (table) => [index('notification_outbox_unsent_idx').on(table.id).where(sql`${table.sentAt} IS NULL`)],
);

/** Long-lived tokens for ingest only (JupyterHub-style provisioning); revocable by jti. */
export const ingestTokens = pgTable(
  'ingest_tokens',
  {
    jti: text('jti').primaryKey(),
    /** Null once the student is deleted; the row stays (revoked) so ingest keeps refusing the token. */
    studentId: integer('student_id').references(() => students.id, { onDelete: 'set null' }),
    classId: integer('class_id').references(() => classes.id, { onDelete: 'set null' }),
    issuedBy: integer('issued_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (table) => [
    index('ingest_tokens_revoked_idx').on(table.revokedAt, table.expiresAt),
    index('ingest_tokens_class_idx').on(table.classId),
  ],
);

/** Who did what to which data: exports, deletions, key rotations, privacy changes. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** The acting user's username (kept as text so the entry outlives the account). */
    actor: text('actor'),
    action: text('action').notNull(),
    target: text('target'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  },
  (table) => [index('audit_log_at_idx').on(table.at)],
);

// ---------------------------------------------------------------------------------------------
// Events (written by the persister)
// ---------------------------------------------------------------------------------------------

/** Notebooks by path within a class (class-less events share one namespace: NULLS NOT DISTINCT). */
export const notebooks = pgTable(
  'notebooks',
  {
    id: serial('id').primaryKey(),
    classId: text('class_id'),
    path: text('path').notNull(),
    createdAt: createdAt(),
  },
  (table) => [unique('notebooks_class_path_key').on(table.classId, table.path).nullsNotDistinct()],
);

export const cells = pgTable(
  'cells',
  {
    id: serial('id').primaryKey(),
    notebookId: notebookIdOf(),
    /** The notebook's own cell id (nbformat 4.5 `id`). */
    cellId: text('cell_id').notNull(),
    cellIndex: integer('cell_index'),
    /** `code`, `markdown` or `raw`. */
    cellType: text('cell_type'),
    createdAt: createdAt(),
  },
  (table) => [unique('cells_notebook_cell_key').on(table.notebookId, table.cellId)],
);

export const sessions = pgTable(
  'sessions',
  {
    id: serial('id').primaryKey(),
    sessionId: text('session_id').notNull().unique(),
    userId: studentUserId(),
    classId: text('class_id'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    lastEventAt: timestamp('last_event_at', { withTimezone: true }),
    /** Counts of `cell_execution_complete` and `cell_execution_error` events in the session. */
    executions: integer('executions').notNull().default(0),
    errors: integer('errors').notNull().default(0),
    /** Sum of `executionDurationMs` of the session's executions. */
    executionDurationMs: doublePrecision('execution_duration_ms').notNull().default(0),
    /** Session length (`ended_at - started_at`) once it has ended. */
    durationMs: doublePrecision('duration_ms'),
  },
  (table) => [index('sessions_user_idx').on(table.userId), index('sessions_class_idx').on(table.classId)],
);

/** One row per cell execution event, idempotent on `event_id`. */
export const cellExecutions = pgTable(
  'cell_executions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: text('event_id').notNull().unique(),
    eventType: text('event_type').notNull(),
    userId: studentUserId(),
    classId: text('class_id'),
    sessionId: text('session_id'),
    notebookId: integer('notebook_id').references(() => notebooks.id, { onDelete: 'cascade' }),
    /** The notebook's own cell id; with `notebook_id` it names a row of `cells`. */
    cellId: text('cell_id'),
    cellIndex: integer('cell_index'),
    executionCount: integer('execution_count'),
    code: text('code'),
    hasError: boolean('has_error').notNull().default(false),
    errorName: text('error_name'),
    errorMessage: text('error_message'),
    result: text('result'),
    durationMs: doublePrecision('duration_ms'),
    eventTime: timestamp('event_time', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('cell_executions_class_time_idx').on(table.classId, table.eventTime),
    index('cell_executions_user_time_idx').on(table.userId, table.eventTime),
    index('cell_executions_class_user_idx').on(table.classId, table.userId),
    index('cell_executions_notebook_idx').on(table.notebookId),
  ],
);

export const notebookAccesses = pgTable(
  'notebook_accesses',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: text('event_id').notNull().unique(),
    userId: studentUserId(),
    classId: text('class_id'),
    sessionId: text('session_id'),
    notebookId: notebookIdOf(),
    action: notebookAccessAction('action').notNull(),
    eventTime: timestamp('event_time', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('notebook_accesses_user_time_idx').on(table.userId, table.eventTime),
    index('notebook_accesses_class_time_idx').on(table.classId, table.eventTime),
  ],
);

// ---------------------------------------------------------------------------------------------
// Progress summaries (kept by triggers on cell_executions; read by lms-api's progress endpoints)
// ---------------------------------------------------------------------------------------------
//
// A class page of the dashboard would otherwise count a million rows of cell_executions per
// request. Statement-level triggers (migration 0003_progress_triggers) keep these in step with
// the rows actually stored: an insert adds the rows it inserted (an event stored again adds
// nothing), a delete recomputes the (class, student) pairs it touched from what remains, a
// TRUNCATE empties them. Only events with a classId are summarised: progress is per class.

/** Per student and class: the counts of ClassAggregate (CONTRACT.md) and the newest event time. */
export const studentClassProgress = pgTable(
  'student_class_progress',
  {
    classId: text('class_id').notNull(),
    userId: studentUserId(),
    /** `cell_execution_complete` rows. */
    executions: integer('executions').notNull().default(0),
    /** `cell_execution_error` rows. */
    errors: integer('errors').notNull().default(0),
    /** The newest `event_time` of any cell_executions row. */
    lastActivity: timestamp('last_activity', { withTimezone: true }),
  },
  (table) => [primaryKey({ name: 'student_class_progress_pkey', columns: [table.classId, table.userId] })],
);

/** Per student and cell the student has run in a class: whether it ever ran without error. */
export const studentCellProgress = pgTable(
  'student_cell_progress',
  {
    classId: text('class_id').notNull(),
    userId: studentUserId(),
    notebookId: notebookIdOf(),
    cellId: text('cell_id').notNull(),
    /** A `cell_execution_complete` row without error exists for this cell. */
    completed: boolean('completed').notNull().default(false),
  },
  (table) => [
    primaryKey({
      name: 'student_cell_progress_pkey',
      columns: [table.classId, table.userId, table.notebookId, table.cellId],
    }),
  ],
);

/** Per student and notebook: how many of its cells the student has run, and completed. */
export const studentNotebookProgress = pgTable(
  'student_notebook_progress',
  {
    classId: text('class_id').notNull(),
    userId: studentUserId(),
    notebookId: notebookIdOf(),
    /** Rows of student_cell_progress for this notebook. */
    cellsExecuted: integer('cells_executed').notNull().default(0),
    /** ...of which `completed`. */
    cellsCompleted: integer('cells_completed').notNull().default(0),
  },
  (table) => [
    primaryKey({
      name: 'student_notebook_progress_pkey',
      columns: [table.classId, table.userId, table.notebookId],
    }),
  ],
);

// ---------------------------------------------------------------------------------------------
// Row types
// ---------------------------------------------------------------------------------------------

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type UserRole = (typeof userRole.enumValues)[number];
export type Student = typeof students.$inferSelect;
export type NewStudent = typeof students.$inferInsert;
export type SigningKey = typeof signingKeys.$inferSelect;
export type NewSigningKey = typeof signingKeys.$inferInsert;
export type Class = typeof classes.$inferSelect;
export type NewClass = typeof classes.$inferInsert;
export type StudentClass = typeof studentClasses.$inferSelect;
export type NewStudentClass = typeof studentClasses.$inferInsert;
export type ClassAssignment = typeof classAssignments.$inferSelect;
export type NewClassAssignment = typeof classAssignments.$inferInsert;
export type AssignmentSubmission = typeof assignmentSubmissions.$inferSelect;
export type NewAssignmentSubmission = typeof assignmentSubmissions.$inferInsert;
export type SubmissionStatus = (typeof submissionStatus.enumValues)[number];
export type AssignmentExtension = typeof assignmentExtensions.$inferSelect;
export type NewAssignmentExtension = typeof assignmentExtensions.$inferInsert;
export type NotificationOutboxRow = typeof notificationOutbox.$inferSelect;
export type NewNotificationOutboxRow = typeof notificationOutbox.$inferInsert;
export type IngestToken = typeof ingestTokens.$inferSelect;
export type NewIngestToken = typeof ingestTokens.$inferInsert;
export type AuditEntry = typeof auditLog.$inferSelect;
export type NewAuditEntry = typeof auditLog.$inferInsert;
export type Notebook = typeof notebooks.$inferSelect;
export type NewNotebook = typeof notebooks.$inferInsert;
export type Cell = typeof cells.$inferSelect;
export type NewCell = typeof cells.$inferInsert;
export type Session = typeof sessions.$inferSelect;
export type NewSession = typeof sessions.$inferInsert;
export type CellExecution = typeof cellExecutions.$inferSelect;
export type NewCellExecution = typeof cellExecutions.$inferInsert;
export type NotebookAccess = typeof notebookAccesses.$inferSelect;
export type NewNotebookAccess = typeof notebookAccesses.$inferInsert;
