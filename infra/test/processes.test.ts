import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive, readPid, runningPid, spawnDetached, stopPid } from '../src/processes.js';

describe('managed processes', () => {
  it('starts a detached process, finds it by pid file and marker, and stops it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-proc-'));
    const proc = { name: 'sleeper', pidFile: join(dir, 'sleeper.pid'), logFile: join(dir, 'sleeper.log') };
    const pid = await spawnDetached(proc, 'sleep', ['300']);
    expect(readPid(proc.pidFile)).toBe(pid);
    expect(runningPid(proc, 'sleep 300')).toBe(pid);
    // A marker that does not match means "not ours": a recycled pid is never stopped.
    expect(runningPid(proc, 'kafka.Kafka')).toBeUndefined();
    await stopPid(pid, 5_000);
    expect(isAlive(pid)).toBe(false);
    expect(runningPid(proc, 'sleep 300')).toBeUndefined();
  });
});
