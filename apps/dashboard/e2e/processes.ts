import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { eventually } from '@cellstream/testkit';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * One app of the monorepo as a child process, from its TypeScript sources (as
 * `npx tsx --conditions=source apps/<app>/src/main.ts` would, minus npx's extra process, so a
 * signal reaches the app itself). Output is kept for the test's error messages.
 */
export class AppProcess {
  private output = '';

  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(
    name: string,
    port: number,
    env: Record<string, string>,
    readyTimeoutMs = 90_000,
  ): Promise<AppProcess> {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', `apps/${name}/src/main.ts`],
      {
        cwd: repoRoot,
        env: { ...process.env, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const app = new AppProcess(name, port, child);
    try {
      await eventually(
        async () => {
          if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
          const response = await fetch(`http://127.0.0.1:${port}/ready`, {
            signal: AbortSignal.timeout(1_000),
          });
          return response.ok ? true : undefined;
        },
        { timeoutMs: readyTimeoutMs, intervalMs: 250, what: `${name} ready on port ${port}` },
      );
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}\n--- ${name} output ---\n${app.output}`, { cause: error });
    }
    return app;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get log(): string {
    return this.output;
  }

  /** SIGTERM, then SIGKILL if it has not exited in time. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}
