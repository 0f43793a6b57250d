import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { valueSubject } from '@cellstream/schemas';
import { eventually, testEnv } from '@cellstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pipeline, type PipelineApp } from '../faults/support/pipeline.js';
import { type DoctorReport, finding, runDoctor, runOpsCli, runShell } from './support/cli.js';
import { cellExecution, produceEvents } from './support/events.js';

/**
 * `npm run doctor` against a real platform (the stack's servers, every app as a process, topics,
 * groups, database and bucket of this file's own): healthy, then one thing broken at a time. Each
 * time the doctor must name that problem and its fix and nothing else, and each test puts the
 * platform back to healthy (most often by running the fix the doctor printed).
 */
const apps: PipelineApp[] = ['lms-api', 'ingest', 'persister', 'aggregator', 'realtime'];
const portVariables: Record<PipelineApp, string> = {
  'lms-api': 'LMS_PORT',
  ingest: 'INGEST_PORT',
  realtime: 'REALTIME_PORT',
  persister: 'PERSISTER_PORT',
  aggregator: 'AGGREGATOR_PORT',
};

describe('npm run doctor', () => {
  let pipeline: Pipeline;
  let env: Record<string, string>;
  const doctor = (overrides: Record<string, string> = {}) => runDoctor({ ...env, ...overrides });
  const healthy = async (what: string, overrides: Record<string, string> = {}): Promise<DoctorReport> => {
    let last: DoctorReport | undefined;
    try {
      return await eventually(
        async () => {
          last = await doctor(overrides);
          return last.ok ? last : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 1_000, what },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; last doctor report:\n${last?.text}`, { cause: error });
    }
  };

  beforeAll(async () => {
    // A session timeout longer than a doctor run: a stalled member stays in its group meanwhile.
    pipeline = await Pipeline.start('ops-doctor', {
      CONSUMER_SESSION_TIMEOUT_MS: '30000',
      CONSUMER_HEARTBEAT_INTERVAL_MS: '3000',
    });
    env = { ...pipeline.env, DOCTOR_MAX_LAG: '20', DOCTOR_TIMEOUT_MS: '6000' };
    for (const app of apps) env[portVariables[app]] = new URL(pipeline.url(app)).port;
    // lms-api writes notifications unprefixed, so one of this file's topics is only declared here.
    const fixed = await runOpsCli('doctor', ['fix-contracts'], env);
    expect(fixed.code, fixed.stderr).toBe(0);
  });

  afterAll(async () => {
    const persister = pipeline?.apps.get('persister');
    if (persister?.pid) process.kill(persister.pid, 'SIGCONT');
    // A test that failed half-way may leave InfluxDB stopped: the stack CLI starts what is missing.
    if (!(await influxAnswers())) await runShell('npm run --silent stack -- up', env);
    await pipeline?.stop();
  });

  it('passes every check on a healthy platform, within seconds, exit code 0', async () => {
    const report = await healthy('a healthy report');
    expect(report.code).toBe(0);
    expect(report.findings.map((f) => f.status)).not.toContain('skipped');
    const human = await runOpsCli('doctor', [], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^OK {7}kafka/m);
    expect(human.stdout.trimEnd().split('\n').at(-1)).toBe('All checks passed.');
  });

  it('names a stopped app and how to start it, and nothing else', async () => {
    await pipeline.app('aggregator').stop('SIGTERM');
    const report = await doctor();
    expect(report.code).toBe(1);
    expect(report.problemIds, report.text).toEqual(['app:aggregator']);
    const [item] = finding(report, 'app:aggregator').problems;
    expect(item?.what).toMatch(/aggregator is not running: nothing answers at http:\/\/127\.0\.0\.1:\d+/);
    expect(item?.fix).toBe('npm run stack -- start');
    await pipeline.startApp('aggregator');
    await healthy('healthy once the aggregator runs again');
  });

  it('names a stopped InfluxDB, not the apps that need it, and its fix brings it back', async () => {
    const pid = stackPid('influxdb');
    process.kill(pid, 'SIGTERM');
    await eventually(async () => ((await influxAnswers()) ? undefined : true), {
      timeoutMs: 30_000,
      what: 'InfluxDB to stop',
    });
    const report = await eventually(
      async () => {
        const next = await doctor();
        // The persister notices within a probe or two; until then its /ready may still say up.
        return finding(next, 'app:persister').status === 'skipped' ? next : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the persister to report InfluxDB down' },
    );
    expect(report.problemIds, report.text).toEqual(['influxdb']);
    const [item] = finding(report, 'influxdb').problems;
    expect(item?.what).toContain(`InfluxDB does not answer at ${testEnv.INFLUX_URL}`);
    expect(finding(report, 'app:persister').summary).toBe('not ready because influxdb is not ok (see above)');
    expect(item?.fix).toBe('npm run stack -- up');
    const fixed = await runShell(item?.fix as string, env);
    expect(fixed.code, fixed.stderr).toBe(0);
    await healthy('healthy once InfluxDB is back');
  });

  it('names a deleted registry subject, and its fix registers it again', async () => {
    const subject = valueSubject(`${pipeline.prefix}learning.alerts.v1`);
    const deleted = await fetch(`${testEnv.SCHEMA_REGISTRY_URL}/subjects/${subject}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    const report = await doctor();
    expect(report.problemIds, report.text).toEqual(['registry']);
    const [item] = finding(report, 'registry').problems;
    expect(item?.what).toContain(`subjects not registered (deleted?): ${subject}`);
    expect(item?.fix).toBe('npm run doctor -- fix-contracts');
    const fixed = await runShell(item?.fix as string, env);
    expect(fixed.code, fixed.stderr).toBe(0);
    await healthy('healthy once the subject is registered again');
  });

  it('names a stalled consumer group and the process to restart, and nothing else', async () => {
    const persister = pipeline.app('persister');
    const pid = persister.pid as number;
    process.kill(pid, 'SIGSTOP');
    try {
      const classId = `ops-stall-${Date.now()}`;
      await produceEvents(
        pipeline.prefix,
        Array.from({ length: 40 }, () => cellExecution(classId)),
      );
      // The aggregator keeps up; only the stopped persister's two groups fall behind.
      const report = await eventually(
        async () => {
          const next = await doctor();
          return next.problemIds.includes('lag') ? next : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 500, what: 'the doctor to see the lag' },
      );
      expect(report.problemIds, report.text).toEqual(['app:persister', 'lag']);
      const hung = finding(report, 'app:persister').problems[0];
      expect(hung?.what).toMatch(/persister accepts connections .* but \/ready does not answer/);
      expect(hung?.fix).toBe(`kill -9 ${pid} && npm run stack -- start`);
      const lag = finding(report, 'lag').problems;
      expect(lag.map((p) => p.what.split(' ')[1]).sort()).toEqual(
        [env.PERSISTER_INFLUX_GROUP_ID, env.PERSISTER_PG_GROUP_ID].sort(),
      );
      for (const item of lag) {
        expect(item.what).toMatch(
          /is 40 records behind .* with 3 member\(s\), state Stable: its consumers are stalled/,
        );
        expect(item.fix).toContain(`kill -9 ${pid} && npm run stack -- start`);
      }
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await healthy('healthy once the persister resumes and drains its lag');
  });

  it('names a filling DLQ with the reasons, and how to read and replay it', async () => {
    // Records that are not LearningEvents: each of the three groups dead-letters each one.
    await produceEvents(pipeline.prefix, [Buffer.from('not avro 1'), Buffer.from('not avro 2')]);
    let seen = '';
    const report = await eventually(
      async () => {
        const next = await doctor();
        seen = `${finding(next, 'dlq').summary}\n${next.text}`;
        return finding(next, 'dlq').summary.startsWith('6 new') ? next : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, what: 'six dead letters' },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; the doctor said: ${seen}`);
    });
    expect(report.problemIds, report.text).toEqual(['dlq']);
    const [item] = finding(report, 'dlq').problems;
    expect(item?.what).toMatch(
      new RegExp(
        `^6 records dead-lettered to ${pipeline.prefix.replaceAll('.', '\\.')}learning\\.events\\.dlq\\.v1 in the last 15 min`,
      ),
    );
    expect(item?.what).toContain('SCHEMAS_WIRE_FORMAT 6');
    for (const group of [env.PERSISTER_PG_GROUP_ID, env.PERSISTER_INFLUX_GROUP_ID, env.AGGREGATOR_GROUP_ID]) {
      expect(item?.what).toContain(`/${group} 2`);
    }
    expect(item?.fix).toMatch(
      /^npm run dlq -- list --filter since=\S+ .*\nnpm run dlq -- replay --filter since=\S+$/,
    );
    const listed = await runOpsCli('dlq', ['list', '--json'], env);
    expect(listed.stdout.trim().split('\n')).toHaveLength(6);
    // Seen and understood: with a higher allowance the platform reads healthy again.
    await healthy('healthy with the dead letters allowed', { DOCTOR_DLQ_MAX_NEW: '6' });
  });

  it('names event times running ahead of broker time, and nothing else', async () => {
    const allowDlq = { DOCTOR_DLQ_MAX_NEW: '6' };
    const ahead = new Date(Date.now() + 10 * 60_000).toISOString();
    await produceEvents(
      pipeline.prefix,
      Array.from({ length: 15 }, () => cellExecution('ops-clock', { eventTime: ahead })),
      { partitions: 3 },
    );
    const report = await eventually(
      async () => {
        const next = await doctor(allowDlq);
        return next.problemIds.includes('clock') ? next : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'the doctor to see the skew' },
    );
    expect(report.problemIds, report.text).toEqual(['clock']);
    const [item] = finding(report, 'clock').problems;
    expect(item?.what).toMatch(
      /^recent events \(15\) carry event times a median (59\d|60\d)\.\d s ahead of their Kafka timestamps/,
    );
    expect(item?.fix).toContain('timedatectl');
    // Clocks fixed: the latest events are on time again.
    await produceEvents(
      pipeline.prefix,
      Array.from({ length: 15 }, () => cellExecution('ops-clock')),
      { partitions: 3 },
    );
    await healthy('healthy once events are on time', allowDlq);
  });
});

function stackPid(service: string): number {
  const stateDir =
    process.env.CELLSTREAM_STATE_DIR ||
    join(process.env.CELLSTREAM_CACHE_DIR || join(homedir(), '.cache', 'cellstream'), 'stack');
  return Number(readFileSync(join(stateDir, 'run', `${service}.pid`), 'utf8').trim());
}

async function influxAnswers(): Promise<boolean> {
  try {
    const response = await fetch(`${testEnv.INFLUX_URL}/ping`, { signal: AbortSignal.timeout(1_000) });
    return response.status === 204;
  } catch {
    return false;
  }
}
