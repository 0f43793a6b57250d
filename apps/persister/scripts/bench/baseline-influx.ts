import type { LearningEvent } from '@cellstream/schemas';
import { activityPointTime, nanosecondOffset } from '../../src/influx/point-mapper.js';
import { benchEvents } from './workload.js';

/**
 * The InfluxDB baseline: the same points (`student_progress`, and `class_activity` for each
 * finished execution of a class), as line protocol built by a bare template (no Point
 * objects, no escaping beyond what the workload needs: its strings have no special characters)
 * and POSTed to /api/v2/write with fetch, `chunk` events per request, `concurrency` requests at
 * once.
 */
export async function influxBaseline(options: {
  url: string;
  token: string;
  org: string;
  bucket: string;
  count: number;
  chunk: number;
  concurrency: number;
}): Promise<{ seconds: number; eventsPerSecond: number }> {
  const endpoint = new URL('/api/v2/write', options.url);
  endpoint.search = new URLSearchParams({
    org: options.org,
    bucket: options.bucket,
    precision: 'ns',
  }).toString();
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  if (options.token) headers.authorization = `Token ${options.token}`;
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < options.count) {
      const from = next;
      next = Math.min(options.count, from + options.chunk);
      const body = benchEvents(from, next).map(line).join('\n');
      const response = await fetch(endpoint, { method: 'POST', headers, body });
      if (response.status !== 204)
        throw new Error(`baseline write: ${response.status} ${await response.text()}`);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1_000;
  return { seconds, eventsPerSecond: options.count / seconds };
}

function line(e: LearningEvent): string {
  let tags = `student_progress,classId=${e.classId},event=${e.eventType}`;
  if (e.notebookPath) tags += `,notebook=${e.notebookPath}`;
  if (e.cellType) tags += `,cellType=${e.cellType}`;
  tags += `,sessionId=${e.sessionId},userId=${e.userId}`;
  let fields = `eventId="${e.eventId}"`;
  if (e.cellId !== null) fields += `,cellId="${e.cellId}"`;
  if (e.notebookPath !== null) fields += `,notebookPath="${e.notebookPath}"`;
  if (e.executionCount !== null) fields += `,executionCount=${e.executionCount}i`;
  if (e.eventType.startsWith('cell_execution'))
    fields += `,success=${e.eventType !== 'cell_execution_error'}`;
  if (e.executionDurationMs !== null) fields += `,duration=${e.executionDurationMs}`;
  const time = BigInt(e.eventTime) * 1_000_000n + BigInt(nanosecondOffset(e.eventId));
  const progress = `${tags} ${fields} ${time}`;
  if (
    e.classId === null ||
    (e.eventType !== 'cell_execution_complete' && e.eventType !== 'cell_execution_error')
  )
    return progress;
  return `${progress}\nclass_activity,classId=${e.classId},event=${e.eventType} n=1i ${activityPointTime(e)}`;
}
