import { gunzipSync } from 'node:zlib';
import { eventually } from '@cellstream/testkit';
import pg from 'pg';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installWheel, JupyterLab, labextensionList } from './jupyterlab.js';
import { getJson, login, type Platform, sendJson, startPlatform } from './platform.js';
import { RealtimeClient } from './realtime-client.js';

/**
 * The extension end to end: the wheel pip-installed into a real JupyterLab, driven in headless
 * Chromium, sending to the real platform (ingest, persister, aggregator, realtime, lms-api as
 * processes over the stack's Kafka, PostgreSQL and InfluxDB). A student runs three cells (one
 * raises), saves and asks for help; PostgreSQL has the executions, and an instructor's realtime
 * connection sees the class aggregate and the help alert. The student submits the notebook from
 * the assignments panel; the instructor grades it and messages the class: JupyterLab shows both
 * at once as notifications, and the panel the grade and feedback. Then ingest is stopped while
 * cells run, the page is even reloaded, ingest comes back: every event arrives exactly once.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const STUDENT = 'demo-student-01';
const NOTEBOOK = 'run1.ipynb';
const CELLS = ['answer = 21', 'print(answer * 2)', 'raise ValueError("cellstream e2e boom")'];
const EXECUTION_TYPES = new Set(['cell_execution_complete', 'cell_execution_error']);

interface SentEvent {
  eventId: string;
  eventType: string;
  sessionId?: string;
  [field: string]: unknown;
}

declare global {
  interface Window {
    // biome-ignore lint/suspicious/noExplicitAny: JupyterLab's app object, exposed for tests
    jupyterapp: any;
  }
}

describe('the JupyterLab extension against the real platform', () => {
  let platform: Platform;
  let lab: JupyterLab;
  let browser: Browser;
  let page: Page;
  let realtime: RealtimeClient;
  let db: pg.Client;
  let classId: string;
  let instructor: string;
  /** The submission made from the panel, which the instructor then grades. */
  let submitted: { id: number; assignmentId: number } | undefined;
  let venv: string;
  /** Every event the page POSTed to ingest (retries included), in order. */
  const sent: SentEvent[] = [];

  beforeAll(async () => {
    const started = Date.now();
    ({ venv } = await installWheel());
    const installedAt = Date.now();
    const labPort = await JupyterLab.freePort();
    platform = await startPlatform('ext_e2e', `http://127.0.0.1:${labPort}`);
    instructor = await login(platform.lms.url, 'demo-instructor');
    const classes = await getJson<{ id: number; class_code: string }[]>(
      `${platform.lms.url}/api/v1/classes`,
      instructor,
    );
    const demo = classes.find((item) => item.class_code === 'PY101');
    if (!demo) throw new Error(`no demo class in ${JSON.stringify(classes)}`);
    classId = String(demo.id);
    realtime = await RealtimeClient.connect(platform.realtimeUrl, instructor, classId);
    db = new pg.Client({ connectionString: platform.database.url });
    await db.connect();

    // What a JupyterHub spawner sets for a student: the servers, the token, consent given.
    lab = await JupyterLab.start(venv, labPort, {
      CELLSTREAM_INGEST_URL: platform.ingest.url,
      CELLSTREAM_LMS_URL: platform.lms.url,
      CELLSTREAM_REALTIME_URL: platform.realtimeUrl,
      CELLSTREAM_TOKEN: await login(platform.lms.url, STUDENT),
      CELLSTREAM_CLASS_ID: classId,
      CELLSTREAM_CONSENT: 'granted',
    });
    await lab.writeNotebook(NOTEBOOK, CELLS);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    page.on('request', (request) => {
      if (request.method() !== 'POST' || !request.url().endsWith('/api/v1/events')) return;
      const body = request.postDataBuffer();
      if (!body) return;
      const gzipped = request.headers()['content-encoding'] === 'gzip';
      sent.push(...(JSON.parse((gzipped ? gunzipSync(body) : body).toString('utf8')) as SentEvent[]));
    });
    process.stderr.write(
      `[ext-e2e] wheel ready in ${((installedAt - started) / 1000).toFixed(1)} s, platform and JupyterLab in ${(
        (Date.now() - installedAt) / 1000
      ).toFixed(1)} s\n`,
    );
  }, 900_000);

  afterAll(async () => {
    realtime?.close();
    await db?.end().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await lab?.stop().catch(() => undefined);
    await platform?.stop();
  }, 120_000);

  it('is listed by `jupyter labextension list` once the wheel is installed', async () => {
    expect(await labextensionList(venv)).toMatch(/cellstream-jupyter v0\.1\.0 .*enabled.*OK/);
  });

  it('delivers executions with their errors, a save and a help request', async () => {
    await openNotebook(page, lab, NOTEBOOK);
    await waitForStatus(page, /connected|ready/);
    await runAllCells(page, 3);
    await page.evaluate(() => window.jupyterapp.commands.execute('docmanager:save'));
    await page.evaluate(() => window.jupyterapp.commands.execute('notebook:interrupt-kernel'));
    await page.locator('.cs-help-button').first().click();

    const rows = await eventually(
      async () => {
        const result = await db.query<{
          event_id: string;
          event_type: string;
          error_name: string | null;
          error_message: string | null;
          code: string | null;
          execution_count: number | null;
          duration_ms: number | null;
        }>(
          `select event_id, event_type, error_name, error_message, code, execution_count, duration_ms
             from cell_executions
            where user_id = $1 and event_type = any($2)
            order by execution_count`,
          [STUDENT, [...EXECUTION_TYPES]],
        );
        return result.rows.length >= 3 ? result.rows : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'three executions in cell_executions' },
    );
    expect(rows.map((row) => [row.event_type, row.code, row.execution_count])).toEqual([
      ['cell_execution_complete', CELLS[0], 1],
      ['cell_execution_complete', CELLS[1], 2],
      ['cell_execution_error', CELLS[2], 3],
    ]);
    expect(rows[2]).toMatchObject({ error_name: 'ValueError', error_message: 'cellstream e2e boom' });
    for (const row of rows) expect(row.duration_ms).toBeGreaterThanOrEqual(0);
    // The rows are the events the page sent, by id.
    const sentIds = sent
      .filter((event) => EXECUTION_TYPES.has(event.eventType))
      .map((event) => event.eventId);
    expect(new Set(rows.map((row) => row.event_id))).toEqual(new Set(sentIds));

    const aggregate = await eventually(
      async () => {
        const latest = realtime.latestAggregate();
        return latest && latest.totalExecutions === 2 && latest.totalErrors === 1 ? latest : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: 'the class aggregate on the realtime socket' },
    );
    expect(aggregate).toMatchObject({ classId, totalExecutions: 2, totalErrors: 1 });
    const alert = await eventually(
      async () =>
        realtime.messages.find(
          (message) =>
            message.type === 'alert' && message.kind === 'help_requested' && message.userId === STUDENT,
        ),
      { timeoutMs: 90_000, intervalMs: 250, what: 'the help alert on the realtime socket' },
    );
    expect(alert).toMatchObject({ classId, notebookPath: NOTEBOOK });
    // Everything else the page did went out too (help_request before its alert, so by now).
    const types = new Set(sent.map((event) => event.eventType));
    for (const type of [
      'session_start',
      'notebook_open',
      'cell_execution_start',
      'notebook_save',
      'kernel_interrupt',
      'help_request',
    ]) {
      expect(types).toContain(type);
    }
  });

  it('submits the notebook from the assignments panel', async () => {
    await page.locator('[data-id="cellstream-assignments"]').first().click();
    const submit = page.locator('.cs-assignment-list .cs-submit').first();
    await submit.waitFor({ timeout: 30_000 });
    const assignmentId = Number(
      await page
        .locator('.cs-assignment-list li[data-assignment-id]')
        .first()
        .getAttribute('data-assignment-id'),
    );
    await submit.click();
    await page.getByText(`Submitted ${NOTEBOOK}`).waitFor({ timeout: 30_000 });
    const student = await login(platform.lms.url, STUDENT);
    const mine = await getJson<
      { id: number; assignment_id: number; notebook_ref: string; content: string }[]
    >(`${platform.lms.url}/api/v1/submissions?assignment_id=${assignmentId}`, student);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.notebook_ref).toBe(NOTEBOOK);
    expect(JSON.parse(mine[0]?.content ?? '{}').cells).toHaveLength(CELLS.length);
    submitted = { id: mine[0]?.id as number, assignmentId };
    await expect
      .poll(() => page.locator('.cs-submission-list li[data-assignment-id]').count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
  });

  it("shows the instructor's grade at once as a JupyterLab notification and in the panel, and a message to the class", async () => {
    if (!submitted) throw new Error('the submission test did not run');
    const lms = platform.lms.url;
    await showAssignments(page);
    // Live before anything is sent: the panel says so.
    await expect
      .poll(async () => (await page.locator('.cs-feed-state').textContent()) ?? '', { timeout: 60_000 })
      .toMatch(/^Live/);

    const feedback = 'Well reasoned; try a loop next time.';
    const gradedAt = Date.now();
    await sendJson('PUT', `${lms}/api/v1/submissions/${submitted.id}/grade`, instructor, {
      score: 8,
      feedback,
    });
    const toast = page.locator('.jp-toast-message', { hasText: feedback });
    await toast.waitFor({ timeout: 15_000 });
    process.stderr.write(`[ext-e2e] grade → JupyterLab notification: ${Date.now() - gradedAt} ms\n`);
    expect(await toast.textContent()).toMatch(/graded: 8 \/ \d+: Well reasoned/);
    // The panel reloaded the student's submissions: the grade and the feedback.
    const row = page.locator(`.cs-submission-list li[data-assignment-id="${submitted.assignmentId}"]`);
    await expect
      .poll(async () => (await row.textContent()) ?? '', { timeout: 15_000 })
      .toMatch(/graded, score 8/);
    expect(await row.locator('.cs-feedback').textContent()).toBe(feedback);
    await page
      .locator('.cs-notification-list li[data-kind="assignment_graded"]')
      .waitFor({ timeout: 15_000 });

    await sendJson('POST', `${lms}/api/v1/classes/${classId}/messages`, instructor, {
      title: 'Break',
      message: 'Back in ten minutes',
    });
    await page.locator('.jp-toast-message', { hasText: 'Back in ten minutes' }).waitFor({ timeout: 15_000 });

    // After a reload the snapshot brings both back: listed in the panel, not toasted again.
    await page.reload();
    await openNotebook(page, lab, NOTEBOOK, false);
    await showAssignments(page);
    await page.locator('.cs-notification-list li[data-kind="system_message"]').waitFor({ timeout: 30_000 });
    await page
      .locator('.cs-notification-list li[data-kind="assignment_graded"]')
      .waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1_000); // a toast would render within this
    expect(await page.locator('.jp-toast-message', { hasText: feedback }).count()).toBe(0);
    expect(await page.locator('.jp-toast-message', { hasText: 'Back in ten minutes' }).count()).toBe(0);
  });

  it('loses nothing while ingest is down, across a page reload, and delivers each event once', async () => {
    const before = sent.length;
    await platform.stopIngest();
    await runAllCells(page, 6);
    await waitForStatus(page, /CS_NETWORK/);
    const queuedText = await page.locator('.cs-status').textContent();
    expect(queuedText).toMatch(/[1-9]\d* queued/);
    // The outbox is in IndexedDB: a reload while ingest is down keeps it.
    await page.reload();
    await openNotebook(page, lab, NOTEBOOK, false);
    await waitForStatus(page, /CS_NETWORK/);
    await platform.startIngest();
    await waitForStatus(page, /connected/, 120_000);

    const secondRun = sent
      .slice(before)
      .filter((event) => EXECUTION_TYPES.has(event.eventType))
      .map((event) => event.eventId);
    const distinct = [...new Set(secondRun)];
    expect(distinct).toHaveLength(3);
    // Sent more than once (the failed tries), stored exactly once.
    expect(secondRun.length).toBeGreaterThan(distinct.length);
    const stored = await eventually(
      async () => {
        const result = await db.query<{ event_id: string; n: string }>(
          `select event_id, count(*) as n from cell_executions where event_id = any($1) group by event_id`,
          [distinct],
        );
        return result.rows.length === 3 ? result.rows : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'the second run in cell_executions' },
    );
    expect(stored.every((row) => Number(row.n) === 1)).toBe(true);
    const total = await db.query<{ n: string }>(
      'select count(*) as n from cell_executions where user_id = $1 and event_type = any($2)',
      [STUDENT, [...EXECUTION_TYPES]],
    );
    expect(Number(total.rows[0]?.n)).toBe(6);
    // Counted once each by the aggregator, however often they were delivered.
    const aggregate = await eventually(
      async () => {
        const latest = realtime.latestAggregate();
        return latest && latest.totalExecutions === 4 && latest.totalErrors === 2 ? latest : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: 'the aggregate after the outage' },
    );
    expect(aggregate).toMatchObject({ totalExecutions: 4, totalErrors: 2 });
  });

  it('reports kernel restarts and the notebook being closed', async () => {
    const before = sent.length;
    await page.evaluate(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart());
    await page.evaluate(() => window.jupyterapp.commands.execute('docmanager:save'));
    await page.evaluate(() => window.jupyterapp.shell.currentWidget.close());
    await expect
      .poll(() => new Set(sent.slice(before).map((event) => event.eventType)), { timeout: 30_000 })
      .toEqual(new Set(['kernel_restart', 'notebook_save', 'notebook_close']));
    const closed = sent.slice(before).find((event) => event.eventType === 'notebook_close');
    expect(closed).toMatchObject({ notebookPath: NOTEBOOK, userId: STUDENT, classId });
  });
});

