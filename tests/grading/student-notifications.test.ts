import { ensureTopics, topics } from '@cellstream/schemas';
import {
  AppProcess,
  createTestDatabase,
  eventually,
  type TestDatabase,
  testKafka,
  uniqueName,
} from '@cellstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

/**
 * Issue #13 across the apps: an instructor grades in lms-api, the notification goes through
 * lms-api's outbox and relay into Kafka, and realtime pushes it to the student's own channel.
 * lms-api and realtime run as processes on a database and topics of this file's own.
 */

type Message = Record<string, unknown> & { type: string };

/** A WebSocket client that keeps every message it receives. */
class StudentSocket {
  readonly messages: Message[] = [];
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.messages.push(JSON.parse(data.toString()) as Message));
  }

  static async open(url: string, token: string): Promise<StudentSocket> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const socket = new StudentSocket(ws);
    ws.send(JSON.stringify({ type: 'auth', token }));
    return socket;
  }

  /** Subscribes and waits for the channel's answer: its snapshot or an error. */
  async subscribe(channel: string): Promise<Message> {
    this.ws.send(JSON.stringify({ type: 'subscribe', channel }));
    return this.next((m) => m.channel === channel && (m.type === 'snapshot' || m.type === 'error'));
  }

  next(match: (message: Message) => boolean, timeoutMs = 10_000): Promise<Message> {
    return eventually(async () => this.messages.find(match), {
      timeoutMs,
      intervalMs: 10,
      what: 'a matching WebSocket message',
    });
  }

  close(): void {
    this.ws.close();
  }
}

describe('grading notifications reach students live', () => {
  const prefix = `${uniqueName('grading')}.`;
  let database: TestDatabase;
  let lms: AppProcess;
  let realtime: AppProcess;
  const sockets: StudentSocket[] = [];

  const api = async <T>(token: string | null, method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${lms.url}/api/v1${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const login = async (username: string, password = username) =>
    (await api<{ token: string }>(null, 'POST', '/auth/login', { username, password })).token;
  const connect = async (token: string) => {
    const socket = await StudentSocket.open(`ws://127.0.0.1:${realtime.port}/ws`, token);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, {
      partitions: 3,
      topicPrefix: prefix,
      topics: [topics.classAggregates, topics.studentStatus, topics.alerts, topics.notifications],
    });
    await admin.disconnect();
    database = await createTestDatabase('grading');
    const topicNames = {
      CLASS_AGGREGATES_TOPIC: `${prefix}${topics.classAggregates.name}`,
      STUDENT_STATUS_TOPIC: `${prefix}${topics.studentStatus.name}`,
      ALERTS_TOPIC: `${prefix}${topics.alerts.name}`,
      NOTIFICATIONS_TOPIC: `${prefix}${topics.notifications.name}`,
    };
    lms = await AppProcess.start('lms-api', {
      ...process.env,
      DATABASE_URL: database.url,
      SEED_DEMO: 'true',
      LOGIN_RATE_LIMIT: '1000',
      TOPIC_PARTITIONS: '3',
      NOTIFICATIONS_TOPIC: topicNames.NOTIFICATIONS_TOPIC,
    });
    realtime = await AppProcess.start('realtime', {
      ...process.env,
      ...topicNames,
      LMS_URL: lms.url,
      REALTIME_GROUP_PREFIX: `${prefix}realtime`,
    });
  }, 180_000);

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await realtime?.stop();
    await lms?.stop();
    await database?.drop();
  });

  it('delivers a grade to the student within 1 s, a system message to its class only, and refuses other students', async () => {
    const adminToken = await login('admin', 'cellstream-admin');
    const instructorToken = await login('demo-instructor');
    const [demoClass] = await api<{ id: number; class_code: string }[]>(instructorToken, 'GET', '/classes');
    expect(demoClass?.class_code).toBe('PY101');
    const classId = String(demoClass?.id);

    // A second class with a student of its own, who must hear nothing of PY101.
    const otherClass = await api<{ id: number }>(adminToken, 'POST', '/classes', {
      name: 'Other class',
      class_code: `OTHER-${Date.now()}`,
    });
    await api(adminToken, 'POST', '/students', {
      userId: 'other-student',
      displayName: 'Other Student',
      password: 'other-student',
    });
    await api(adminToken, 'POST', `/classes/${otherClass.id}/students`, { userId: 'other-student' });

    const assignment = await api<{ id: number }>(instructorToken, 'POST', '/assignments', {
      class_id: demoClass?.id,
      title: 'Week 1: Variables',
      max_score: 10,
    });
    const aliceToken = await login('demo-student-01');
    const bobToken = await login('demo-student-02');
    const submission = await api<{ id: number }>(aliceToken, 'POST', '/submissions', {
      assignment_id: assignment.id,
      content: 'x = 1',
    });

    const alice = await connect(aliceToken);
    const bob = await connect(bobToken);
    const other = await connect(await login('other-student'));
    expect((await alice.subscribe('notifications:demo-student-01')).type).toBe('snapshot');
    expect((await alice.subscribe(`broadcast:${classId}`)).type).toBe('snapshot');
    expect((await bob.subscribe(`broadcast:${classId}`)).type).toBe('snapshot');
    expect((await other.subscribe(`broadcast:${otherClass.id}`)).type).toBe('snapshot');

    // A student can never listen to another student, nor to a class that is not theirs.
    expect(await bob.subscribe('notifications:demo-student-01')).toMatchObject({
      type: 'error',
      code: 'forbidden',
    });
    expect(await other.subscribe(`broadcast:${classId}`)).toMatchObject({ type: 'error', code: 'forbidden' });

    const gradedAt = Date.now();
    await api(instructorToken, 'PUT', `/submissions/${submission.id}/grade`, {
      score: 8,
      feedback: 'Good work',
    });
    const graded = await alice.next((m) => m.type === 'assignment_graded', 5_000);
    const delayMs = Date.now() - gradedAt;
    process.stdout.write(`grade → student's WebSocket: ${delayMs} ms\n`);
    expect(delayMs).toBeLessThan(1_000);
    expect(graded).toMatchObject({
      channel: 'notifications:demo-student-01',
      classId,
      userId: 'demo-student-01',
      submissionId: String(submission.id),
      assignmentId: String(assignment.id),
      score: 8,
      maxScore: 10,
    });

    await api(instructorToken, 'POST', `/classes/${classId}/messages`, {
      title: 'Break',
      message: 'Back in ten minutes',
    });
    for (const student of [alice, bob]) {
      expect(await student.next((m) => m.type === 'system_message')).toMatchObject({
        channel: `broadcast:${classId}`,
        classId,
        message: 'Back in ten minutes',
      });
    }
    // Whatever reached the class's students had a second to reach the other class too.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(
      other.messages.filter((m) => m.type === 'system_message' || m.type === 'assignment_graded'),
    ).toEqual([]);
    expect(bob.messages.filter((m) => m.type === 'assignment_graded')).toEqual([]);
  });
});
