/** The lms-api answers the dashboard reads (apps/lms-api/src/schemas, `/docs`). */

export type Role = 'admin' | 'instructor' | 'student';

export interface LoginAnswer {
  token: string;
  role: Role;
  expiresAt: string;
}

export interface ClassDto {
  id: number;
  name: string;
  class_code: string;
  description: string;
  instructor_id: number;
}

export interface NotebookProgress {
  notebookPath: string;
  cellsCompleted: number;
  cellsExecuted: number;
  cellsKnown: number;
}

/** One enrolled student, from `GET /classes/{id}/progress` (PostgreSQL, written by the persister). */
export interface StudentProgress {
  userId: string;
  displayName: string | null;
  executions: number;
  errors: number;
  lastActivity: string | null;
  notebooks: NotebookProgress[];
}

export interface TimelineItem {
  eventId: string;
  eventType: string;
  eventTime: string;
  notebookPath: string | null;
  cellId: string | null;
  executionCount: number | null;
  hasError: boolean;
  errorName: string | null;
  errorMessage: string | null;
  durationMs: number | null;
  /** The cell's source as run, cut to 8192 characters; null when the class does not store code. */
  code: string | null;
  codeTruncated: boolean;
}

export interface TimelinePage {
  items: TimelineItem[];
  nextCursor: string | null;
}

export interface ActivityBucket {
  /** Start of the window, RFC 3339. */
  time: string;
  executions: number;
  errors: number;
}

export interface ActivityAnswer {
  classId: number;
  interval: string;
  range: string;
  buckets: ActivityBucket[];
}

export interface AssignmentDto {
  id: number;
  class_id: number;
  title: string;
  description: string;
  notebook_path: string | null;
  due_at: string | null;
  max_score: number | null;
}

export interface SubmissionDto {
  id: number;
  assignment_id: number;
  class_id: number;
  student_id: string;
  submitted_at: string;
  updated_at: string;
  status: 'submitted' | 'graded' | 'returned';
  score: number | null;
  max_score: number | null;
  feedback: string | null;
  graded_at: string | null;
  returned_at: string | null;
  /** The effective due date: the student's extension if any, else the assignment's. */
  due_at: string | null;
  extended: boolean;
  late: boolean;
}

export interface MessageAnswer {
  notification_id: string;
  class_id: number;
  title: string;
  message: string;
  created_at: string;
}
