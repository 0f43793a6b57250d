import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { eventually } from './wait.js';

/** Cellstream's apps that tests run as processes, with the variable that sets each one's HTTP port. */
export const appPortVariables = {
  ingest: 'INGEST_PORT',
  'lms-api': 'LMS_PORT',
  realtime: 'REALTIME_PORT',
  persister: 'PERSISTER_PORT',
  aggregator: 'AGGREGATOR_PORT',
  registry: 'REGISTRY_PORT',
} as const;

export type AppName = keyof typeof appPortVariables;

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Children still running: killed when the test process exits, whatever the reason, so none is left behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

export interface AppProcessOptions {
  /** HTTP port (health, ready, metrics, and the API where the app has one); a free one when absent. */
  port?: number;
  /** Wait until `/ready` answers 200 (default true). */
  waitReady?: boolean;
  readyTimeoutMs?: number;
  /**
   * Run `src/main.ts` through tsx (default: true, so tests never need a build) or the built
   * `dist/main.js` (false: what the stack runs in production).
   */
  fromSource?: boolean;
  /** Extra node arguments, e.g. `--max-old-space-size=256`. */
  nodeArgs?: string[];
}

/**
 * One of Cellstream's apps as a separate process, for tests that kill, stop and restart it.
 * The app is the process itself (no npm or shell in between), so a signal reaches it directly.
 * Output is kept (the last 50 kB) for failure messages; `CHILD_ECHO=1` also echoes it.
 */
export class AppProcess {
  output = '';

  private constructor(
    readonly app: AppName,
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-50_000);
      if (process.env.CHILD_ECHO) process.stderr.write(chunk);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(
    app: AppName,
    env: Record<string, string | undefined>,
    options: AppProcessOptions = {},
  ): Promise<AppProcess> {
    const port = options.port ?? (await freePort());
    const appDir = `${repoRoot}apps/${app}`;
    const entry =
      options.fromSource === false
        ? ['dist/main.js']
        : ['--conditions=source', '--import', 'tsx', 'src/main.ts'];
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...entry], {
      cwd: appDir,
      env: {
        ...env,
        [appPortVariables[app]]: String(port),
        LOG_LEVEL: env.LOG_LEVEL ?? process.env.TEST_LOG_LEVEL ?? 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    child.once('exit', () => running.delete(child));
    const started = new AppProcess(app, child, port);
    if (options.waitReady === false) return started;
    try {
      await started.waitReady(options.readyTimeoutMs);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    return started;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until `/ready` answers 200; fails at once when the process has exited. */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    try {
      await eventually(
        async () => {
          if (!this.alive)
            throw new Error(`${this.app} exited (${this.child.exitCode ?? this.child.signalCode})`);
          const response = await fetch(`${this.url}/ready`, { signal: AbortSignal.timeout(1_000) });
          await response.body?.cancel();
          return response.ok ? true : undefined;
        },
        { timeoutMs, intervalMs: 100, what: `${this.app} to be ready on ${this.url}` },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- ${this.app} output ---\n${this.output}`, {
        cause: error,
      });
    }
  }

  /** Sends `signal` and waits for the exit; returns the exit code (null when killed by the signal). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (!this.alive) return this.child.exitCode;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    const [code] = (await exited) as [number | null];
    return code;
  }
}
