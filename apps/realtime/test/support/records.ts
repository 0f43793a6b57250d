import {
  type Alert,
  type ClassAggregate,
  ensureTopics,
  type Notification,
  type StudentStatus,
  TopicSerde,
  topics,
} from '@cellstream/schemas';
import { testEnv, uniqueName } from '@cellstream/testkit';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, type Producer } from 'kafkajs';

/** The aggregator's three topics and lms-api's notifications, under a prefix of the test file's own. */
export interface TestTopics {
  prefix: string;
  classAggregates: string;
  studentStatus: string;
  alerts: string;
  notifications: string;
}

export async function createStateTopics(kafka: Kafka, label: string): Promise<TestTopics> {
  const prefix = `${uniqueName(label)}.`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, {
      partitions: 3,
      topicPrefix: prefix,
      topics: [topics.classAggregates, topics.studentStatus, topics.alerts, topics.notifications],
    });
  } finally {
    await admin.disconnect();
  }
  return {
    prefix,
    classAggregates: `${prefix}${topics.classAggregates.name}`,
    studentStatus: `${prefix}${topics.studentStatus.name}`,
    alerts: `${prefix}${topics.alerts.name}`,
    notifications: `${prefix}${topics.notifications.name}`,
  };
}

export type StateRecord =
  | { kind: 'aggregate'; value: ClassAggregate }
  | { kind: 'status'; value: StudentStatus }
  | { kind: 'alert'; value: Alert }
  | { kind: 'notification'; value: Notification };

/**
 * Plays the aggregator (and lms-api, for notifications): writes records in Kafka transactions, Avro-encoded through the registry
 * with the topics' schemas (subjects under the test prefix), keyed as topics.ts says.
 */
export class StateProducer {
  private readonly producer: Producer;
  private readonly serde: TopicSerde;

