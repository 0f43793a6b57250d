import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pidListeningOn } from '../ports.js';
import type { AppName } from '../settings.js';
import { type DoctorDeps, probe, probeTimeout } from './context.js';
import { type Check, ok, problem, skipped } from './framework.js';

/** What an app's `/ready` names as a dependency, and the doctor check that covers it. */
const dependencyChecks: Record<string, string> = {
  kafka: 'kafka',
  postgres: 'postgres',
  postgresql: 'postgres',
  influxdb: 'influxdb',
  influx: 'influxdb',
  registry: 'registry',
  'schema-registry': 'registry',
  // The aggregator's restored state comes from Kafka.
  state: 'kafka',
  jwks: 'app:lms-api',
  lms: 'app:lms-api',
};

const apps: AppName[] = ['lms-api', 'ingest', 'realtime', 'persister', 'aggregator'];

/** The command that restarts an app the doctor found hung: kill the exact process, then start what is missing. */
export function restartCommand(app: AppName, port: number): string {
  const pid = pidListeningOn(port);
  return pid === undefined
    ? `npm run stack -- logs ${app}\nstop the process on port ${port}, then: npm run stack -- start`
    : `kill -9 ${pid} && npm run stack -- start`;
}

export function appChecks(deps: DoctorDeps): Check[] {
  const { settings } = deps;
  const timeout = probeTimeout(settings);
  const readiness: Check[] = apps.map((app) => ({
    id: `app:${app}`,
    title: app,
    async run(context) {
      const port = settings.appPorts[app];
      const url = `http://127.0.0.1:${port}`;
      const answer = await probe(`${url}/ready`, timeout);
      if ('error' in answer) {
        if (answer.timedOut) {
          return problem('hung', [
            {
              what: `${app} accepts connections at ${url} but /ready does not answer within ${timeout} ms (hung or stopped)`,
              fix: restartCommand(app, port),
            },
          ]);
        }
        const built = existsSync(join(settings.repoRoot, 'apps', app, 'dist', 'main.js'));
        return problem('not running', [
          {
            what: `${app} is not running: nothing answers at ${url} (${answer.error})`,
            fix: built ? 'npm run stack -- start' : `npm run build && npm run stack -- start`,
          },
        ]);
      }
      if (answer.status === 200) return ok(`ready at ${url}`);
      const down = dependenciesDown(answer.body);
      // The checks that cover what the app says is down; when all of them failed, that is the cause.
      const covering = [...new Set(down.map((name) => dependencyChecks[name]))];
      const outcomes = await Promise.all(
        covering.map(async (check) => (check === undefined ? undefined : await context.outcome(check))),
      );
      if (down.length > 0 && outcomes.every((outcome) => outcome !== undefined && outcome.status !== 'ok')) {
        const names = covering.map((check) => (check as string).replace(/^app:/, ''));
        return skipped(
          `not ready because ${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} not ok (see above)`,
        );
      }
      return problem(`not ready (HTTP ${answer.status})`, [
        {
          what: `${app} at ${url} is not ready: ${down.length > 0 ? `${down.join(', ')} down as it sees them` : answer.body.slice(0, 200)}`,
          fix: `npm run stack -- logs ${app}`,
        },
      ]);
    },
  }));

  const jwks: Check = {
    id: 'jwks',
    title: 'token keys (JWKS)',
    async run(context) {
      const answer = await probe(settings.jwksUrl, timeout);
      const keys =
        !('error' in answer) && answer.status === 200
          ? ((JSON.parse(answer.body) as { keys?: unknown[] }).keys ?? [])
          : [];
      if (keys.length > 0)
        return ok(`${keys.length} key(s) at ${settings.jwksUrl}, where ingest and realtime fetch them`);
      const served = settings.jwksUrl.startsWith(settings.lmsUrl);
      if (served && (await context.outcome('app:lms-api')).status !== 'ok') {
        return skipped('lms-api publishes the keys and is not ok (see above)');
      }
      const why =
        'error' in answer
          ? answer.error
          : answer.status === 200
            ? 'an empty key set'
            : `HTTP ${answer.status}`;
      return problem('unreachable', [
        {
          what: `ingest and realtime cannot fetch token keys at ${settings.jwksUrl} (${why}): every student gets 401 and dashboards cannot log in`,
          fix: served
            ? 'npm run stack -- logs lms-api'
            : "set JWKS_URL (or LMS_URL) to lms-api's address, then restart ingest and realtime",
        },
      ]);
    },
  };
  return [...readiness, jwks];
}

/** Names of the dependencies a `/ready` body says are not up (apps write `'down'`, `{ status: 'down' }` or `{ state: ... }`). */
export function dependenciesDown(body: string): string[] {
  let parsed: { dependencies?: Record<string, unknown> };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return [];
  }
  return Object.entries(parsed.dependencies ?? {})
    .filter(([, state]) => {
      const entry = state as { status?: unknown; state?: unknown } | null;
      const status = typeof state === 'string' ? state : (entry?.status ?? entry?.state);
      return status !== 'up' && status !== 'ready';
    })
    .map(([name]) => name);
}
