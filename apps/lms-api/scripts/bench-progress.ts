/**
 * The progress-read benchmark of issue #8: a class of 200 students with a million executions
 * stored, then the dashboard's progress reads against a running lms-api, with their latency
 * (p50, p99, max) beside a baseline run in the same run through bare `pg`: for the class pages,
 * the same figures counted from the raw cell_executions rows (what the endpoint did before the
 * progress summaries); for the timeline, the endpoint's own statement; for the activity chart,
 * the same counts from `student_progress` by bare Flux (what the endpoint read before the
 * `class_activity` read model).
 *
 *   npm run bench:progress -w @cellstream/lms-api -- [--students 200] [--executions 1000000]
 *     [--requests 400] [--baseline-requests 40] [--concurrency 4]
 *
 * Needs the stack (`npm run stack -- up`). It creates its own database and drops it at the end.
 * The class, students and enrollments go through lms-api's API; the executions are generated in
 * SQL (what the persister would have written), spread over 3 notebooks of 20 cells and 7 days.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ROLLUP_MINUTE_MS, recountActivity, type TouchedMinutes, toLines } from '@cellstream/persister';
import type { LearningEvent } from '@cellstream/schemas';
import { firstValue, InfluxQl } from '@cellstream/shared';
import { AppProcess, createTestBucket, createTestDatabase, testEnv } from '@cellstream/testkit';
import pg from 'pg';
import { classActivity } from '../src/queries/activity.js';
import { influxUnavailable } from '../src/services/influx.js';

const { values: flags } = parseArgs({
  options: {
    students: { type: 'string', default: '200' },
    executions: { type: 'string', default: '1000000' },
    requests: { type: 'string', default: '400' },
    /** Counting a million raw rows takes seconds a call: the class-page baselines run fewer. */
    'baseline-requests': { type: 'string', default: '40' },
    concurrency: { type: 'string', default: '4' },
    keep: { type: 'boolean', default: false },
  },
});
const studentCount = Number(flags.students);
const executionCount = Number(flags.executions);
const requestCount = Number(flags.requests);
const baselineRequests = Number(flags['baseline-requests']);
const concurrency = Number(flags.concurrency);
const admin = { username: 'bench-admin', password: 'bench-admin-password' };

const say = (line: string) => process.stdout.write(`${line}\n`);

