/**
 * docs/dashboard.png: the live class view of a class in full swing, in headless Chromium against
 * the real apps. Starts its own lms-api, ingest, persister, aggregator and realtime (child
 * processes from source, topics and database of their own, as the e2e test does), replays half an
 * hour of the demo class's work through ingest, opens the class as demo-instructor, sends a few
 * live events and takes a 1400x900 screenshot.
 *
 *   npx tsx --conditions=source apps/dashboard/scripts/screenshot.ts [output.png]
 */
import { fileURLToPath } from 'node:url';
import { ensureStack } from '@cellstream/testkit';
import { openBrowser } from '../e2e/browser';
import { startStack } from '../e2e/stack';
import { getJson, login, NOTEBOOK, Student } from '../e2e/students';

const output = process.argv[2] ?? fileURLToPath(new URL('../../../docs/dashboard.png', import.meta.url));
const MINUTE = 60_000;
const CELLS = 8;

type Plan = (student: Student, minute: number, now: number) => Record<string, unknown>[];

/** Each student's half hour: how far they get and how it ends. */
function steady(pace: number, start: number, lastCell: number, stopAt = 30): Plan {
  return (student, minute) => {
    if (minute < start || minute > stopAt) return [];
    const events: Record<string, unknown>[] = [];
    if (minute === start) events.push(student.event({ eventType: 'notebook_open', notebookPath: NOTEBOOK }));
    const cell = Math.floor((minute - start) / pace);
    if ((minute - start) % pace === 0 && cell <= lastCell) {
      if (cell % 3 === 2)
        events.push(student.fail(cell, 'TypeError', "unsupported operand type(s) for +: 'int' and 'str'"));
      events.push(student.run(cell, `total = sum(numbers[:${cell + 1}])`));
    }
    return events;
  };
}

function endsWith(plan: Plan, minute: number, ending: (student: Student) => Record<string, unknown>[]): Plan {
  return (student, m, now) => [...plan(student, m, now), ...(m === minute ? ending(student) : [])];
}

const nameError = (student: Student, cell: number) =>
  student.fail(cell, 'NameError', "name 'totl' is not defined", 'print(totl)');

const plans: Plan[] = [
  steady(3, 0, CELLS - 1),
  endsWith(steady(4, 1, 3), 29, (s) => [nameError(s, 4), nameError(s, 4), nameError(s, 4)]),
  endsWith(steady(5, 2, 3), 30, (s) => [
    s.event({ eventType: 'help_request', notebookPath: NOTEBOOK, cellId: 'cell-3', cellIndex: 3 }),
  ]),
  endsWith(steady(4, 0, 5), 30, (s) => [s.fail(6, 'IndexError', 'list index out of range')]),
  steady(4, 3, 6),
  steady(6, 0, 2, 14),
  steady(4, 2, 5),
  endsWith(steady(5, 4, 3), 30, (s) => [nameError(s, 4)]),
];

async function main(): Promise<void> {
  await ensureStack();
  const stack = await startStack('dash_screenshot');
  try {
    const instructor = await login(stack.lms.url, 'demo-instructor');
    const [demo] = await getJson<{ id: number }[]>(`${stack.lms.url}/api/v1/classes`, instructor);
    if (!demo) throw new Error('no demo class');
    const classId = String(demo.id);
    const students = await Promise.all(
      plans.map((_, i) =>
        Student.login(
          stack.lms.url,
          stack.ingest.url,
          `demo-student-${String(i + 1).padStart(2, '0')}`,
          classId,
        ),
      ),
    );
    const [assignment] = await getJson<{ id: number }[]>(
      `${stack.lms.url}/api/v1/assignments?class_id=${classId}`,
      instructor,
    );
    if (assignment) for (const i of [0, 4, 6]) await students[i]?.submit(stack.lms.url, assignment.id);

    // The past half hour, minute by minute, in event-time order.
    const now = Date.now();
    const start = now - 30 * MINUTE;
    for (let minute = 0; minute <= 29; minute++) {
      for (const [i, student] of students.entries()) {
        student.at = start + minute * MINUTE + i * 1_000;
        const events = plans[i]?.(student, minute, now) ?? [];
        if (events.length > 0) await student.send(...events);
      }
    }

    const browser = await openBrowser({ width: 1400, height: 900 });
    try {
      const { page } = browser;
      await page.goto(stack.lms.url);
      await page.getByLabel('Username').fill('demo-instructor');
      await page.getByLabel('Password').fill('demo-instructor');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('link', { name: /Intro to Python/ }).click();
      await page.locator('[data-connection="live"]').waitFor({ timeout: 30_000 });
      // The last minute happens live, while the page watches.
      for (const [i, student] of students.entries()) {
        student.at = null;
        const events = plans[i]?.(student, 30, Date.now()) ?? [];
        if (events.length > 0) await student.send(...events);
      }
      await page.locator('[data-notice="help"]').waitFor({ timeout: 30_000 });
      await page.waitForTimeout(1_500);
      await page.screenshot({ path: output });
      if (browser.errors.length > 0) console.warn('console errors:', browser.errors);
      console.log(`wrote ${output}`);
    } finally {
      await browser.close();
    }
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
