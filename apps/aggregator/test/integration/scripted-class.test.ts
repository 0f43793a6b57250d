import type { ClassAggregate, StudentStatus } from '@cellstream/schemas';
import { eventually } from '@cellstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertId } from '../../src/rules/alerts.js';
import { cellKey } from '../../src/rules/class-event.js';
import { errorBurstAlertId } from '../../src/rules/error-burst.js';
import { type RunningAggregator, startAggregator } from '../../src/start.js';
import { learningEvent, MINUTE, SECOND, T0 } from '../support/events.js';
import { quietLogger } from '../support/fakes.js';
import {
  deleteTestTopics,
  EventProducer,
  OutputReader,
  testConfig,
  testEnvironment,
} from '../support/stack.js';

// One scripted class through the real stack: the outputs decode through the registry and say
// what the rules say. Event times are in the past (T0): the rules run on event time only.
describe('aggregator: a scripted class, end to end', () => {
  const config = testConfig(testEnvironment('agg-scripted'));
  let aggregator: RunningAggregator;
  let producer: EventProducer;
  let reader: OutputReader;

  const aliceErrors = [0, 20, 40].map((s) =>
    learningEvent('cell_execution_error', s * SECOND, { userId: 'alice', classId: 'c1', cellIndex: 3 }),
  );
  const bobRuns = [
    learningEvent('cell_execution_complete', 10 * SECOND, {
      userId: 'bob',
      classId: 'c1',
      executionDurationMs: 100,
    }),
    learningEvent('cell_execution_complete', 30 * SECOND, {
      userId: 'bob',
      classId: 'c1',
      cellId: 'cell-b',
      cellIndex: 1,
      executionDurationMs: 300,
    }),
  ];
  const help = learningEvent('help_request', 50 * SECOND, {
    userId: 'bob',
    classId: 'c1',
    cellId: 'cell-b',
    cellIndex: 1,
  });
  const carol = learningEvent('notebook_open', 55 * SECOND, { userId: 'carol', classId: 'c1' });
  // Moves the class clock past 5 minutes after alice's and carol's last events: both turn idle.
  const late = learningEvent('cell_execution_complete', 6 * MINUTE + 30 * SECOND, {
    userId: 'bob',
    classId: 'c1',
  });
  const tooLate = learningEvent('cell_execution_error', 10 * SECOND, { userId: 'dave', classId: 'c1' });
  const otherClass = learningEvent('cell_execution_complete', 0, { userId: 'erin', classId: 'c2' });
  // Class c3: five students fail on cell-b within 40 s (ERROR_BURST_MIN_STUDENTS is 5), a sixth
  // a little later: one error_burst alert, raised at the fifth failure.
  const burst = [10, 20, 30, 40, 50, 55].map((s, i) =>
    learningEvent('cell_execution_error', s * SECOND, {
      userId: `s${i + 1}`,
      classId: 'c3',
      cellId: 'cell-b',
      cellIndex: 1,
      errorName: i === 1 ? 'NameError' : 'ZeroDivisionError',
    }),
  );

  beforeAll(async () => {
    aggregator = await startAggregator(config, { logger: quietLogger() });
    producer = new EventProducer(config);
    await producer.connect();
    reader = new OutputReader(config);
    await reader.start();
    await producer.send([...aliceErrors, ...bobRuns, help, carol, otherClass, ...burst]);
    await producer.send([aliceErrors[1] as never]); // resent by the extension: counted once
    await producer.sendRaw('c1', Buffer.from('not avro at all'));
    await producer.send([late, tooLate]);
  });

  afterAll(async () => {
    await reader?.stop();
    await producer?.disconnect();
    await aggregator?.close();
    await deleteTestTopics(config);
  });

  it('produces the ClassAggregate the rules give, decodable through the registry', async () => {
    const latest = await reader.waitForAggregates((all) => all.get('c1')?.totalErrors === 4);
    const c1 = latest.get('c1') as ClassAggregate;
    expect(c1).toMatchObject({
      classId: 'c1',
      windowEnd: T0 + 6 * MINUTE + 30 * SECOND,
      windowStart: T0 + 5 * MINUTE + 30 * SECOND,
      totalExecutions: 3,
      totalErrors: 4, // alice's three, once each, and dave's late one
      activeStudents: 1, // bob; dave's only event is too late to count as activity
      totalStudentsSeen: 4,
      executionsLastMinute: 1,
      errorsLastMinute: 0,
      stuckStudents: 0,
      idleStudents: 3,
      helpRequests: 1,
      medianExecutionMs: 100,
    });
    expect(
      c1.perCell.map((cell) => [cell.cellId, cell.executions, cell.errors, cell.studentsCompleted]),
    ).toEqual([
      ['cell-a', 2, 4, 1],
      ['cell-b', 1, 0, 1],
    ]);
    expect(c1.topErrors).toEqual([{ errorName: 'NameError', count: 4, students: 2 }]);
    expect(c1.updatedAt).toBeGreaterThan(Date.now() - 60_000);
    expect(latest.get('c2')).toMatchObject({ totalExecutions: 1, totalErrors: 0 });
  });

  it('produces each student status, keyed classId/userId', async () => {
    const statuses = await eventually(
      async () => {
        const latest = reader.latest<StudentStatus>(config.STUDENT_STATUS_TOPIC);
        return latest.get('c1/alice')?.status === 'idle' ? latest : undefined;
      },
      { what: 'alice idle' },
    );
    expect(statuses.get('c1/alice')).toMatchObject({
      status: 'idle',
      statusSince: T0 + 40 * SECOND + 5 * MINUTE,
      errors: 3,
      consecutiveErrors: 3,
      lastErrorName: 'NameError',
      lastEventType: 'cell_execution_error',
    });
    expect(statuses.get('c1/bob')).toMatchObject({ status: 'active', helpRequested: true, executions: 3 });
    expect(statuses.get('c1/dave')).toMatchObject({ errors: 1, consecutiveErrors: 0 });
    // Co-partitioned: every status is on its class's partition, the aggregate's.
    const classPartition = new Map(reader.aggregates().map((record) => [record.key, record.partition]));
    const placed = reader.statuses().map((record) => [record.value?.classId, record.partition]);
    expect(placed.length).toBeGreaterThan(0);
    for (const [classId, partition] of placed) expect(partition).toBe(classPartition.get(classId as string));
  });

  it('raises each alert once, with an id derived from the triggering event', async () => {
    const alerts = await eventually(
      async () => {
        const found = reader.alerts();
        return found.length >= 4 ? found : undefined;
      },
      { what: '4 alerts' },
    );
    const byId = new Map(alerts.map((record) => [record.value?.alertId, record.value]));
    expect(alerts).toHaveLength(byId.size);
    expect(
      byId.get(alertId('c1', 'alice', 'stuck', (aliceErrors[2] as { eventId: string }).eventId)),
    ).toMatchObject({
      kind: 'stuck',
      raisedAt: T0 + 40 * SECOND,
      message: 'alice has failed 3 times in a row on cell 3 of week1/intro.ipynb (NameError)',
    });
    expect(byId.get(alertId('c1', 'bob', 'help_requested', help.eventId))).toMatchObject({
      kind: 'help_requested',
    });
    expect(byId.get(alertId('c1', 'alice', 'idle', late.eventId))).toMatchObject({ kind: 'idle' });
    expect(byId.get(alertId('c1', 'carol', 'idle', late.eventId))).toMatchObject({ kind: 'idle' });
    expect(alerts.filter((record) => record.value?.classId === 'c1')).toHaveLength(4);
    expect(alerts.every((record) => record.key === record.value?.classId)).toBe(true);
  });

  it('raises one error_burst alert when five students fail on the same cell within a minute', async () => {
    // Every c3 failure is in a committed aggregate: the alerts they raised are committed too.
    await reader.waitForAggregates((all) => all.get('c3')?.totalErrors === burst.length);
    const bursts = await eventually(
      async () => {
        const found = reader.alerts().filter((record) => record.value?.kind === 'error_burst');
        return found.length > 0 ? found : undefined;
      },
      { what: 'an error_burst alert' },
    );
    expect(bursts).toHaveLength(1);
    const raisedAt = T0 + 50 * SECOND;
    expect(bursts[0]?.key).toBe('c3');
    expect(bursts[0]?.value).toEqual({
      alertId: errorBurstAlertId('c3', 'cell', cellKey('week1/intro.ipynb', 'cell-b') as string, raisedAt),
      classId: 'c3',
      userId: null,
      kind: 'error_burst',
      severity: 'warning',
      message:
        '5 students hit errors on cell 1 of week1/intro.ipynb within a minute (mostly ZeroDivisionError)',
      raisedAt,
      notebookPath: 'week1/intro.ipynb',
      cellId: 'cell-b',
      details: {
        rule: 'same_cell',
        students: '5',
        minStudents: '5',
        errorName: 'ZeroDivisionError',
        cellIndex: '1',
        windowStart: new Date(raisedAt - MINUTE).toISOString(),
        windowEnd: new Date(raisedAt).toISOString(),
      },
    });
  });

  it('dead-letters the record that is not a LearningEvent, with its original bytes and the reason', async () => {
    const [letter] = await eventually(
      async () => {
        const found = reader.of(config.EVENTS_DLQ_TOPIC);
        return found.length > 0 ? found : undefined;
      },
      { what: 'a dead letter' },
    );
    expect(letter?.key).toBe('c1');
    expect(letter?.raw?.toString()).toBe('not avro at all');
    expect(letter?.headers).toMatchObject({
      'dlq.error.code': 'SCHEMAS_WIRE_FORMAT',
      'dlq.source.topic': config.EVENTS_TOPIC,
      'dlq.failed.by': `aggregator/${config.AGGREGATOR_GROUP_ID}`,
    });
  });

  it('answers /health, /ready and /metrics', async () => {
    const base = `http://127.0.0.1:${aggregator.ops?.port}`;
    const ready = await eventually(
      async () => {
        const response = await fetch(`${base}/ready`);
        return response.ok ? ((await response.json()) as unknown) : undefined;
      },
      { what: '/ready' },
    );
    expect(ready).toEqual({ status: 'ready', dependencies: { kafka: 'up', state: 'up', registry: 'up' } });
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/aggregator_transactions_total\{outcome="commit",service="aggregator"\} [1-9]/);
    expect(metrics).toMatch(/aggregator_events_total\{outcome="duplicate",service="aggregator"\} 1/);
    expect(metrics).toMatch(/aggregator_events_total\{outcome="dead_lettered",service="aggregator"\} 1/);
    expect(metrics).toMatch(/aggregator_restore_duration_seconds_count/);
    expect(metrics).toMatch(/aggregator_consumer_lag/);
    expect(metrics).toMatch(/aggregator_state_size\{kind="classes",service="aggregator"\} 3/);
  });
});