async function api<T>(
  base: string,
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Creates the class, students and enrollments through the API; returns the class id and userIds. */
async function provision(base: string, token: string): Promise<{ classId: number; userIds: string[] }> {
  const created = await api<{ id: number }>(base, token, 'POST', '/classes', {
    name: 'Progress benchmark',
    class_code: `BENCH-${Date.now()}`,
    description: 'issue #8 progress-read benchmark',
  });
  const userIds = Array.from({ length: studentCount }, (_, i) => `bench-${String(i + 1).padStart(4, '0')}`);
  for (let i = 0; i < userIds.length; i += 20) {
    await Promise.all(
      userIds.slice(i, i + 20).map(async (userId) => {
        await api(base, token, 'POST', '/students', {
          userId,
          displayName: userId,
          password: `${userId}-pw`,
        });
        await api(base, token, 'POST', `/classes/${created.id}/students`, { userId });
      }),
    );
  }
  return { classId: created.id, userIds };
}

/** What the persister would have stored: notebooks, cells and `executionCount` executions. */
async function fillExecutions(client: pg.Pool, classId: number, userIds: string[]): Promise<void> {
  const cls = String(classId);
  await client.query(
    `INSERT INTO notebooks (class_id, path) SELECT $1, 'week' || n || '/lesson.ipynb' FROM generate_series(1, 3) n`,
    [cls],
  );
  await client.query(
    `INSERT INTO cells (notebook_id, cell_id, cell_index, cell_type)
     SELECT nb.id, 'cell-' || i, i, 'code' FROM notebooks nb, generate_series(0, 19) i WHERE nb.class_id = $1`,
    [cls],
  );
  const chunk = 200_000;
  for (let start = 0; start < executionCount; start += chunk) {
    const end = Math.min(executionCount, start + chunk);
    await client.query(
      `WITH nbs AS (SELECT array_agg(id ORDER BY id) ids FROM notebooks WHERE class_id = $1)
       INSERT INTO cell_executions (event_id, event_type, user_id, class_id, session_id, notebook_id,
         cell_id, cell_index, execution_count, code, has_error, error_name, error_message, duration_ms,
         event_time)
       SELECT 'bench-' || g, CASE WHEN g % 7 = 0 THEN 'cell_execution_error' ELSE 'cell_execution_complete' END,
         ($2::text[])[1 + g % $3], $1, 'session-' || (g % $3), nbs.ids[1 + (g / $3) % 3],
         'cell-' || (g / 7) % 20, (g / 7) % 20, g % 50, 'print(' || g || ')', g % 7 = 0,
         CASE WHEN g % 7 = 0 THEN 'NameError' END, CASE WHEN g % 7 = 0 THEN 'name ''x'' is not defined' END,
         (g % 300)::float8, now() - (g % 604800) * interval '1 second'
       FROM generate_series($4::int, $5::int) g, nbs`,
      [cls, userIds, userIds.length, start, end - 1],
    );
  }
  await client.query('ANALYZE');
}

/**
 * The same executions as InfluxDB points in a bucket of the run's own, written by the persister's
 * own code: `toLines` (a `student_progress` and a `class_activity` point each), then
 * `recountActivity` over the 7 days (`class_activity_1m`), for the activity reads.
 */
async function fillActivity(bucket: string, classId: number, userIds: string[]): Promise<void> {
  const endpoint = new URL('/api/v2/write', testEnv.INFLUX_URL);
  endpoint.search = new URLSearchParams({ org: testEnv.INFLUX_ORG, bucket, precision: 'ns' }).toString();
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  if (testEnv.INFLUX_TOKEN) headers.authorization = `Token ${testEnv.INFLUX_TOKEN}`;
  const nowMs = Date.now();
  const chunk = 10_000;
  let next = 0;
  const worker = async () => {
    while (next < executionCount) {
      const from = next;
      next = Math.min(executionCount, from + chunk);
      const lines: string[] = [];
      for (let g = from; g < next; g++) {
        const error = g % 7 === 0;
        const users = userIds.length;
        const event: LearningEvent = {
          eventId: `bench-${g}`,
          eventType: error ? 'cell_execution_error' : 'cell_execution_complete',
          // As the SQL rows: one every second over 7 days, spread within each second.
          eventTime: nowMs - (g % 604_800) * 1_000 - (g % 997),
          userId: userIds[g % users] as string,
          classId: String(classId),
          sessionId: `session-${g % users}`,
          notebookPath: `week${1 + (Math.floor(g / users) % 3)}`,
          cellId: `cell-${Math.floor(g / 7) % 20}`,
          cellIndex: Math.floor(g / 7) % 20,
          executionCount: g % 50,
          cellType: 'code',
          code: null,
          hasError: error,
          errorName: null,
          errorMessage: null,
          result: null,
          executionDurationMs: g % 300,
          metadata: {},
          receivedAt: nowMs,
        };
        lines.push(...toLines(event));
      }
      const response = await fetch(endpoint, { method: 'POST', headers, body: lines.join('\n') });
      if (response.status !== 204)
        throw new Error(`InfluxDB write: ${response.status} ${await response.text()}`);
    }
  };
  await Promise.all([worker(), worker()]);
  // Then the per-minute counts, as the persister recounts them after writing a batch.
  const influx = new InfluxQl({
    url: testEnv.INFLUX_URL,
    token: testEnv.INFLUX_TOKEN,
    bucket,
    timeoutMs: 300_000,
    failure: influxUnavailable,
  });
  const touched: TouchedMinutes = new Map();
  const firstMinute = Math.floor((nowMs - 604_800_000) / ROLLUP_MINUTE_MS) * ROLLUP_MINUTE_MS;
  for (let minute = firstMinute; minute <= nowMs; minute += ROLLUP_MINUTE_MS)
    touched.set(minute, new Set([String(classId)]));
  const rollup = await recountActivity(influx, touched);
  for (let start = 0; start < rollup.length; start += chunk) {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers,
      body: rollup.slice(start, start + chunk).join('\n'),
    });
    if (response.status !== 204)
      throw new Error(`InfluxDB write: ${response.status} ${await response.text()}`);
  }
}

interface Figures {
  p50: number;
  p99: number;
  max: number;
  perSecond: number;
}

function figures(samples: number[], wallMs: number): Figures {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return {
    p50: at(0.5),
    p99: at(0.99),
    max: sorted.at(-1) ?? Number.NaN,
    perSecond: (samples.length / wallMs) * 1000,
  };
}

/** Runs `calls` calls of `call`, `concurrency` at a time, after `warmUp` warm-up calls. */
async function measure(
  call: (i: number) => Promise<void>,
  calls = requestCount,
  warmUp = 20,
): Promise<Figures> {
  for (let i = 0; i < warmUp; i++) await call(i);
  const samples: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        const i = next++;
        const t0 = performance.now();
        await call(i);
        samples.push(performance.now() - t0);
      }
    }),
  );
  return figures(samples, performance.now() - started);
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
/** Two significant digits below 1 (0.053×), one decimal above. */
const ratio = (value: number) => `${value < 1 ? value.toPrecision(2) : value.toFixed(1)}×`;

