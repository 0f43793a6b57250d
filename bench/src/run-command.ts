import { spawn } from 'node:child_process';

export interface CommandResult {
  command: string;
  exitCode: number | null;
  /** stdout and stderr interleaved as they came, the last `keepBytes` of them. */
  output: string;
  seconds: number;
  timedOut: boolean;
}

/**
 * Runs a command (no shell) to its end, echoing its output with a label so a long benchmark shows
 * progress, and keeping the output for parsing. A run past `timeoutMs` gets SIGTERM, then SIGKILL.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number; label: string; keepBytes?: number },
): Promise<CommandResult> {
  const keep = options.keepBytes ?? 400_000;
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let timedOut = false;
    let partial = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output = (output + text).slice(-keep);
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) process.stderr.write(`[${options.label}] ${line}\n`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }, options.timeoutMs);
    const finish = (exitCode: number | null) => {
      clearTimeout(timer);
      if (partial) process.stderr.write(`[${options.label}] ${partial}\n`);
      resolve({
        command: [command, ...args].join(' '),
        exitCode,
        output,
        seconds: (performance.now() - started) / 1000,
        timedOut,
      });
    };
    child.once('error', (error) => {
      output += `\n${String(error)}`;
      finish(null);
    });
    child.once('close', (code) => finish(code));
  });
}
