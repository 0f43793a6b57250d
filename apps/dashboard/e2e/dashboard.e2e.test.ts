import { readFile, writeFile } from 'node:fs/promises';
import type { Page, WebSocket } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, openBrowser, resultsDir, screenshot } from './browser';
import { type Stack, startStack } from './stack';
import { getJson, login, NOTEBOOK, Student } from './students';

/**
 * The dashboard in headless Chromium against the real apps (lms-api, ingest, persister,
 * aggregator, realtime as child processes, from source): an instructor logs in, opens the demo
 * class, and watches students of that class work, their events posted through ingest.
 */
const XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">';
const STUDENT = (n: number) => `demo-student-${String(n).padStart(2, '0')}`;
/** How long a change may take to show once its aggregate reached the page. */
const RENDER_BUDGET_MS = 1_000;

interface AggregateFrame {
  at: number;
  totalExecutions: number;
  totalErrors: number;
  helpRequests: number;
  stuckStudents: number;
}

describe('the instructor dashboard, live, in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let classId: string;
  const students = new Map<number, Student>();
  const aggregates: AggregateFrame[] = [];
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    stack = await startStack('dash_e2e');
    const instructor = await login(stack.lms.url, 'demo-instructor');
    const classes = await getJson<{ id: number; class_code: string }[]>(
      `${stack.lms.url}/api/v1/classes`,
      instructor,
    );
    const demo = classes.find((item) => item.class_code === 'PY101');
    if (!demo) throw new Error(`no demo class in ${JSON.stringify(classes)}`);
    classId = String(demo.id);
    for (const n of [1, 2, 3, 4, 5]) {
      students.set(n, await Student.login(stack.lms.url, stack.ingest.url, STUDENT(n), classId));
    }
    // One submission before the page opens: the assignments panel shows who has submitted.
    const [assignment] = await getJson<{ id: number }[]>(
      `${stack.lms.url}/api/v1/assignments?class_id=${classId}`,
      instructor,
    );
    if (!assignment) throw new Error('the demo class has no assignment');
    await students.get(5)?.submit(stack.lms.url, assignment.id);

    browser = await openBrowser();
    page = browser.page;
    // Every class_aggregate the page receives, with the time it arrived, to time the rendering.
    page.on('websocket', (socket) => {
      sockets.push(socket);
      socket.on('framereceived', ({ payload }) => {
        const text = typeof payload === 'string' ? payload : payload.toString('utf8');
        const message = JSON.parse(text) as {
          type: string;
          aggregate?: AggregateFrame | null;
        } & AggregateFrame;
        const aggregate =
          message.type === 'class_aggregate'
            ? message
            : message.type === 'snapshot'
              ? message.aggregate
              : null;
        if (aggregate) aggregates.push({ ...aggregate, at: Date.now() });
      });
    });
  }, 240_000);

  afterAll(async () => {
    await writeFile(
      new URL('render-timings.json', resultsDir),
      `${JSON.stringify(timings, null, 2)}\n`,
    ).catch(() => undefined);
    await browser?.close();
    await stack?.stop();
  });

  const student = (n: number): Student => {
    const found = students.get(n);
    if (!found) throw new Error(`student ${n} not logged in`);
    return found;
  };
  const row = (n: number) => page.locator(`tr[data-user-id="${STUDENT(n)}"]`);
  const tile = (id: string) => page.locator(`[data-tile="${id}"] .tile-value`);

  /**
   * Waits for the aggregate matching `accept` to reach the page, then until every check holds, and
   * returns how long after the aggregate's arrival each check first held.
   */
  async function renderedAfter(
    accept: (frame: AggregateFrame) => boolean,
    checks: Record<string, () => Promise<boolean>>,
    what: string,
  ): Promise<Record<string, number>> {
    const deadline = Date.now() + 30_000;
    let frame: AggregateFrame | undefined;
    while (!frame) {
      frame = aggregates.find(accept);
      if (!frame && Date.now() > deadline) throw new Error(`no aggregate for ${what} reached the page`);
      if (!frame) await page.waitForTimeout(10);
    }
    const held: Record<string, number> = {};
    for (;;) {
      for (const [name, check] of Object.entries(checks)) {
        if (held[name] === undefined && (await check())) held[name] = Math.max(0, Date.now() - frame.at);
      }
      if (Object.keys(held).length === Object.keys(checks).length) return held;
      if (Date.now() - frame.at > 10_000) {
        await screenshot(page, 'failed-render');
        const missing = Object.keys(checks).filter((name) => held[name] === undefined);
        throw new Error(`${what}: ${missing.join(', ')} not shown 10 s after the aggregate`);
      }
      await page.waitForTimeout(10);
    }
  }

  /** How long after its aggregate each check held, kept as an artifact (test-results/render-timings.json). */
  const timings: Record<string, Record<string, number>> = {};
  const withinBudget = (held: Record<string, number>, what: string) => {
    timings[what] = held;
    for (const [name, ms] of Object.entries(held))
      expect(ms, `${name} took ${ms} ms`).toBeLessThan(RENDER_BUDGET_MS);
  };

  it('logs in, lists the classes and opens the demo class live', async () => {
    await page.goto(stack.lms.url);
    await page.getByLabel('Username').fill('demo-instructor');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Unknown username or wrong password' }).waitFor();
    // Chromium logs the refused login itself; that one console error is this step's own.
    expect(browser.errors).toEqual([
      'console: Failed to load resource: the server responded with a status of 401 (Unauthorized)',
    ]);
    browser.errors.length = 0;
    await page.getByLabel('Password').fill('demo-instructor');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Your classes' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
    await page.getByRole('link', { name: /Intro to Python/ }).click();
    await page.waitForURL(`**/classes/${classId}`);
    await page.locator('[data-connection="live"]').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator('tr[data-user-id]').count()).toBe(8);
    expect(await row(1).getAttribute('data-status')).toBe('not_started');
    await expect.poll(() => page.getByTestId('submitted-count').textContent()).toContain('1 of 8 submitted');
    // A reload keeps the session and the page (lms-api answers index.html for /classes/{id}).
    await page.reload();
    await page.locator('[data-connection="live"]').waitFor({ timeout: 20_000 });
    await screenshot(page, '01-class-opened');
  });

  it('shows executions in the grid, the tiles and both charts within 1 s of the aggregate', async () => {
    const ada = student(1);
    await ada.send(
      ada.event({ eventType: 'session_start' }),
      ada.event({ eventType: 'notebook_open', notebookPath: NOTEBOOK }),
      ada.run(0),
      ada.run(1),
      ada.run(2),
    );
    const held = await renderedAfter(
      (frame) => frame.totalExecutions >= 3,
      {
        tile: async () => (await tile('executions').textContent()) === '3',
        gridStatus: async () => (await row(1).getAttribute('data-status')) === 'active',
        gridExecutions: async () => (await row(1).locator('[data-col="executions"]').textContent()) === '3',
        activityChart: async () =>
          (await page.locator('[data-chart="activity"]').getAttribute('data-executions')) === '3',
        progressChart: async () =>
          ((await page.getByTestId('progress-summary').textContent()) ?? '').includes(
            'cell 3 completed by 1 of 8',
          ),
      },
      'three executions',
    );
    withinBudget(held, 'three executions');
    expect(await tile('active').textContent()).toBe('1');
    expect(await page.getByTestId('activity-summary').textContent()).toContain('3 executions');
    expect(await row(1).locator('td').nth(1).textContent()).toBe('intro.ipynb');
    await screenshot(page, '02-executions');
  });

  it('raises a help request and a stuck student to the top, with a notice', async () => {
    const bob = student(2);
    await bob.send(
      bob.run(0),
      bob.fail(3, 'NameError', "name 'total' is not defined"),
      bob.fail(3, 'NameError', "name 'total' is not defined"),
      bob.fail(3, 'NameError', "name 'total' is not defined"),
    );
    const cy = student(3);
    await cy.send(
      cy.run(0),
      cy.event({ eventType: 'help_request', notebookPath: NOTEBOOK, cellId: 'cell-1', cellIndex: 1 }),
    );
    const order = () =>
      page.locator('tr[data-user-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-user-id')));
    const held = await renderedAfter(
      (frame) => frame.stuckStudents >= 1 && frame.helpRequests >= 1,
      {
        helpOnTop: async () => (await order())[0] === STUDENT(3),
        stuckNext: async () => (await order())[1] === STUDENT(2),
        stuckTile: async () => (await tile('stuck').textContent()) === '1',
        helpTile: async () => (await tile('help').textContent()) === '1',
        notice: async () =>
          (await page.getByTestId('attention-notice').locator('[data-notice]').count()) === 2,
      },
      'a help request and a stuck student',
    );
    withinBudget(held, 'help request and stuck student');
    expect(await row(3).getAttribute('data-help')).toBe('true');
    expect(await row(3).textContent()).toContain('Help requested');
    expect(await row(2).getAttribute('data-status')).toBe('stuck');
    expect(await row(2).textContent()).toContain('Stuck');
    const notice = page.getByTestId('attention-notice');
    expect(await notice.locator('[data-notice="help"]').textContent()).toContain('Demo Student 3');
    expect(await notice.locator('[data-notice="stuck"]').textContent()).toContain('Demo Student 2');
    expect(await notice.textContent()).toContain('NameError');
    await expect
      .poll(() => page.getByTestId('error-groups').textContent())
      .toContain('1 student hit NameError in cell 4 of intro.ipynb');
    await screenshot(page, '03-help-and-stuck');
  });

  it('shows what a student wrote as text, never as HTML', async () => {
    const dee = student(4);
    await dee.send(dee.run(0), dee.fail(4, 'ValueError', XSS, `print("${XSS}")`));
    await expect.poll(() => row(4).getAttribute('data-status'), { timeout: 20_000 }).toBe('erroring');
    // The attempt comes from PostgreSQL (written by the persister): wait until lms-api has it.
    const instructor = await login(stack.lms.url, 'demo-instructor');
    await expect
      .poll(
        async () =>
          (
            await getJson<{ items: { errorMessage: string | null }[] }>(
              `${stack.lms.url}/api/v1/classes/${classId}/students/${STUDENT(4)}/timeline`,
              instructor,
            )
          ).items.some((item) => item.errorMessage === XSS),
        { timeout: 20_000 },
      )
      .toBe(true);

    await page.getByRole('button', { name: /1 student hit ValueError in cell 5/ }).click();
    const attempt = page.locator(`.attempt[data-user-id="${STUDENT(4)}"] .code-error code`);
    await attempt.waitFor({ timeout: 15_000 });
    expect(await attempt.textContent()).toBe(`ValueError: ${XSS}`);
    await screenshot(page, '04-error-group');

    await row(4).getByRole('button').click();
    const drawer = page.getByTestId('student-drawer');
    await drawer.getByText(XSS, { exact: false }).first().waitFor();
    expect(await drawer.locator('.timeline-error .code-error code').first().textContent()).toBe(
      `ValueError: ${XSS}`,
    );
    // The latest attempt's code, as text too.
    expect(await drawer.locator('.timeline-error .code-source code').first().textContent()).toBe(
      `print("${XSS}")`,
    );
    expect(await page.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.locator('script:not([src])').count()).toBe(0);
    await screenshot(page, '05-drill-down-xss');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
  });

  it("drills down into a stuck student's timeline of errors", async () => {
    await row(2).getByRole('button').click();
    await page.waitForURL(`**/classes/${classId}?student=${STUDENT(2)}`);
    const drawer = page.getByTestId('student-drawer');
    await expect.poll(() => drawer.locator('.timeline-error').count(), { timeout: 20_000 }).toBe(3);
    expect(await drawer.locator('.timeline-ok').count()).toBe(1);
    expect(await drawer.locator('.timeline-error .code-error code').first().textContent()).toBe(
      "NameError: name 'total' is not defined",
    );
    // The code of the latest attempt at the failing cell, once (not repeated for older attempts).
    expect(await drawer.locator('.code-source code').allTextContents()).toEqual(['print(total)']);
    expect(await drawer.getByRole('heading', { level: 2 }).textContent()).toBe('Demo Student 2');
    // Focus is in the dialog; Escape closes it and drops ?student= from the address.
    expect(await page.evaluate(() => document.activeElement?.closest('[role="dialog"]') !== null)).toBe(true);
    await screenshot(page, '06-stuck-timeline');
    await page.keyboard.press('Escape');
    await page.waitForURL(`**/classes/${classId}`);
  });

  it('sorts, filters, navigates by keyboard and exports the table as CSV', async () => {
    await page.getByRole('button', { name: /^Executions/ }).click();
    const header = page.locator('th[aria-sort="descending"]');
    expect(await header.textContent()).toContain('Executions');
    const order = () =>
      page.locator('tr[data-user-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-user-id')));
    // Pinned first (help, stuck), then by executions, most first.
    expect((await order()).slice(0, 3)).toEqual([STUDENT(3), STUDENT(2), STUDENT(1)]);

    await page.getByTestId('grid-filter').fill('student 4');
    await expect.poll(() => page.locator('tr[data-user-id]').count()).toBe(1);
    await page.getByTestId('grid-filter').fill('');
    await page.getByTestId('grid-status-filter').selectOption('attention');
    await expect.poll(order).toEqual([STUDENT(3), STUDENT(2)]);
    await page.getByTestId('grid-status-filter').selectOption('all');

    // Arrow keys move between students; Enter opens one.
    await row(3).getByRole('button').focus();
    await page.keyboard.press('ArrowDown');
    expect(
      await page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-user-id')),
    ).toBe(STUDENT(2));
    await page.keyboard.press('Enter');
    await page.getByTestId('student-drawer').waitFor();
    await page.keyboard.press('Escape');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-csv').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^PY101-students-.*\.csv$/);
    const csv = (await readFile(await download.path(), 'utf8')).replace(/^\ufeff/, '');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'userId,name,status,helpRequested,notebook,cell,lastActivity,executions,errors,consecutiveErrors,lastError',
    );
    expect(lines).toHaveLength(9);
    expect(lines[1]).toMatch(new RegExp(`^${STUDENT(3)},Demo Student 3,`));
    expect(lines.find((line) => line.startsWith(STUDENT(2)))).toContain(',Stuck,false,week1/intro.ipynb,4,');
  });

  it('grades a submission from the assignment view, returns it, and the student sees the grade', async () => {
    const feedback = `Good loop. ${XSS}`;
    const panel = page.getByTestId('assignments');
    await panel.getByRole('button', { name: /Lists and loops/ }).click();
    const submitted = panel.locator(`tr[data-user-id="${STUDENT(5)}"]`);
    await submitted.waitFor();
    expect(await submitted.getAttribute('data-submission-status')).toBe('submitted');
    await submitted.getByRole('button', { name: /^Grade/ }).click();
    const form = page.getByTestId('grade-form');
    await form.getByLabel(/^Score/).fill('8');
    await form.getByLabel('Feedback').fill(feedback);
    await form.getByRole('button', { name: 'Save grade' }).click();
    await form.waitFor({ state: 'detached' });
    expect(await submitted.getAttribute('data-submission-status')).toBe('graded');
    expect(await submitted.locator('[data-col="score"]').textContent()).toBe('8 / 10');
    expect(await submitted.locator('[data-col="feedback"]').textContent()).toBe(feedback);
    await screenshot(page, '09-graded');

    // The student sees its own grade and feedback through lms-api; another student does not.
    const own = await login(stack.lms.url, STUDENT(5));
    const [mine] = await getJson<{ student_id: string; score: number; feedback: string; status: string }[]>(
      `${stack.lms.url}/api/v1/submissions?class_id=${classId}`,
      own,
    );
    expect(mine).toMatchObject({ student_id: STUDENT(5), score: 8, feedback, status: 'graded' });
    const other = await login(stack.lms.url, STUDENT(4));
    expect(
      await getJson<unknown[]>(`${stack.lms.url}/api/v1/submissions?class_id=${classId}`, other),
    ).toEqual([]);

    // A changed grade, then a return for another attempt.
    await submitted.getByRole('button', { name: /^Change grade/ }).click();
    expect(await form.getByLabel(/^Score/).inputValue()).toBe('8');
    await form.getByLabel(/^Score/).fill('9.5');
    await form.getByRole('button', { name: 'Save grade' }).click();
    await expect.poll(() => submitted.locator('[data-col="score"]').textContent()).toBe('9.5 / 10');
    await submitted.getByRole('button', { name: /^Change grade/ }).click();
    await form.getByRole('button', { name: 'Return for another attempt' }).click();
    await form.waitFor({ state: 'detached' });
    expect(await submitted.getAttribute('data-submission-status')).toBe('returned');
    expect(await submitted.textContent()).toContain('Returned');

    // A system message to the class.
    const message = page.getByTestId('class-message');
    await message.getByLabel('Title').fill('Break');
    await message.getByLabel('Message').fill('Back in ten minutes');
    await message.getByRole('button', { name: 'Send to every student' }).click();
    await expect
      .poll(() => page.getByTestId('class-message-status').textContent())
      .toBe('Sent “Break” to the class.');
    expect(await message.getByLabel('Title').inputValue()).toBe('');
    await screenshot(page, '10-returned-and-message');
    // Fold the assignment again: its rows carry data-user-id too, like the grid's.
    await panel.getByRole('button', { name: /Lists and loops/ }).click();
    await submitted.waitFor({ state: 'detached' });
  });

  it('logged no console errors and ran nothing a student wrote', async () => {
    expect(browser.errors).toEqual([]);
    expect(await page.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined();
    await screenshot(page, '07-live-class');
  });

  it('shows the connection going away and comes back with a fresh snapshot', async () => {
    const before = aggregates.length;
    await stack.restartRealtime(async () => {
      await page
        .locator('[data-connection="reconnecting"], [data-connection="connecting"]')
        .first()
        .waitFor({ timeout: 15_000 });
      await screenshot(page, '08-reconnecting');
    });
    await page.locator('[data-connection="live"]').waitFor({ timeout: 60_000 });
    expect(aggregates.length).toBeGreaterThan(before);
    expect(sockets.length).toBeGreaterThan(1);
    // The state came back from the snapshot: nothing was lost.
    expect(await tile('executions').textContent()).toBe(String(aggregates.at(-1)?.totalExecutions));
    expect(await row(2).getAttribute('data-status')).toBe('stuck');
    // The only errors allowed while realtime was down are the browser's own failed-connection notes.
    expect(browser.errors.filter((error) => !/WebSocket connection to .* failed/.test(error))).toEqual([]);
  });
});
