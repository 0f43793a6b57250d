import { randomUUID } from 'node:crypto';
import { toLines } from '@cellstream/persister';
import type { LearningEvent } from '@cellstream/schemas';
import { testEnv } from '@cellstream/testkit';

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

/** Writes the points the persister writes for `events` (student_progress and class_activity). */
export async function writePoints(bucket: string, events: readonly LearningEvent[]): Promise<void> {
  const url = new URL('/api/v2/write', testEnv.INFLUX_URL);
  url.search = new URLSearchParams({ org: testEnv.INFLUX_ORG, bucket, precision: 'ns' }).toString();
  const response = await fetch(url, {
    method: 'POST',
    headers: testEnv.INFLUX_TOKEN ? { authorization: `Token ${testEnv.INFLUX_TOKEN}` } : {},
    body: events.flatMap((event) => toLines(event)).join('\n'),
  });
  if (response.status !== 204) throw new Error(`InfluxDB write: ${response.status} ${await response.text()}`);
}

/** Points of a measurement matching an InfluxQL condition, counted by a field every point has. */
export async function countPoints(
  bucket: string,
  measurement: 'student_progress' | 'class_activity',
  where: string,
): Promise<number> {
  const url = new URL('/query', testEnv.INFLUX_URL);
  url.search = new URLSearchParams({ db: bucket }).toString();
  const field = measurement === 'student_progress' ? 'eventId' : 'n';
  const response = await fetch(url, {
    method: 'POST',
    headers: testEnv.INFLUX_TOKEN ? { authorization: `Token ${testEnv.INFLUX_TOKEN}` } : {},
    body: new URLSearchParams({ q: `SELECT count("${field}") FROM "${measurement}" WHERE ${where}` }),
  });
  const body = (await response.json()) as { results?: { series?: { values?: [string, number][] }[] }[] };
  return body.results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0;
}
