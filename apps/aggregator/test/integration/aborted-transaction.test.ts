import { eventually } from '@cellstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AggregatorError } from '../../src/errors.js';
import type { OutputRecord } from '../../src/processing/records.js';
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

// A failure injected after a transaction's records were sent and before its commit: the
// transaction aborts, a read_uncommitted reader sees what it wrote, a read_committed reader
// never does, and the partition's input is processed again so that the totals stay exact.
describe('aggregator: an aborted transaction', () => {
  const config = testConfig(testEnvironment('agg-abort'));
  const workload = classroomWorkload({
    classes: 6,
    studentsPerClass: 5,
    events: 600,
    startTime: T0,
    spacingMs: 500,
    errorRate: 0.6,
  });
  let aggregator: RunningAggregator;
  let producer: EventProducer;
  const committed = new OutputReader(config);
  const uncommitted = new OutputReader(config, { readUncommitted: true });
  const failures: { partition: number; alerts: number }[] = [];

  beforeAll(async () => {
    aggregator = await startAggregator(config, {
      logger: quietLogger(),
      hooks: {
        // Fails the first transaction of each partition that carries an alert, once.
        beforeCommit: (partition, records: readonly OutputRecord[]) => {
          const alerts = records.filter((record) => record.topic === config.ALERTS_TOPIC).length;
          if (alerts > 0 && !failures.some((failure) => failure.partition === partition)) {
            failures.push({ partition, alerts });
            throw new AggregatorError('AGG_INJECTED_FAILURE', 'injected before commit');
          }
        },
      },
    });
    await Promise.all([committed.start(), uncommitted.start()]); // the aggregator created the topics
    producer = new EventProducer(config);
    await producer.connect();
    for (let i = 0; i < workload.events.length; i += 100)
      await producer.send(workload.events.slice(i, i + 100));
  });

  afterAll(async () => {
    await Promise.all([committed.stop(), uncommitted.stop()]);
    await producer?.disconnect();
    await aggregator?.close();
    await deleteTestTopics(config);
  });

  it('keeps the totals exact', async () => {
    const expected = expectedTotals(workload.expected);
    const latest = await committed.waitForAggregates((all) => {
      const sum = totals(all);
      return sum.executions === expected.executions && sum.errors === expected.errors;
    });
    for (const [classId, counts] of workload.expected) {
      expect(latest.get(classId)).toMatchObject({
        totalExecutions: counts.executions,
        totalErrors: counts.errors,
      });
    }
    expect(failures.length).toBeGreaterThan(0);
  });

  it('never shows a read_committed consumer what an aborted transaction wrote', async () => {
    // The aborted attempts are visible to read_uncommitted: their alerts appear twice there.
    const aborted = await eventually(
      async () => {
        const counts = new Map<string, number>();
        for (const record of uncommitted.alerts()) {
          const id = record.value?.alertId ?? '';
          counts.set(id, (counts.get(id) ?? 0) + 1);
        }
        const twice = [...counts].filter(([, count]) => count > 1).map(([id]) => id);
        return twice.length > 0 ? twice : undefined;
      },
      { what: 'aborted alerts in the read_uncommitted view' },
    );
    // Each committed view partition is read on its own: wait until the retried alerts arrived.
    const committedIds = await eventually(
      async () => {
        const ids = committed.alerts().map((record) => record.value?.alertId);
        return aborted.every((id) => ids.includes(id)) ? ids : undefined;
      },
      { what: 'the retried alerts in the read_committed view' },
    );
    expect(new Set(committedIds).size).toBe(committedIds.length); // each alert exactly once
    for (const id of aborted) expect(committedIds.filter((other) => other === id)).toHaveLength(1);

    // No record at an offset the read_committed view skipped belongs to it, and the
    // read_uncommitted view saw strictly more records (the aborted ones).
    const key = (record: { topic: string; partition: number; offset: string }) =>
      `${record.topic}/${record.partition}/${record.offset}`;
    const seen = new Set(committed.records.map(key));
    const onlyUncommitted = uncommitted.records.filter((record) => !seen.has(key(record)));
    expect(onlyUncommitted.length).toBeGreaterThan(0);

    // Totals never go backwards or jump past the truth in the committed stream of any class.
    const byClass = new Map<string, number[]>();
    for (const record of committed.aggregates()) {
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

  it('counts the aborts in /metrics', async () => {
    const text = await aggregator.metrics.metrics();
    expect(text).toMatch(/aggregator_transactions_total\{outcome="abort",service="aggregator"\} [1-9]/);
  });
});
