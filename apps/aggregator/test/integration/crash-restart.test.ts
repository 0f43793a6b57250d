import { sleep } from '@cellstream/shared';
import { AppProcess, freePort } from '@cellstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T0 } from '../support/events.js';
import {
  deleteTestTopics,
  EventProducer,
  OutputReader,
  testConfig,
  testEnvironment,
  totals,
} from '../support/stack.js';
import { classroomWorkload, expectedTotals } from '../support/workload.js';

/** `CHILD_NODE_ARGS` passes node flags to the child, e.g. to profile it. */
const startAggregator = (env: Record<string, string>, port: number) =>
  AppProcess.start('aggregator', env, {
    port,
    nodeArgs: process.env.CHILD_NODE_ARGS?.split(' ').filter(Boolean),
  });

// The aggregator process is killed with SIGKILL in the middle of the stream (transactions in
// flight, state not yet committed), then started again: the totals end exact, and no committed
// aggregate ever counted an event twice.
describe('aggregator: SIGKILL and restart mid-stream', () => {
  const env = testEnvironment('agg-crash');
  const config = testConfig(env);
  const workload = classroomWorkload({
    classes: 12,
    studentsPerClass: 8,
    events: 8_000,
    startTime: T0,
    spacingMs: 50,
    duplicateRate: 0.05,
  });
  const expected = expectedTotals(workload.expected);
  const reader = new OutputReader(config);
  let producer: EventProducer;
  let child: AppProcess | undefined;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    child = await startAggregator(env, port);
    await reader.start();
    producer = new EventProducer(config);
    await producer.connect();
  }, 120_000);

  afterAll(async () => {
    await child?.stop('SIGKILL');
    await reader.stop();
    await producer?.disconnect();
    await deleteTestTopics(config);
  });

  it('ends with exact totals', async () => {
    // Produce steadily in the background; kill the aggregator once part of it is counted.
    const producing = (async () => {
      for (let i = 0; i < workload.events.length; i += 200) {
        await producer.send(workload.events.slice(i, i + 200));
        await sleep(40);
      }
    })();
    await reader.waitForAggregates((latest) => totals(latest).executions > expected.executions * 0.25);
    const killed = child;
    expect(await killed?.stop('SIGKILL')).toBeNull();
    const countedAtKill = totals(reader.latest(config.CLASS_AGGREGATES_TOPIC));
    expect(countedAtKill.executions).toBeLessThan(expected.executions);

    child = await startAggregator(env, port);
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

  it('shuts down cleanly on SIGTERM', async () => {
    expect(await child?.stop('SIGTERM')).toBe(0);
  }, 30_000);
});
