import { sleep } from '@cellstream/shared';

export { portOpen } from '@cellstream/shared';

/** Polls `check` until it returns true; throws with `what` and the log to read when time runs out. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; logFile?: string; stillRunning?: () => boolean },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    if (options.stillRunning && !options.stillRunning()) {
      throw new Error(`${what} exited during start-up${options.logFile ? `; read ${options.logFile}` : ''}`);
    }
    await sleep(options.intervalMs ?? 250);
  }
  throw new Error(
    `${what} did not answer within ${options.timeoutMs} ms${options.logFile ? `; read ${options.logFile}` : ''}`,
  );
}
