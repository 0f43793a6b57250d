import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { type Notification, TopicSerde, topics } from '@cellstream/schemas';
import { createLogger } from '@cellstream/shared';
import { eventually, testEnv, testKafka, uniqueName } from '@cellstream/testkit';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Consumer } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotificationRelay } from '../src/notifications/create-relay.js';
import type { NotificationRelay } from '../src/notifications/relay.js';
import { unsentNotifications } from '../src/notifications/relay.js';
import { createTestApp, type TestApp } from './helpers.js';

/**
 * The outbox relay against the real Kafka and schema registry, on a topic of this file's own:
 * grades, returns and system messages reach learning.notifications.v1 as Avro Notifications, fast;
 * and a relay that cannot reach Kafka loses nothing.
 */
describe('notifications through Kafka', () => {
  const prefix = `${uniqueName('lms_notify')}.`;
  const topic = `${prefix}${topics.notifications.name}`;
  const serde = new TopicSerde(new SchemaRegistry({ host: testEnv.SCHEMA_REGISTRY_URL }), {
    topicPrefix: prefix,
  });
  const logger = createLogger('lms-api-test', 'silent');
  let t: TestApp;
  let relay: NotificationRelay | undefined;
  let consumer: Consumer;
  /** Every record read, decoded, with the time it arrived. */
  const received: { key: string; value: Notification; at: number }[] = [];
  let alice: { token: string };
  let aliceClass: number;
  let otherClass: number;
  let assignment: number;
  const submissions: number[] = [];

  const env = (brokers: string[]) => ({
    NOTIFICATIONS_TOPIC: topic,
    KAFKA_BROKERS: brokers.join(','),
    SCHEMA_REGISTRY_URL: testEnv.SCHEMA_REGISTRY_URL,
    TOPIC_PARTITIONS: '3',
    // Far longer than any wait below: a record arriving within a second came through LISTEN/NOTIFY.
    NOTIFICATION_POLL_INTERVAL_MS: '60000',
    NOTIFICATION_RETRY_INITIAL_MS: '100',
    NOTIFICATION_RETRY_MAX_MS: '1000',
  });
  const startRelay = (brokers: string[], metrics?: Registry) => {
    const config = { ...t.config, KAFKA_BROKERS: brokers };
    relay = createNotificationRelay(config, t.db, logger, metrics);
    relay.start();
    return relay;
  };
  const waitFor = (what: string, match: (n: Notification) => boolean, timeoutMs = 15_000) =>
    eventually(async () => received.find((record) => match(record.value)), {
      what,
      timeoutMs,
      intervalMs: 10,
    });

  beforeAll(async () => {
    t = await createTestApp('lms_notifications', env(testEnv.KAFKA_BROKERS), {
      relay: { kafkaState: () => relay?.kafkaState() ?? 'down' },
    });
    alice = await t.instructor('n-alice');
    aliceClass = await t.createClass(alice.token, 'N-ALICE');
    otherClass = await t.createClass(alice.token, 'N-OTHER');
    for (const userId of ['n-ann', 'n-ben', 'n-cy', 'n-dee'])
      await t.student(userId, { classId: aliceClass });
    const created = await t.as(alice.token).post('/api/v1/assignments', {
      class_id: aliceClass,
      title: 'Week 1',
      max_score: 10,
    });
    assignment = created.json<{ id: number }>().id;
    for (const userId of ['n-ann', 'n-ben', 'n-cy', 'n-dee']) {
      const response = await t
        .as(alice.token)
        .post('/api/v1/submissions', { assignment_id: assignment, student_id: userId, content: 'x' });
      submissions.push(response.json<{ id: number }>().id);
    }

    startRelay(testEnv.KAFKA_BROKERS);
    // The relay creates the topic once connected; then read it from the start.
    await eventually(async () => (relay?.kafkaState() === 'up' ? true : undefined), { what: 'relay up' });
    consumer = testKafka().consumer({ groupId: uniqueName('lms_notify_reader'), maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (!message.value) return;
        received.push({
          key: message.key?.toString() ?? '',
          value: await serde.decode(topics.notifications.name, message.value),
          at: Date.now(),
        });
      },
    });
    await eventually(async () => (joined ? true : undefined), { what: 'consumer joined', timeoutMs: 30_000 });
  }, 120_000);

  afterAll(async () => {
    await consumer?.disconnect();
    await relay?.close();
    await t?.close();
  });

  it('publishes a grade as an assignment_graded Notification within a second', async () => {
    const startedAt = Date.now();
    const graded = await t
      .as(alice.token)
      .put(`/api/v1/submissions/${submissions[0]}/grade`, { score: 8, feedback: 'Well done' });
    expect(graded.statusCode).toBe(200);
    const record = await waitFor('the grade in Kafka', (n) => n.submissionId === String(submissions[0]));
    const latencyMs = record.at - startedAt;
    expect(record.key).toBe(String(aliceClass));
    expect(record.value).toEqual({
      notificationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      kind: 'assignment_graded',
      classId: String(aliceClass),
      userId: 'n-ann',
      createdAt: expect.any(Number),
      senderId: 'n-alice',
      title: 'Week 1 graded: 8 / 10',
      message: 'Well done',
      assignmentId: String(assignment),
      submissionId: String(submissions[0]),
      score: 8,
      maxScore: 10,
    });
    expect(Math.abs(record.value.createdAt - startedAt)).toBeLessThan(5_000);
    // The outbox row is stamped sent, and the relay reports Kafka up.
    await eventually(async () => ((await unsentNotifications(t.db)) === 0 ? true : undefined), {
      what: 'all sent',
    });
    expect((await t.as().get('/ready')).json()).toMatchObject({
      status: 'ready',
      dependencies: { kafka: 'up' },
    });
    // A change of grade: a second record, on a warm producer.
    const changedAt = Date.now();
    await t.as(alice.token).put(`/api/v1/submissions/${submissions[0]}/grade`, { score: 9 });
    const changed = await waitFor(
      'the changed grade',
      (n) => n.submissionId === String(submissions[0]) && n.score === 9,
    );
    const changeLatencyMs = changed.at - changedAt;
    console.info(
      `grade → Kafka record (request to consumer): first ${latencyMs} ms, change ${changeLatencyMs} ms`,
    );
    expect(latencyMs).toBeLessThan(1_000);
    expect(changeLatencyMs).toBeLessThan(1_000);
  });

  it('publishes a return and a system message, each once, in the order they were made', async () => {
    const before = received.length;
    await t
      .as(alice.token)
      .post(`/api/v1/submissions/${submissions[0]}/return`, { feedback: 'One more try' });
    const sent = await t
      .as(alice.token)
      .post(`/api/v1/classes/${aliceClass}/messages`, { title: 'Break', message: 'Back at 11' });
    await t.as(alice.token).post(`/api/v1/classes/${otherClass}/messages`, { title: 'Other', message: 'Hi' });
    await waitFor('the other class message', (n) => n.classId === String(otherClass));
    await waitFor('the system message', (n) => n.notificationId === sent.json().notification_id);
    const mine = received.slice(before).filter((record) => record.key === String(aliceClass));
    expect(mine.map((record) => record.value.kind)).toEqual(['assignment_returned', 'system_message']);
    expect(mine[0]?.value).toMatchObject({ userId: 'n-ann', message: 'One more try', score: null });
    expect(mine[1]?.value).toMatchObject({
      userId: null,
      title: 'Break',
      message: 'Back at 11',
      senderId: 'n-alice',
    });
    const ids = received.map((record) => record.value.notificationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps notifications while Kafka cannot be reached, answers at once, and publishes them when it can', async () => {
    await relay?.close();
    // A port where nothing listens yet: the relay's only way to Kafka (its bootstrap broker).
    const port = await freePort();
    const metrics = new Registry();
    startRelay([`127.0.0.1:${port}`], metrics);
    const before = received.length;
    const answers: number[] = [];
    for (const id of submissions.slice(1)) {
      const startedAt = Date.now();
      const response = await t.as(alice.token).put(`/api/v1/submissions/${id}/grade`, { score: 5 });
      expect(response.statusCode).toBe(200);
      answers.push(Date.now() - startedAt);
    }
    await t
      .as(alice.token)
      .post(`/api/v1/classes/${aliceClass}/messages`, { title: 'During', message: 'outage' });
    // Never blocked on Kafka: every answer came back quickly (a loaded machine, so a loose bound).
    expect(Math.max(...answers)).toBeLessThan(2_000);

    // The relay tries, fails, and keeps the rows.
    await eventually(async () => (relay?.kafkaState() === 'down' ? true : undefined), { what: 'relay down' });
    await eventually(
      async () => {
        const rows = await t.db.query.notificationOutbox.findMany({
          where: (o, { isNull }) => isNull(o.sentAt),
        });
        return rows.length === 4 && rows.every((row) => row.attempts >= 1) ? rows : undefined;
      },
      { what: 'failed attempts recorded', timeoutMs: 20_000 },
    );
    expect((await t.as().get('/ready')).json()).toMatchObject({
      status: 'ready',
      dependencies: { kafka: 'down' },
    });
    expect(received.length).toBe(before);
    const metric = async (name: string) =>
      (await metrics.getSingleMetric(name)?.get())?.values[0]?.value ?? Number.NaN;
    expect(await metric('lms_notification_outbox_unsent')).toBe(4);
    expect(await metric('lms_notification_publish_failures_total')).toBeGreaterThan(0);

    // Kafka becomes reachable on that address: everything arrives, nothing lost.
    const proxy = await startProxy(port, testEnv.KAFKA_BROKERS[0] ?? '127.0.0.1:9092');
    try {
      await eventually(async () => ((await unsentNotifications(t.db)) === 0 ? true : undefined), {
        what: 'outbox drained',
        timeoutMs: 30_000,
      });
      await eventually(async () => (received.length - before >= 4 ? true : undefined), {
        what: 'four records',
      });
      const arrived = received.slice(before).map((record) => record.value);
      expect(
        arrived
          .filter((n) => n.kind === 'assignment_graded')
          .map((n) => n.submissionId)
          .sort(),
      ).toEqual(submissions.slice(1).map(String).sort());
      expect(arrived.at(-1)).toMatchObject({ kind: 'system_message', title: 'During' });
      expect(await metric('lms_notifications_published_total')).toBe(4);
      expect(await metric('lms_notification_outbox_unsent')).toBe(0);
    } finally {
      await relay?.close();
      relay = undefined;
      await proxy.close();
    }
  });

  it('publishes what was queued while no relay ran once one starts', async () => {
    const sent = await t
      .as(alice.token)
      .post(`/api/v1/classes/${aliceClass}/messages`, { title: 'Queued', message: 'while stopped' });
    expect(await unsentNotifications(t.db)).toBe(1);
    startRelay(testEnv.KAFKA_BROKERS);
    await waitFor('the queued message', (n) => n.notificationId === sent.json().notification_id);
    await eventually(async () => ((await unsentNotifications(t.db)) === 0 ? true : undefined), {
      what: 'sent',
    });
  });
});

/** A port nothing listens on (the OS picked it free a moment ago). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A TCP forwarder from 127.0.0.1:port to the broker, standing in for a broker coming back. */
async function startProxy(port: number, target: string): Promise<{ close(): Promise<void> }> {
  const [host = '127.0.0.1', targetPort = '9092'] = target.split(':');
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    const upstream = tcpConnect(Number(targetPort), host);
    for (const s of [socket, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
