import { sleep } from '@cellstream/shared';
import { eventually } from '@cellstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAggregator, startAggregator } from '../../src/start.js';
import { T0 } from '../support/events.js';
import { quietLogger } from '../support/fakes.js';
import {
  deleteTestTopics,
  EventProducer,
  OutputReader,
  testConfig,
  testEnvironment,
  totals,
} from '../support/stack.js';
import { classroomWorkload, expectedTotals } from '../support/workload.js';

// Two instances share the work: a second one joins in the middle of the stream (partitions move
// to it, their state restored from the changelog), later the first one leaves (they move back).
// The totals end exact and no committed aggregate ever counted an event twice.
describe('aggregator: two instances and rebalances in the middle of the stream', () => {
  const config = testConfig(testEnvironment('agg-rebalance', { TOPIC_PARTITIONS: '4' }));
  const workload = classroomWorkload({
    classes: 16,
    studentsPerClass: 6,
    events: 8_000,
    startTime: T0,
    spacingMs: 50,
    duplicateRate: 0.05,
  });
  const expected = expectedTotals(workload.expected);
  const reader = new OutputReader(config);
  let producer: EventProducer;
  let first: RunningAggregator | undefined;
  let second: RunningAggregator | undefined;

  beforeAll(async () => {
    first = await startAggregator(config, { logger: quietLogger(), opsServer: false });
    await reader.start();
    producer = new EventProducer(config);
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    await reader.stop();
    await producer?.disconnect();
    await deleteTestTopics(config);
  });

  it('ends with exact totals', async () => {
    const producing = (async () => {
      for (let i = 0; i < workload.events.length; i += 100) {
        await producer.send(workload.events.slice(i, i + 100));
        await sleep(25);
      }
    })();
    await reader.waitForAggregates((latest) => totals(latest).executions > expected.executions * 0.2);
    second = await startAggregator(config, { logger: quietLogger(), opsServer: false });
    // Both own partitions once the rebalance settled.
    await eventually(
      async () =>
        (first?.partitions().length ?? 0) > 0 && (second?.partitions().length ?? 0) > 0 ? true : undefined,
      { timeoutMs: 30_000, what: 'the partitions shared by both instances' },
    );
    await reader.waitForAggregates((latest) => totals(latest).executions > expected.executions * 0.6, 60_000);
    await first?.close(); // leaves the group: its partitions move to the second instance
    first = undefined;
    await producing;
    const latest = await reader.waitForAggregates((all) => {
      const sum = totals(all);
      return sum.executions === expected.executions && sum.errors === expected.errors;
    }, 60_000);
    for (const [classId, counts] of workload.expected) {
      expect(latest.get(classId)).toMatchObject({
        totalExecutions: counts.executions,
        totalErrors: counts.errors,
      });
    }
    expect(second?.partitions().sort()).toEqual([0, 1, 2, 3]);
  }, 120_000);

  it('never committed a total above the truth, and totals only grow', () => {
    const byClass = new Map<string, number[]>();
    for (const record of reader.aggregates()) {
      const value = record.value;
      if (!value) continue;
      byClass.set(value.classId, [
        ...(byClass.get(value.classId) ?? []),
        value.totalExecutions + value.totalErrors,
      ]);
    }
    for (const [classId, series] of byClass) {
      const counts = workload.expected.get(classId);
      expect(series).toEqual([...series].sort((a, b) => a - b));
      expect(Math.max(...series)).toBe((counts?.executions ?? 0) + (counts?.errors ?? 0));
    }
  });
});
