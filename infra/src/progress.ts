/** Human progress lines on stderr: the CLI's stdout stays for what the user asked (status, logs). */
export function step(service: string, message: string): void {
  process.stderr.write(`[stack] ${service.padEnd(9)} ${message}\n`);
}

/** Prints at most one line every `everyMs`, for chatty downloads and builds. */
export function throttled(service: string, everyMs = 2_000): (line: string) => void {
  let last = 0;
  let count = 0;
  return (line) => {
    count++;
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    step(service, `… (${count}) ${line.slice(0, 120)}`);
  };
}

export async function timed<T>(service: string, what: string, task: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await task();
  step(service, `${what} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}