async function main(): Promise<void> {
  const database = await createTestDatabase('bench_progress');
  const bucket = await createTestBucket('bench_progress');
  const lms = await AppProcess.start(
    'lms-api',
    {
      ...process.env,
      DATABASE_URL: database.url,
      ADMIN_USERNAME: admin.username,
      ADMIN_PASSWORD: admin.password,
      SEED_DEMO: 'false',
      INFLUX_BUCKET: bucket.bucket,
      LOGIN_RATE_LIMIT: '100000',
      NODE_ENV: 'production',
    },
    // `CHILD_NODE_ARGS` passes node flags to lms-api, e.g. `--cpu-prof --cpu-prof-dir=DIR`.
    { readyTimeoutMs: 120_000, nodeArgs: process.env.CHILD_NODE_ARGS?.split(' ').filter(Boolean) },
  );
  // A pool as wide as the request concurrency, so the bare-SQL baseline runs as concurrently as the API.
  const client = new pg.Pool({ connectionString: database.url, max: concurrency });
  try {
    const { token } = await api<{ token: string }>(lms.url, null, 'POST', '/auth/login', admin);
    let t0 = performance.now();
    const { classId, userIds } = await provision(lms.url, token);
    say(`provisioned 1 class, ${userIds.length} students through the API in ${ms(performance.now() - t0)}`);
    t0 = performance.now();
    await fillExecutions(client, classId, userIds);
    const stored = (await client.query('SELECT count(*)::int n FROM cell_executions')).rows[0].n as number;
    say(
      `stored ${stored.toLocaleString('en')} executions in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    t0 = performance.now();
    await fillActivity(bucket.bucket, classId, userIds);
    say(
      `wrote ${executionCount.toLocaleString('en')} executions to InfluxDB (student_progress, class_activity, and class_activity_1m recounted) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    // The figures served come from the summaries the triggers kept while the rows went in.
    const disagreeing = await client.query(
      `SELECT count(*)::int n FROM student_class_progress p FULL JOIN (
         SELECT class_id, user_id, count(*) FILTER (WHERE event_type = 'cell_execution_complete')::int executions,
                count(*) FILTER (WHERE event_type = 'cell_execution_error')::int errors, max(event_time) last_activity
           FROM cell_executions GROUP BY 1, 2) r USING (class_id, user_id)
       WHERE (p.executions, p.errors, p.last_activity) IS DISTINCT FROM (r.executions, r.errors, r.last_activity)`,
    );
    say(`students whose summary differs from a recount of their rows: ${disagreeing.rows[0].n}`);

    const get = async (path: string) => {
      const response = await fetch(`${lms.url}/api/v1${path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (response.status !== 200) throw new Error(`GET ${path}: ${response.status}`);
      await response.arrayBuffer();
    };
    const pick = (i: number) => userIds[(i * 37) % userIds.length] as string;
    const cls = String(classId);
    // The class pages' baseline: their counts taken from the raw rows, as before the summaries.
    const countRawRows = async (users: string[]) => {
      await client.query(
        `SELECT user_id, count(*) FILTER (WHERE event_type = 'cell_execution_complete'),
           count(*) FILTER (WHERE event_type = 'cell_execution_error'), max(event_time)
         FROM cell_executions WHERE class_id = $1 AND user_id = ANY($2) GROUP BY user_id`,
        [cls, users],
      );
    };
    const rows: [string, Figures, Figures][] = [];

    rows.push([
      `GET /classes/${classId}/progress?limit=50 (4 pages)`,
      await measure((i) => get(`/classes/${classId}/progress?limit=50&skip=${(i % 4) * 50}`)),
      await measure((i) => countRawRows(userIds.slice((i % 4) * 50, (i % 4) * 50 + 50)), baselineRequests, 2),
    ]);
    rows.push([
      `GET /classes/${classId}/progress?limit=200 (whole class)`,
      await measure(() => get(`/classes/${classId}/progress?limit=200`)),
      await measure(() => countRawRows(userIds), baselineRequests, 2),
    ]);
    rows.push([
      `GET /classes/${classId}/students/:userId/timeline?limit=50`,
      await measure((i) => get(`/classes/${classId}/students/${pick(i)}/timeline?limit=50`)),
      await measure(async (i) => {
        await client.query(
          `SELECT * FROM cell_executions WHERE user_id = $1 AND class_id = $2
           ORDER BY event_time DESC, id DESC LIMIT 51`,
          [pick(i), cls],
        );
      }),
    ]);

    // The activity reads' baseline: the class's counts from student_progress, as the endpoint
    // read them before the class_activity read model (a series per student, session, notebook).
    const fluxOf = (interval: string, range: string) => `from(bucket: "${bucket.bucket}")
  |> range(start: -${range})
  |> filter(fn: (r) => r._measurement == "student_progress" and r._field == "success")
  |> filter(fn: (r) => r.classId == "${classId}")
  |> filter(fn: (r) => r.event == "cell_execution_complete" or r.event == "cell_execution_error")
  |> group(columns: ["event"])
  |> aggregateWindow(every: ${interval}, fn: count, createEmpty: false)`;
    const bareFlux = async (interval: string, range: string) => {
      const response = await fetch(new URL(`/api/v2/query?org=${testEnv.INFLUX_ORG}`, testEnv.INFLUX_URL), {
        method: 'POST',
        headers: {
          'content-type': 'application/vnd.flux',
          accept: 'application/csv',
          ...(testEnv.INFLUX_TOKEN ? { authorization: `Token ${testEnv.INFLUX_TOKEN}` } : {}),
        },
        body: fluxOf(interval, range),
      });
      if (response.status !== 200) throw new Error(`Flux: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
    };
    // The dashboard's live chart (per minute over the last hour), and a week per hour. Beside the
    // endpoint, its InfluxQL statement alone (classActivity called directly: no HTTP, token or
    // PostgreSQL lookup), to tell lms-api's share from InfluxDB's.
    const influx = new InfluxQl({
      url: testEnv.INFLUX_URL,
      token: testEnv.INFLUX_TOKEN,
      bucket: bucket.bucket,
      timeoutMs: 60_000,
      failure: influxUnavailable,
    });
    const bareStatements: string[] = [];
    // The week's Flux baseline takes seconds a call: it runs the class-page baselines' count.
    for (const [interval, range, baselineCalls] of [
      ['1m', '1h', requestCount],
      ['1h', '7d', baselineRequests],
    ] as const) {
      rows.push([
        `GET /classes/${classId}/activity?interval=${interval}&range=${range}`,
        await measure(() => get(`/classes/${classId}/activity?interval=${interval}&range=${range}`)),
        // Baseline: the same counts from student_progress, POSTed bare.
        await measure(() => bareFlux(interval, range), baselineCalls, 2),
      ]);
      const statement = await measure(async () => {
        await classActivity(influx, { classId, interval, range });
      });
      bareStatements.push(
        `${interval} over ${range}: p50 ${ms(statement.p50)}, p99 ${ms(statement.p99)}, max ${ms(statement.max)}`,
      );
    }
    // The chart's figures against the points they count: the week's windows summed, and the
    // class_activity points of the same span counted directly.
    const now = Date.now();
    const week = await classActivity(influx, { classId, interval: '1h', range: '7d', now });
    const charted = week.reduce((sum, bucket) => sum + bucket.executions + bucket.errors, 0);
    const spanStart = Date.parse(week[0]?.time ?? '');
    const counted = firstValue(
      await influx.run(
        `SELECT count("n") FROM "class_activity" WHERE "classId" = $classId AND time >= ${spanStart}ms AND time < ${spanStart + week.length * 3_600_000}ms`,
        { classId: String(classId) },
      ),
    );
    say(
      `activity check: the week's chart (class_activity_1m) sums ${charted.toLocaleString('en')} executions; class_activity holds ${counted.toLocaleString('en')} over the same windows${charted === counted ? '' : ' (DIFFERENT)'}`,
    );

    say(
      `\nProgress reads: ${requestCount} requests per endpoint, ${concurrency} at a time (after 20 warm-up); the class-page baselines (counting the raw rows) ${baselineRequests} each`,
    );
    say('| read | p50 | p99 | max | req/s | baseline p99 | p99 / baseline |');
    say('|---|---|---|---|---|---|---|');
    for (const [name, api_, bare] of rows) {
      say(
        `| ${name} | ${ms(api_.p50)} | ${ms(api_.p99)} | ${ms(api_.max)} | ${api_.perSecond.toFixed(0)} | ${ms(bare.p99)} | ${ratio(api_.p99 / bare.p99)} |`,
      );
    }
    say(
      `\nThe activity reads' InfluxQL statement alone (class_activity_1m, ${concurrency} at a time): ${bareStatements.join('; ')}`,
    );
    const worst = Math.max(...rows.map(([, f]) => f.p99));
    say(`\nworst p99 ${ms(worst)} (target < 100 ms): ${worst < 100 ? 'met' : 'NOT met'}`);
  } finally {
    await client.end();
    await lms.stop('SIGTERM');
    if (!flags.keep) await Promise.all([database.drop(), bucket.drop()]);
  }
}

await main();
