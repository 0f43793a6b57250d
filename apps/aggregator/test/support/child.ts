import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { eventually } from '@cellstream/testkit';

const appRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Children still running: killed when this process exits, whatever the reason, so none is left behind. */
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
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * The aggregator as a separate process (`node --import tsx src/main.ts`, one process, so a
 * signal reaches the aggregator itself), for tests that kill it.
 */
export class ChildAggregator {
  output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
      if (process.env.CHILD_ECHO) process.stdout.write(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
    });
  }

  static async start(
    env: Record<string, string>,
    port: number,
    readyTimeoutMs = 60_000,
  ): Promise<ChildAggregator> {
    const extra = process.env.CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(
      process.execPath,
      [...extra, '--conditions=source', '--import', 'tsx', 'src/main.ts'],
      {
        cwd: appRoot,
        env: { ...env, AGGREGATOR_PORT: String(port), LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    running.add(child);
    child.once('exit', () => running.delete(child));
    const aggregator = new ChildAggregator(child, port);
    try {
      await eventually(
        async () => {
          if (child.exitCode !== null)
            throw new Error(`the aggregator exited (${child.exitCode}): ${aggregator.output}`);
          const response = await fetch(`http://127.0.0.1:${port}/ready`, {
            signal: AbortSignal.timeout(1_000),
          });
          return response.ok ? true : undefined;
        },
        { timeoutMs: readyTimeoutMs, intervalMs: 200, what: 'the child aggregator to be ready' },
      );
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}\n${aggregator.output}`, { cause: error });
    }
    return aggregator;
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
