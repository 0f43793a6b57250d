import { spawn } from 'node:child_process';
import { openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sleep } from '@cellstream/shared';

/** A long-running process the stack owns, known by its pid file. */
export interface ManagedProcess {
  name: string;
  pidFile: string;
  logFile: string;
}

export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim().split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a pid, so a recycled pid is never mistaken for ours. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** The live pid of `proc` if its pid file names a process whose command line contains `marker`. */
export function runningPid(proc: ManagedProcess, marker: string): number | undefined {
  const pid = readPid(proc.pidFile);
  if (pid === undefined || !isAlive(pid)) return undefined;
  return commandLine(pid).includes(marker) ? pid : undefined;
}

/** Starts `command` detached in its own process group, output appended to the log file. */
export async function spawnDetached(
  proc: ManagedProcess,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<number> {
  await mkdir(dirname(proc.pidFile), { recursive: true });
  await mkdir(dirname(proc.logFile), { recursive: true });
  const out = openSync(proc.logFile, 'a');
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', out, out],
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', () => resolve(child.pid as number));
  });
  child.unref();
  writeFileSync(proc.pidFile, `${pid}\n`);
  return pid;
}

/** SIGTERM, then SIGKILL after `graceMs`; waits until the process is gone. */
export async function stopPid(pid: number, graceMs = 20_000): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    signalGroup(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(50);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    // Detached children lead their own group: signal the group so helpers they forked go too.
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export function removePidFile(proc: ManagedProcess): void {
  rmSync(proc.pidFile, { force: true });
}
