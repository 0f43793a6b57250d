import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type ManagedProcess, removePidFile, runningPid, spawnDetached, stopPid } from '../processes.js';
import { step } from '../progress.js';
import type { StackSettings } from '../settings.js';
import type { ServiceStatus, StackService } from './service.js';

/**
 * The demo class's simulated students (`packages/simulator --demo`), so a new user sees a living
 * dashboard at once. Started by `npm start` after lms-api and ingest; `SIMULATE=false` turns it off.
 */
export class SimulatorService implements StackService {
  readonly name = 'simulator';
  readonly logFile: string;
  readonly dataDirs: string[] = [];
  private readonly entry: string;
  private readonly proc: ManagedProcess;

  constructor(
    private readonly settings: StackSettings,
    private readonly ratePerSecond = 5,
  ) {
    this.entry = join(settings.repoRoot, 'packages', 'simulator', 'dist', 'cli.js');
    this.logFile = join(settings.logDir, 'simulator.log');
    this.proc = { name: this.name, pidFile: join(settings.runDir, 'simulator.pid'), logFile: this.logFile };
  }

  get exists(): boolean {
    return existsSync(this.entry);
  }

  async up(): Promise<void> {
    if (runningPid(this.proc, this.entry) !== undefined) {
      step(this.name, 'already simulating the demo class');
      return;
    }
    await spawnDetached(this.proc, process.execPath, [
      this.entry,
      '--demo',
      '--rate',
      String(this.ratePerSecond),
      '--duration',
      '0',
      '--lms',
      `http://127.0.0.1:${this.settings.LMS_PORT}`,
      '--ingest',
      `http://127.0.0.1:${this.settings.INGEST_PORT}`,
    ]);
    step(
      this.name,
      `simulating the demo class at ${this.ratePerSecond} events/s (SIMULATE=false turns it off)`,
    );
  }

  async down(): Promise<void> {
    const pid = runningPid(this.proc, this.entry);
    if (pid !== undefined) await stopPid(pid);
    removePidFile(this.proc);
  }

  async status(): Promise<ServiceStatus> {
    const pid = runningPid(this.proc, this.entry);
    return {
      name: this.name,
      state: pid !== undefined ? 'up' : this.exists ? 'down' : 'not built',
      address: `demo class → http://127.0.0.1:${this.settings.INGEST_PORT}`,
      pid,
    };
  }
}