async function openNotebook(page: Page, lab: JupyterLab, name: string, navigate = true): Promise<void> {
  if (navigate) await page.goto(`${lab.url}/lab/tree/${name}?token=${lab.token}`);
  await page.waitForFunction(
    () => window.jupyterapp?.shell?.currentWidget?.sessionContext?.session?.kernel?.status === 'idle',
    undefined,
    { timeout: 120_000, polling: 250 },
  );
}

/** Runs every cell (as Run ▸ Run All Cells does) and waits until `executionCount` reached the last cell. */
async function runAllCells(page: Page, lastExecutionCount: number): Promise<void> {
  await page.evaluate(() => window.jupyterapp.commands.execute('notebook:run-all-cells'));
  await page.waitForFunction(
    (count) => {
      const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
      const last = cells.get(cells.length - 1);
      return last.executionCount === count;
    },
    lastExecutionCount,
    { timeout: 120_000, polling: 250 },
  );
}

/** Opens the assignments panel (the tab toggles it; activating does not). */
async function showAssignments(page: Page): Promise<void> {
  await page.evaluate(() => window.jupyterapp.shell.activateById('cellstream-assignments'));
  await page.locator('.cs-assignments h2').first().waitFor({ timeout: 30_000 });
}

async function waitForStatus(page: Page, pattern: RegExp, timeout = 60_000): Promise<void> {
  await expect
    .poll(async () => (await page.locator('.cs-status').textContent()) ?? '', { timeout, interval: 250 })
    .toMatch(pattern);
}
