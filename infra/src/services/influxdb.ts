import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
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
import { step, throttled, timed } from '../progress.js';
import { runCommand } from '../run-command.js';
import type { StackSettings } from '../settings.js';
import type { ServiceStatus, StackService } from './service.js';

/**
 * InfluxDB 1.8 built from the Go module proxy. It speaks the 2.x write and Flux query API
 * (`/api/v2/write`, `/api/v2/query`) that @influxdata/influxdb-client uses; a bucket is a database.
 */
export class InfluxService implements StackService {
  readonly name = 'influxdb';
  readonly logFile: string;
  readonly dataDirs: string[];
  private readonly home: string;
  private readonly binary: string;
  private readonly proc: ManagedProcess;

  constructor(private readonly settings: StackSettings) {
    this.home = join(settings.stateDir, 'influxdb');
    this.binary = join(settings.cacheDir, 'bin', `influxd-${settings.INFLUX_VERSION}`);
    this.logFile = join(settings.logDir, 'influxdb.log');
    this.dataDirs = [this.home];
    this.proc = { name: this.name, pidFile: join(settings.runDir, 'influxdb.pid'), logFile: this.logFile };
  }

  private get url() {
    return `http://127.0.0.1:${this.settings.INFLUX_PORT}`;
  }

  async up(): Promise<void> {
    if (runningPid(this.proc, this.binary) !== undefined && (await this.version()) !== undefined) {
      step(this.name, `already up at ${this.url}`);
    } else {
      if (await portOpen(this.settings.INFLUX_PORT)) {
        throw new Error(
          `port ${this.settings.INFLUX_PORT} is taken by a process this stack did not start; stop it or set INFLUX_PORT`,
        );
      }
      await this.provision();
      const configFile = await this.writeConfig();
      const pid = await spawnDetached(this.proc, this.binary, ['run', '-config', configFile]);
      await timed(this.name, `up at ${this.url}`, () =>
        waitUntil('InfluxDB', async () => (await this.version()) !== undefined, {
          timeoutMs: this.settings.STACK_START_TIMEOUT_MS,
          logFile: this.logFile,
          stillRunning: () => isAlive(pid),
        }),
      );
    }
    await this.createDatabase(this.settings.INFLUX_BUCKET.split('/')[0] as string);
  }

  /** `go install`s influxd once per version into the cache (a pure-Go build, no cgo). */
  private async provision(): Promise<void> {
    if (existsSync(this.binary)) return;
    const version = this.settings.INFLUX_VERSION;
    await mkdir(join(this.settings.cacheDir, 'bin'), { recursive: true });
    const gobin = await mkdtemp(join(this.settings.cacheDir, 'bin', '.influxd-build-'));
    try {
      await timed(this.name, `built influxd ${version} with go install`, () =>
        runCommand(
          'go',
          [
            'install',
            `-ldflags=-X main.version=${version} -X main.commit=v${version}`,
            `github.com/influxdata/influxdb/cmd/influxd@v${version}`,
          ],
          {
            env: { ...process.env, GOBIN: gobin, CGO_ENABLED: '0' },
            onLine: throttled(this.name),
          },
        ),
      );
      await rename(join(gobin, 'influxd'), this.binary);
    } finally {
      await rm(gobin, { recursive: true, force: true });
    }
  }

  private async writeConfig(): Promise<string> {
    await mkdir(this.home, { recursive: true });
    const configFile = join(this.home, 'influxdb.conf');
    await writeFile(
      configFile,
      [
        '# Written by the Cellstream stack CLI on every start; edit infra/src/services/influxdb.ts instead.',
        'reporting-disabled = true',
        `bind-address = "127.0.0.1:${this.settings.INFLUX_RPC_PORT}"`,
        '[meta]',
        `  dir = "${join(this.home, 'meta')}"`,
        '[data]',
        `  dir = "${join(this.home, 'data')}"`,
        `  wal-dir = "${join(this.home, 'wal')}"`,
        '  query-log-enabled = false',
        '[http]',
        `  bind-address = "127.0.0.1:${this.settings.INFLUX_PORT}"`,
        '  flux-enabled = true',
        '  log-enabled = false',
        '[logging]',
        '  level = "warn"',
        '',
      ].join('\n'),
    );
    return configFile;
  }

  private async createDatabase(database: string): Promise<void> {
    const response = await fetch(`${this.url}/query`, {
      method: 'POST',
      body: new URLSearchParams({ q: `CREATE DATABASE "${database}"` }),
    });
    if (!response.ok)
      throw new Error(`InfluxDB refused CREATE DATABASE ${database}: ${await response.text()}`);
  }

  /** The server's own version from `/ping`, or undefined when it does not answer. */
  private async version(): Promise<string | undefined> {
    try {
      const response = await fetch(`${this.url}/ping`, { signal: AbortSignal.timeout(1_000) });
      return response.status === 204 ? (response.headers.get('x-influxdb-version') ?? 'unknown') : undefined;
    } catch {
      return undefined;
    }
  }

  async down(): Promise<void> {
    const pid = runningPid(this.proc, this.binary);
    if (pid !== undefined) await timed(this.name, 'stopped', () => stopPid(pid));
    removePidFile(this.proc);
  }

  async status(): Promise<ServiceStatus> {
    const pid = runningPid(this.proc, this.binary);
    const version = pid === undefined ? undefined : await this.version();
    return {
      name: this.name,
      state: pid === undefined ? 'down' : version ? 'up' : 'unhealthy',
      address: this.url,
      version,
      pid,
    };
  }
}
