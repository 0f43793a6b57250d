import type { ClassAggregate, StudentStatus } from '@cellstream/schemas';
import { describe, expect, it } from 'vitest';
import { PartitionTask } from '../../src/processing/partition-task.js';
import { classAggregate, studentStatus } from '../../src/rules/outputs.js';
import { decodeChangelogRecord } from '../../src/state/changelog-codec.js';
import { PartitionStateBuilder } from '../../src/state/partition-state.js';
import { learningEvent, MINUTE, SECOND } from '../support/events.js';
import { inputRecords, jsonCodec, quietLogger, taskSettings } from '../support/fakes.js';

const settings = taskSettings();
const newTask = () => new PartitionTask(0, settings, { codec: jsonCodec, logger: quietLogger() });
const decode = <T>(value: unknown) => JSON.parse(String(value)) as T;

describe('PartitionTask', () => {
  it('counts each eventId once, across batches, and skips offsets already in the state', async () => {
    const task = newTask();
    const first = learningEvent('cell_execution_complete', 0);
    const records = inputRecords([first, learningEvent('cell_execution_error', SECOND), first]);
    await task.process(records, 3, 0);
    // The same batch delivered again (a retried fetch) and a resend of the first event.
    await task.process(records, 3, 0);
    await task.process(inputRecords([first], 3), 4, 0);
    const state = task.state.classes.get('class-1');
    expect(state).toMatchObject({ totalExecutions: 1, totalErrors: 1 });
    expect(task.state.nextOffset).toBe(4);
  });

  it('emits a class at most every EMIT_INTERVAL_MS, and the changelog and offsets on every commit', async () => {
    const task = newTask();
    await task.process(inputRecords([learningEvent('cell_execution_complete', 0)]), 1, 1_000);
    expect(task.commitDueAt()).toBeLessThanOrEqual(1_000); // never emitted: due at once
    const first = await task.prepareCommit(1_000);
    expect(first?.counts).toMatchObject({ aggregate: 1, status: 1 });
    expect(first?.commitOffset).toBe(1);
    // A status is keyed classId/userId but placed by its classId: on its class's partition.
    expect(first?.records.find((record) => record.topic === settings.topics.statuses)).toMatchObject({
      key: 'class-1/alice',
      partitionKey: 'class-1',
    });

    await task.process(inputRecords([learningEvent('cell_execution_complete', SECOND)], 1), 2, 1_100);
    expect(task.commitDueAt()).toBe(1_250);
    const early = await task.prepareCommit(1_100); // e.g. COMMIT_MAX_EVENTS reached
    expect(early?.counts).toMatchObject({ aggregate: 0, status: 0 });
    expect(early?.counts.changelog).toBeGreaterThan(0);
    expect(early?.commitOffset).toBe(2);
    expect(task.commitDueAt()).toBe(1_350); // transactions are paced per partition

    expect((await task.prepareCommit(1_200))?.counts.aggregate ?? 0).toBe(0); // nothing due yet for the class
    const due = await task.prepareCommit(1_350);
    expect(due?.counts).toMatchObject({ aggregate: 1, status: 1 });
    expect(due?.commitOffset).toBeNull(); // no new input since the last commit
    expect(decode<ClassAggregate>(due?.records[0]?.value).totalExecutions).toBe(2);
    expect(task.commitDueAt()).toBeNull();
  });

  it('commits at once when COMMIT_MAX_EVENTS records wait', async () => {
    const task = new PartitionTask(0, taskSettings({ commitMaxEvents: 2 }), {
      codec: jsonCodec,
      logger: quietLogger(),
    });
    await task.process(
      inputRecords([learningEvent('notebook_open', 0), learningEvent('notebook_save', 1)]),
      2,
      0,
    );
    expect(task.commitDueAt()).toBe(Number.NEGATIVE_INFINITY);
  });

  it('dead-letters what cannot be decoded, with the reason in headers, and carries on', async () => {
    const task = newTask();
    const result = await task.process(
      inputRecords([
        learningEvent('cell_execution_complete', 0),
        'corrupt',
        learningEvent('notebook_save', 1),
      ]),
      3,
      Date.UTC(2024, 0, 1),
    );
    expect(result.taken).toBe(3);
    const plan = await task.prepareCommit(Date.UTC(2024, 0, 1));
    const letter = plan?.records.find((record) => record.topic === 'learning.events.dlq.v1');
    expect(String(letter?.value)).toBe('corrupt');
    expect(letter?.headers).toMatchObject({
      'dlq.error.code': 'SCHEMAS_CORRUPT_PAYLOAD',
      'dlq.source.topic': 'learning.events.v1',
      'dlq.source.partition': '0',
      'dlq.source.offset': '1',
      'dlq.failed.by': 'aggregator/aggregator',
      'dlq.failed.at': '2024-01-01T00:00:00.000Z',
    });
    expect(letter?.headers?.['dlq.reason']).toMatch(/cannot be decoded/);
    expect(plan?.commitOffset).toBe(3);
  });

  it('stops at a record that cannot be decoded yet, to read it again later', async () => {
    const task = newTask();
    const result = await task.process(
      inputRecords([learningEvent('notebook_open', 0), 'registry-down', learningEvent('notebook_save', 1)]),
      3,
      0,
    );
    expect(result.taken).toBe(1);
    expect(result.retryLater).toBeDefined();
    expect(task.state.nextOffset).toBe(1);
  });

  it('skips events without a class and events of a type it does not know', async () => {
    const task = newTask();
    await task.process(
      inputRecords([
        learningEvent('notebook_open', 0, { classId: null }),
        learningEvent('unknown' as never, 0),
      ]),
      2,
      0,
    );
    expect(task.state.classes.size).toBe(0);
    expect(task.state.nextOffset).toBe(2);
  });

  it('rebuilds from its changelog exactly the state it had', async () => {
    const task = newTask();
    const events = [
      learningEvent('cell_execution_error', 0, { userId: 'alice' }),
      learningEvent('cell_execution_error', 10 * SECOND, { userId: 'alice' }),
      learningEvent('help_request', 15 * SECOND, { userId: 'alice' }),
      learningEvent('cell_execution_complete', 20 * SECOND, {
        userId: 'bob',
        cellId: 'cell-b',
        cellIndex: 4,
      }),
      learningEvent('cell_execution_error', 5 * SECOND, { userId: 'bob', errorName: 'ValueError' }),
      learningEvent('cell_execution_complete', 7 * MINUTE, { userId: 'carol', classId: 'class-2' }),
      learningEvent('cell_execution_error', 0, { userId: 'dave', classId: 'class-2' }), // late
    ];
    const changelog: { key: string; value: string | null }[] = [];
    for (const [index, event] of events.entries()) {
      await task.process(inputRecords([event], index), index + 1, index);
      const plan = await task.prepareCommit(index * 1_000);
      for (const record of plan?.records ?? []) {
        if (record.topic === 'aggregator.state.v1')
          changelog.push({ key: String(record.key), value: record.value as string | null });
      }
    }
    const builder = new PartitionStateBuilder(0);
    for (const record of changelog) builder.apply(decodeChangelogRecord(record.key, record.value));
    const rebuilt = builder.build(settings.rules, settings.dedup);
    expect(rebuilt.nextOffset).toBe(events.length);
    expect(rebuilt.dedup.size).toBe(events.length);
    for (const [classId, original] of task.state.classes) {
      const copy = rebuilt.classes.get(classId);
      expect(copy && classAggregate(copy, 0)).toEqual(classAggregate(original, 0));
      for (const [userId, student] of original.students) {
        const restored = copy?.students.get(userId);
        expect(restored && studentStatus(classId, restored, 0)).toEqual(
          studentStatus(classId, student, 0) as StudentStatus,
        );
        expect(restored?.history).toEqual(student.history);
      }
    }
    // Processing continues identically on the rebuilt state.
    const next = learningEvent('cell_execution_error', 30 * SECOND, { userId: 'alice' });
    const alerts = rebuilt
      .classFor('class-1')
      .apply({ ...next, type: 'cell_execution_error', time: next.eventTime, durationMs: 1 } as never);
    expect(alerts.map((alert) => alert.kind)).toEqual(['stuck']);
  });
});