  constructor(private readonly testTopics: TestTopics) {
    // Silent: starting a transaction right after a commit logs CONCURRENT_TRANSACTIONS, which
    // kafkajs retries; a real failure still throws from send().
    const kafka = new Kafka({
      brokers: testEnv.KAFKA_BROKERS,
      clientId: uniqueName('realtime-producer'),
      logLevel: logLevel.NOTHING,
    });
    this.producer = kafka.producer({
      transactionalId: uniqueName('realtime-producer'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    this.serde = new TopicSerde(new SchemaRegistry({ host: testEnv.SCHEMA_REGISTRY_URL }), {
      topicPrefix: testTopics.prefix,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  /** Writes the records in one transaction, committed, or aborted when `abort` is set. */
  async send(records: StateRecord[], options: { abort?: boolean } = {}): Promise<void> {
    const messages = await Promise.all(records.map((record) => this.encode(record)));
    const transaction = await this.producer.transaction();
    try {
      await transaction.sendBatch({
        topicMessages: messages.map(({ topic, message }) => ({ topic, messages: [message] })),
      });
    } catch (error) {
      await transaction.abort();
      throw error;
    }
    if (options.abort) await transaction.abort();
    else await transaction.commit();
  }

  private async encode(record: StateRecord) {
    const timestamp = String(Date.now());
    switch (record.kind) {
      case 'aggregate':
        return {
          topic: this.testTopics.classAggregates,
          message: {
            key: record.value.classId,
            value: await this.serde.encode('learning.class-aggregates.v1', record.value),
            timestamp,
          },
        };
      case 'status':
        return {
          topic: this.testTopics.studentStatus,
          message: {
            key: `${record.value.classId}/${record.value.userId}`,
            value: await this.serde.encode('learning.student-status.v1', record.value),
            timestamp,
          },
        };
      case 'alert':
        return {
          topic: this.testTopics.alerts,
          message: {
            key: record.value.classId,
            value: await this.serde.encode('learning.alerts.v1', record.value),
            timestamp,
          },
        };
      case 'notification':
        return {
          topic: this.testTopics.notifications,
          message: {
            key: record.value.classId,
            value: await this.serde.encode('learning.notifications.v1', record.value),
            timestamp,
          },
        };
    }
  }
}

let clock = Date.now();
/** Strictly increasing timestamps, so each new record of a key is newer than the last. */
export const tick = () => {
  clock = Math.max(clock + 1, Date.now());
  return clock;
};

export function aggregate(classId: string, overrides: Partial<ClassAggregate> = {}): StateRecord {
  const now = tick();
  return {
    kind: 'aggregate',
    value: {
      classId,
      updatedAt: now,
      windowStart: now - 60_000,
      windowEnd: now,
      totalExecutions: 10,
      totalErrors: 2,
      activeStudents: 3,
      totalStudentsSeen: 4,
      executionsLastMinute: 5,
      errorsLastMinute: 1,
      erroringStudents: 1,
      stuckStudents: 0,
      idleStudents: 1,
      helpRequests: 0,
      medianExecutionMs: 12.5,
      perCell: [],
      topErrors: [{ errorName: 'NameError', count: 2, students: 1 }],
      ...overrides,
    },
  };
}

export function status(classId: string, userId: string, overrides: Partial<StudentStatus> = {}): StateRecord {
  const now = tick();
  return {
    kind: 'status',
    value: {
      classId,
      userId,
      status: 'active',
      statusSince: now - 1_000,
      helpRequested: false,
      lastEventType: 'cell_execution_complete',
      lastEventTime: now,
      executions: 1,
      errors: 0,
      consecutiveErrors: 0,
      notebookPath: 'week1/intro.ipynb',
      cellId: 'c-1',
      cellIndex: 1,
      lastErrorName: null,
      updatedAt: now,
      ...overrides,
    },
  };
}

let alertCount = 0;
export function alert(classId: string, overrides: Partial<Alert> = {}): StateRecord {
  alertCount++;
  return {
    kind: 'alert',
    value: {
      alertId: `alert-${process.pid}-${alertCount}-${tick()}`,
      classId,
      userId: 'alice',
      kind: 'stuck',
      severity: 'warning',
      message: 'alice has failed 4 times in a row on cell 3 of week1/intro.ipynb (NameError)',
      raisedAt: tick(),
      notebookPath: 'week1/intro.ipynb',
      cellId: 'c-3',
      details: { consecutiveErrors: '4', errorName: 'NameError' },
      ...overrides,
    },
  };
}

/** A class aggregate of about `bytes` bytes of JSON (per-cell progress), to fill socket buffers. */
export function bigAggregate(
  classId: string,
  bytes: number,
  overrides: Partial<ClassAggregate> = {},
): StateRecord {
  const perCell = Array.from({ length: Math.ceil(bytes / 160) }, (_, index) => ({
    notebookPath: 'week1/a-rather-long-notebook-name-for-padding.ipynb',
    cellId: `cell-${index.toString().padStart(6, '0')}`,
    cellIndex: index,
    executions: index,
    errors: 0,
    studentsCompleted: 1,
    studentsErroring: 0,
  }));
  return aggregate(classId, { perCell, ...overrides });
}

let notificationCount = 0;
/** A notification as lms-api writes it: by default a grade for `userId`. */
export function notification(
  classId: string,
  userId: string | null,
  overrides: Partial<Notification> = {},
): StateRecord {
  notificationCount++;
  const graded = userId !== null;
  return {
    kind: 'notification',
    value: {
      notificationId: `notification-${process.pid}-${notificationCount}-${tick()}`,
      kind: graded ? 'assignment_graded' : 'system_message',
      classId,
      userId,
      createdAt: tick(),
      senderId: 'ada',
      title: graded ? 'Week 1: Variables graded: 8 / 10' : 'Lab moved',
      message: graded ? 'Good work; watch the off-by-one in cell 4.' : 'Today the lab is in room 2.',
      assignmentId: graded ? '17' : null,
      submissionId: graded ? '230' : null,
      score: graded ? 8 : null,
      maxScore: graded ? 10 : null,
      ...overrides,
    },
  };
}
