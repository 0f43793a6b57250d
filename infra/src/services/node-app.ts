import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { portOpen, waitUntil } from '../probes.js';
import {
  isAlive,
  type ManagedProcess,
  removePidFile,
  runningPid,
  spawnDetached,
  stopPid,
} from '../processes.js';
import { step, timed } from '../progress.js';
import type { StackSettings } from '../settings.js';
import type { ServiceStatus, StackService } from './service.js';

export interface NodeAppDefinition {
  /** Service name, also the workspace folder under apps/. */
  name: string;
  /** HTTP port whose `/ready` tells the app is serving. */
  port: number;
  /** Environment the app gets on top of the CLI's own. */
  env?: Record<string, string>;
}

/** One of Cellstream's own Node apps, run from its build output (`apps/<name>/dist/main.js`). */
export class NodeAppService implements StackService {
  readonly name: string;
  readonly logFile: string;
  readonly dataDirs: string[] = [];
  private readonly entry: string;
  private readonly proc: ManagedProcess;

  constructor(
    private readonly settings: StackSettings,
    private readonly app: NodeAppDefinition,
  ) {
    this.name = app.name;
    this.entry = join(settings.repoRoot, 'apps', app.name, 'dist', 'main.js');
    this.logFile = join(settings.logDir, `${app.name}.log`);
    this.proc = { name: app.name, pidFile: join(settings.runDir, `${app.name}.pid`), logFile: this.logFile };
  }

  /** An app exists once its issue has built it and `npm run build` has compiled it. */
  get exists(): boolean {
    return existsSync(this.entry);
  }

  private get url() {
    return `http://127.0.0.1:${this.app.port}`;
  }

  async up(): Promise<void> {
    if (!this.exists) throw new Error(`${this.entry} is missing: run \`npm run build\` first`);
    const ownPid = runningPid(this.proc, this.entry);
    if (ownPid !== undefined) {
      // Ours and alive: it may still be starting, or waiting for Kafka after a broker restart.
      if (!(await this.ready())) {
        await timed(this.name, `ready at ${this.url}`, () =>
          waitUntil(this.name, () => this.ready(), {
            timeoutMs: this.settings.STACK_START_TIMEOUT_MS,
            logFile: this.logFile,
            stillRunning: () => isAlive(ownPid),
          }),
        );
        return;
      }
      step(this.name, `already up at ${this.url}`);
      return;
    }
    if (await portOpen(this.app.port)) {
      throw new Error(`port ${this.app.port} is taken by a process this stack did not start`);
    }
    const pid = await spawnDetached(this.proc, process.execPath, [this.entry], {
      env: { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'production', ...this.app.env },
      cwd: join(this.settings.repoRoot, 'apps', this.app.name),
    });
    await timed(this.name, `up at ${this.url}`, () =>
      waitUntil(this.name, () => this.ready(), {
        timeoutMs: this.settings.STACK_START_TIMEOUT_MS,
        logFile: this.logFile,
        stillRunning: () => isAlive(pid),
      }),
    );
  }

  private async ready(): Promise<boolean> {
    try {
      const response = await fetch(`${this.url}/ready`, { signal: AbortSignal.timeout(2_000) });
      return response.ok;
    } catch {
      return false;
    }
  }

  async down(): Promise<void> {
    const pid = runningPid(this.proc, this.entry);
    if (pid !== undefined) await timed(this.name, 'stopped', () => stopPid(pid));
    removePidFile(this.proc);
  }

  async status(): Promise<ServiceStatus> {
    const pid = runningPid(this.proc, this.entry);
    const ready = pid !== undefined && (await this.ready());
    return {
      name: this.name,
      state: pid !== undefined ? (ready ? 'up' : 'unhealthy') : this.exists ? 'down' : 'not built',
      address: this.url,
      version: pid === undefined ? undefined : await this.reportedVersion(),
      pid,
    };
  }

  private async reportedVersion(): Promise<string | undefined> {
    try {
      const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2_000) });
      const body = (await response.json()) as { version?: string };
      return body.version;
    } catch {
      return undefined;
    }
  }
}
