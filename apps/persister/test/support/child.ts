import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { eventually } from '@cellstream/testkit';

const appRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The persister as a separate process (`node --import tsx src/main.ts`: one process, so a
 * signal reaches the persister itself), for tests that kill it.
 */
export class ChildPersister {
  output = '';

  private constructor(private readonly child: ChildProcess) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  /** Starts it and, unless `waitReady` is false, waits until /ready answers 200 on `port`. */
  static async start(
    env: Record<string, string>,
    port: number,
    { waitReady = true, readyTimeoutMs = 60_000 } = {},
  ): Promise<ChildPersister> {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
      cwd: appRoot,
      env: { ...env, PERSISTER_PORT: String(port), LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const persister = new ChildPersister(child);
    if (!waitReady) return persister;
    try {
      await eventually(
        async () => {
          if (child.exitCode !== null) throw new Error(`the persister exited (${child.exitCode})`);
          const response = await fetch(`http://127.0.0.1:${port}/ready`, {
            signal: AbortSignal.timeout(1_000),
          });
          await response.body?.cancel();
          return response.ok ? true : undefined;
        },
        { timeoutMs: readyTimeoutMs, intervalMs: 100, what: 'the child persister to be ready' },
      );
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}\n${persister.output}`, { cause: error });
    }
    return persister;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `signal` and waits for the exit; returns the exit code (null when killed by the signal). */
  async stop(signal: NodeJS.Signals): Promise<number | null> {
    if (!this.alive) return this.child.exitCode;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    const [code] = (await exited) as [number | null];
    return code;
  }
}
