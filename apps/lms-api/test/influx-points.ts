import { randomUUID } from 'node:crypto';
import { activityLine, recountActivity, toLines, touchedMinutes } from '@cellstream/persister';
import type { LearningEvent } from '@cellstream/schemas';
import { firstValue, InfluxQl } from '@cellstream/shared';
import { testEnv } from '@cellstream/testkit';
import { influxFromConfig } from '../src/services/influx.js';

/** lms-api's client of an InfluxDB that is not there (nothing listens on port 9). */
export const unreachableInflux = () =>
  influxFromConfig({ INFLUX_URL: 'http://127.0.0.1:9', INFLUX_TOKEN: '', INFLUX_BUCKET: 'none' });

/** A finished execution, unless overridden; the fields InfluxDB does not keep are left empty. */
export function execution(overrides: Partial<LearningEvent> & Pick<LearningEvent, 'userId'>): LearningEvent {
  return {
    eventId: randomUUID(),
    eventType: 'cell_execution_complete',
    eventTime: Date.now(),
    classId: null,
    sessionId: `s-${overrides.userId}`,
    notebookPath: 'intro.ipynb',
    cellId: 'c1',
    cellIndex: 0,
    executionCount: 1,
    cellType: 'code',
    code: null,
    hasError: overrides.eventType === 'cell_execution_error',
    errorName: null,
    errorMessage: null,
    result: null,
    executionDurationMs: 10,
    metadata: {},
    receivedAt: Date.now(),
    ...overrides,
  };
}

/**
 * Writes the points the persister writes for `events`: student_progress, class_activity, then
 * the recount of the minutes they fall in (class_activity_1m), with the persister's own code.
 */
export async function writePoints(bucket: string, events: readonly LearningEvent[]): Promise<void> {
  await post(
    bucket,
    events.flatMap((event) => toLines(event)),
  );
  const counted = events.filter((event) => activityLine(event) !== undefined);
  await post(bucket, await recountActivity(influxOf(bucket), touchedMinutes(counted)));
}

/** A client of the test's own bucket; failures are plain errors. */
const influxOf = (bucket: string) =>
  new InfluxQl({
    url: testEnv.INFLUX_URL,
    token: testEnv.INFLUX_TOKEN,
    bucket,
    timeoutMs: 60_000,
    failure: (reason) => new Error(`InfluxDB: ${reason}`),
  });

async function post(bucket: string, lines: readonly string[]): Promise<void> {
  const url = new URL('/api/v2/write', testEnv.INFLUX_URL);
  url.search = new URLSearchParams({ org: testEnv.INFLUX_ORG, bucket, precision: 'ns' }).toString();
  for (let start = 0; start < lines.length; start += 10_000) {
    const response = await fetch(url, {
      method: 'POST',
      headers: testEnv.INFLUX_TOKEN ? { authorization: `Token ${testEnv.INFLUX_TOKEN}` } : {},
      body: lines.slice(start, start + 10_000).join('\n'),
    });
    if (response.status !== 204)
      throw new Error(`InfluxDB write: ${response.status} ${await response.text()}`);
  }
}

/**
 * Points of a measurement matching an InfluxQL condition, counted by a field every point has;
 * for class_activity_1m, the executions it counts (the sum of n).
 */
export async function countPoints(
  bucket: string,
  measurement: 'student_progress' | 'class_activity' | 'class_activity_1m',
  where: string,
): Promise<number> {
  const aggregate =
    measurement === 'student_progress'
      ? 'count("eventId")'
      : measurement === 'class_activity'
        ? 'count("n")'
        : 'sum("n")';
  return firstValue(await influxOf(bucket).run(`SELECT ${aggregate} FROM "${measurement}" WHERE ${where}`));
}
