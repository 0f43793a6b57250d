import { eventually } from '@cellstream/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pipeline } from '../faults/support/pipeline.js';
import { influxCount } from '../faults/support/verify.js';
import { runOpsCli, startOpsCli } from './support/cli.js';
import { cellExecution, produceEvents, readAll } from './support/events.js';

/**
 * `npm run dlq -- list|replay` on real dead letters: PostgreSQL enforces a check the platform
 * later relaxes (a constraint on cell_executions), so the persister dead-letters the events that
 * break it; once the check is dropped, replaying them stores each exactly once, however often
 * (and however concurrently) the replay runs.
 */
const TOTAL = 10;
const QUARANTINED = 4;

interface ListedLetter {
  id: string;
  code: string;
  failedBy: string;
  reason: string;
  replayed: boolean;
  event: { eventId: string } | null;
}

interface ReplayResult {
  matched: number;
  alreadyReplayed: number;
  replayed: number;
  ids: string[];
}

describe('npm run dlq', () => {
  let pipeline: Pipeline;
  let env: Record<string, string>;
  let db: pg.Client;

  beforeAll(async () => {
    pipeline = await Pipeline.start('ops-replay', {}, ['persister']);
    env = { ...pipeline.env };
    db = new pg.Client({ connectionString: pipeline.database.url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await pipeline?.stop();
  });

  const list = async (...args: string[]): Promise<ListedLetter[]> => {
    const result = await runOpsCli('dlq', ['list', '--json', ...args], env);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ListedLetter);
  };
  const replay = async (
    ...args: string[]
  ): Promise<ReplayResult & { code: number | null; stderr: string }> => {
    const result = await runOpsCli('dlq', ['replay', '--json', ...args], env);
    return {
      code: result.code,
      stderr: result.stderr,
      ...(result.code === 0 ? (JSON.parse(result.stdout) as ReplayResult) : emptyResult),
    };
  };
  const stored = async () =>
    (await db.query<{ event_id: string }>('SELECT event_id FROM cell_executions ORDER BY event_id')).rows.map(
      (row) => row.event_id,
    );

  it('lists the dead letters with their reasons, replays them once the check is relaxed, and never twice', async () => {
    // The persister has migrated the database: now the stricter check of "an earlier version".
    await db.query(
      "ALTER TABLE cell_executions ADD CONSTRAINT ops_no_quarantined_cells CHECK (cell_id NOT LIKE 'quarantine-%')",
    );
    const classId = `ops-replay-${Date.now()}`;
    const events = Array.from({ length: TOTAL }, (_, i) =>
      cellExecution(classId, i < QUARANTINED ? { cellId: `quarantine-${i}` } : {}),
    );
    await produceEvents(pipeline.prefix, events);
    const pgGroup = env.PERSISTER_PG_GROUP_ID as string;

    const letters = await eventually(
      async () => {
        const found = await list();
        return found.length >= QUARANTINED ? found : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 1_000, what: 'the quarantined events in the DLQ' },
    );
    expect(letters).toHaveLength(QUARANTINED);
    for (const letter of letters) {
      expect(letter).toMatchObject({
        code: 'PERSISTER_PG_REJECTED',
        failedBy: `persister/${pgGroup}`,
        replayed: false,
      });
      expect(letter.reason).toContain('ops_no_quarantined_cells');
    }
    expect(letters.map((l) => l.event?.eventId).sort()).toEqual(
      events
        .slice(0, QUARANTINED)
        .map((e) => e.eventId)
        .sort(),
    );
    await eventually(async () => ((await stored()).length === TOTAL - QUARANTINED ? true : undefined), {
      timeoutMs: 60_000,
      what: 'the other events stored',
    });
    const human = await runOpsCli('dlq', ['list'], env);
    expect(human.stdout).toContain(`${QUARANTINED} dead letters, ${QUARANTINED} not replayed yet`);
    expect(human.stdout).toContain(`by code:      PERSISTER_PG_REJECTED ${QUARANTINED}`);

    // A filter that matches nothing replays nothing.
    const none = await replay('--filter', 'code=PERSISTER_INFLUX_REJECTED');
    expect(none).toMatchObject({ code: 0, matched: 0, replayed: 0 });
    const dry = await replay('--dry-run');
    expect(dry).toMatchObject({ code: 0, matched: QUARANTINED, replayed: QUARANTINED });
    expect(await stored()).toHaveLength(TOTAL - QUARANTINED);

    // The check is relaxed; two operators replay at the same moment, then one again.
    await db.query('ALTER TABLE cell_executions DROP CONSTRAINT ops_no_quarantined_cells');
    const filters = ['--filter', `failed-by=persister/${pgGroup}`, '--filter', 'code=PERSISTER_PG_REJECTED'];
    const concurrent = await Promise.all([replay(...filters), replay(...filters)]);
    // The later run fences the earlier one: it may fail, never may both send the same record.
    const succeeded = concurrent.filter((run) => run.code === 0);
    expect(succeeded.length, concurrent.map((run) => run.stderr).join('\n')).toBeGreaterThan(0);
    for (const run of concurrent.filter((r) => r.code !== 0)) expect(run.stderr).toMatch(/fenc|epoch/i);
    const again = await replay(...filters);
    expect(again).toMatchObject({ code: 0, matched: QUARANTINED, alreadyReplayed: QUARANTINED, replayed: 0 });
    const replayedIds = [...succeeded.flatMap((run) => run.ids)];
    const firstRuns = new Set(replayedIds);
    expect(firstRuns.size).toBe(replayedIds.length);

    // Stored exactly once: every event in PostgreSQL and InfluxDB, and one replayed record per dead letter in the topic.
    await eventually(async () => ((await stored()).length === TOTAL ? true : undefined), {
      timeoutMs: 60_000,
      what: 'every event stored',
    });
    expect(await stored()).toEqual(events.map((e) => e.eventId).sort());
    await eventually(async () => ((await influxCount(pipeline.bucket.bucket)) === TOTAL ? true : undefined), {
      timeoutMs: 30_000,
      what: `${TOTAL} points in InfluxDB`,
    });
    const records = await readAll(pipeline.topic('learningEvents'), TOTAL + QUARANTINED);
    expect(records).toHaveLength(TOTAL + QUARANTINED);
    const replayedRecords = records.filter((record) => record.headers['dlq.replay.of'] !== undefined);
    expect(replayedRecords.map((r) => r.headers['dlq.replay.of']).sort()).toEqual(
      letters.map((l) => l.id).sort(),
    );
    for (const record of replayedRecords) {
      expect(record.headers['dlq.replay.for']).toBe(`persister/${pgGroup}`);
      expect(record.headers['dlq.reason']).toBeUndefined();
    }
    expect((await list()).every((letter) => letter.replayed)).toBe(true);
    // The replayed events are stored, so nothing came back to the DLQ.
    expect(await list()).toHaveLength(QUARANTINED);
  });

  it('a replay killed half-way and run again still sends each dead letter exactly once', async () => {
    const CRASHED = 30;
    await db.query(
      "ALTER TABLE cell_executions ADD CONSTRAINT ops_no_crash_cells CHECK (cell_id NOT LIKE 'crash-%')",
    );
    const events = Array.from({ length: CRASHED }, (_, i) =>
      cellExecution(`ops-crash-${Date.now()}`, { cellId: `crash-${i}` }),
    );
    await produceEvents(pipeline.prefix, events);
    const filter = ['--filter', 'reason=ops_no_crash_cells'];
    await eventually(async () => ((await list(...filter)).length === CRASHED ? true : undefined), {
      timeoutMs: 90_000,
      intervalMs: 1_000,
      what: `${CRASHED} more dead letters`,
    });
    await db.query('ALTER TABLE cell_executions DROP CONSTRAINT ops_no_crash_cells');
    const crashedIds = `SELECT count(*)::int AS n FROM cell_executions WHERE cell_id LIKE 'crash-%'`;

    // One record per transaction, so the replay is killed between and within transactions.
    const slow = startOpsCli('dlq', ['replay', '--json', ...filter], { ...env, DLQ_REPLAY_BATCH: '1' });
    await eventually(
      async () => (((await db.query<{ n: number }>(crashedIds)).rows[0]?.n ?? 0) >= 3 ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 50, what: 'the first replayed events stored' },
    );
    slow.child.kill('SIGKILL');
    await slow.done;

    const rerun = await replay(...filter);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.matched).toBe(CRASHED);
    expect(rerun.alreadyReplayed).toBeGreaterThanOrEqual(3);
    expect(rerun.alreadyReplayed + rerun.replayed).toBe(CRASHED);
    await eventually(
      async () => ((await db.query<{ n: number }>(crashedIds)).rows[0]?.n === CRASHED ? true : undefined),
      { timeoutMs: 60_000, what: 'every crashed event stored' },
    );
    const crashLetters = new Set((await list(...filter)).map((letter) => letter.id));
    const records = await readAll(pipeline.topic('learningEvents'), TOTAL + QUARANTINED + CRASHED + CRASHED);
    const replays = records
      .map((record) => record.headers['dlq.replay.of'])
      .filter((id): id is string => id !== undefined && crashLetters.has(id));
    expect(replays).toHaveLength(CRASHED);
    expect(new Set(replays).size).toBe(CRASHED);
  });
});

const emptyResult: ReplayResult = { matched: 0, alreadyReplayed: 0, replayed: 0, ids: [] };
