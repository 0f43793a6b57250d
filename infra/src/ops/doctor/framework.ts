/**
 * The doctor's checks and how they run: all at once, each within a deadline, a check that needs
 * another (topics need Kafka) waiting for it and skipped when it failed, so one root cause is
 * reported once, with its fix, and not again by everything that depends on it.
 */

export type Status = 'ok' | 'problem' | 'skipped';

export interface Problem {
  /** What is wrong, one line a person can act on. */
  what: string;
  /** The exact command (or commands, joined by newlines) that fixes it. */
  fix: string;
}

export interface Outcome {
  status: Status;
  /** One line: what was found when ok, why when skipped. */
  summary: string;
  problems: Problem[];
}

export interface CheckContext {
  /** The outcome of another check (waits for it). */
  outcome(id: string): Promise<Outcome>;
}

export interface Check {
  /** Stable id, also how other checks and outcomes refer to it, e.g. `kafka`, `app:ingest`. */
  id: string;
  /** The component it is about, for the report, e.g. `kafka`, `ingest`, `consumer lag`. */
  title: string;
  /** Checks that must be ok first; when one is not, this one is skipped. */
  needs?: string[];
  run(context: CheckContext): Promise<Outcome>;
}

export interface Finding extends Outcome {
  id: string;
  title: string;
  elapsedMs: number;
}

export const ok = (summary: string): Outcome => ({ status: 'ok', summary, problems: [] });
export const skipped = (summary: string): Outcome => ({ status: 'skipped', summary, problems: [] });
export const problem = (summary: string, problems: Problem[]): Outcome => ({
  status: 'problem',
  summary,
  problems,
});

/** Runs every check concurrently; a check still running at `timeoutMs` is a problem of its own. */
export async function runChecks(
  checks: readonly Check[],
  options: { timeoutMs: number },
): Promise<Finding[]> {
  const byId = new Map(checks.map((check) => [check.id, check]));
  const running = new Map<string, Promise<Finding>>();
  const start = (check: Check): Promise<Finding> => {
    const existing = running.get(check.id);
    if (existing) return existing;
    const promise = (async (): Promise<Finding> => {
      const context: CheckContext = {
        outcome: (id) => {
          const needed = byId.get(id);
          if (!needed) return Promise.resolve(skipped(`no check ${id}`));
          return start(needed);
        },
      };
      for (const need of check.needs ?? []) {
        const needed = await context.outcome(need);
        if (needed.status !== 'ok') {
          return {
            id: check.id,
            title: check.title,
            elapsedMs: 0,
            ...skipped(`not checked: ${titleOf(byId, need)} is not ok`),
          };
        }
      }
      const started = Date.now();
      const outcome = await withDeadline(check, context, options.timeoutMs);
      return { id: check.id, title: check.title, elapsedMs: Date.now() - started, ...outcome };
    })();
    running.set(check.id, promise);
    return promise;
  };
  return Promise.all(checks.map(start));
}

function titleOf(byId: Map<string, Check>, id: string): string {
  return byId.get(id)?.title ?? id;
}

async function withDeadline(check: Check, context: CheckContext, timeoutMs: number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Outcome>((resolve) => {
    timer = setTimeout(
      () =>
        resolve(
          problem(`no answer within ${timeoutMs} ms`, [
            {
              what: `${check.title}: the check did not finish within ${timeoutMs} ms (something it asks hangs)`,
              fix: 'npm run stack -- status',
            },
          ]),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      check.run(context).catch((error: unknown) =>
        problem('the check failed', [
          {
            what: `${check.title}: ${error instanceof Error ? error.message : String(error)}`,
            fix: 'npm run stack -- status',
          },
        ]),
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
