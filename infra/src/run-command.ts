import { spawn } from 'node:child_process';

/**
 * Runs a command to completion. Output lines go to `onLine` (for progress) and the
 * last ones are kept so a failure can say what went wrong.
 */
export function runCommand(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; onLine?: (line: string) => void } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd });
    const tail: string[] = [];
    let all = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      all += text;
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        options.onLine?.(line);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(all);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${tail.join('\n')}`));
    });
  });
}
