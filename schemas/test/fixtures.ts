import type {
  Alert,
  AvroRecords,
  ClassAggregate,
  LearningEvent,
  Notification,
  StudentStatus,
} from '../src/index.js';

const t0 = Date.UTC(2025, 0, 13, 9, 30, 0, 123);

export const sampleLearningEvent: LearningEvent = {
  eventId: '6f1c1a2e-1d2b-4c3d-8e9f-0a1b2c3d4e5f',
  eventType: 'cell_execution_error',
  eventTime: t0,
  userId: 'alice',
  classId: '42',
  sessionId: 'session-1',
  notebookPath: 'week1/intro.ipynb',
  cellId: 'c-3',
  cellIndex: 3,
  executionCount: 7,
  cellType: 'code',
  code: 'print(x)',
  hasError: true,
  errorName: 'NameError',
  errorMessage: "name 'x' is not defined",
  result: null,
  executionDurationMs: 12.5,
  metadata: { extensionVersion: '0.1.0' },
  receivedAt: t0 + 250,
};

export const minimalLearningEvent: LearningEvent = {
  eventId: 'e-2',
  eventType: 'session_start',
  eventTime: t0,
  userId: 'bob',
  classId: null,
  sessionId: null,
  notebookPath: null,
  cellId: null,
  cellIndex: null,
  executionCount: null,
  cellType: null,
  code: null,
  hasError: null,
  errorName: null,
  errorMessage: null,
  result: null,
  executionDurationMs: null,
  metadata: {},
  receivedAt: t0 + 10,
};

export const sampleClassAggregate: ClassAggregate = {
  classId: '42',
  updatedAt: t0 + 1_000,
  windowStart: t0 - 60_000,
  windowEnd: t0,
  totalExecutions: 120,
  totalErrors: 17,
  activeStudents: 11,
  totalStudentsSeen: 14,
  executionsLastMinute: 9,
  errorsLastMinute: 2,
  erroringStudents: 2,
  stuckStudents: 1,
  idleStudents: 3,
  helpRequests: 1,
  medianExecutionMs: 48.25,
  perCell: [
    {
      notebookPath: 'week1/intro.ipynb',
      cellId: 'c-3',
      cellIndex: 3,
      executions: 30,
      errors: 6,
      studentsCompleted: 9,
      studentsErroring: 2,
    },
  ],
  topErrors: [{ errorName: 'NameError', count: 10, students: 4 }],
};

export const sampleStudentStatus: StudentStatus = {
  classId: '42',
  userId: 'alice',
  status: 'stuck',
  statusSince: t0 - 30_000,
  helpRequested: true,
  lastEventType: 'cell_execution_error',
  lastEventTime: t0,
  executions: 12,
  errors: 5,
  consecutiveErrors: 4,
  notebookPath: 'week1/intro.ipynb',
  cellId: 'c-3',
  cellIndex: 3,
  lastErrorName: 'NameError',
  updatedAt: t0 + 1_000,
};

export const sampleAlert: Alert = {
  alertId: '42/alice/stuck/6f1c1a2e',
  classId: '42',
  userId: 'alice',
  kind: 'stuck',
  severity: 'warning',
  message: 'alice has failed 4 times in a row on cell 3 of week1/intro.ipynb (NameError)',
  raisedAt: t0,
  notebookPath: 'week1/intro.ipynb',
  cellId: 'c-3',
  details: { consecutiveErrors: '4', errorName: 'NameError' },
};

export const sampleNotification: Notification = {
  notificationId: '0b9c7a52-6f0e-4d55-9d3e-2f4f0c7e1a11',
  kind: 'assignment_graded',
  classId: '42',
  userId: 'alice',
  createdAt: t0 + 60_000,
  senderId: 'prof-jones',
  title: 'Week 1: Variables graded: 8 / 10',
  message: 'Good work; look again at question 3.',
  assignmentId: '7',
  submissionId: '19',
  score: 8,
  maxScore: 10,
};

export const samples: { [K in keyof AvroRecords]: AvroRecords[K] } = {
  Alert: sampleAlert,
  ClassAggregate: sampleClassAggregate,
  LearningEvent: sampleLearningEvent,
  Notification: sampleNotification,
  StudentStatus: sampleStudentStatus,
};
