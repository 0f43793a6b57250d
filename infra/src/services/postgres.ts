import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { portOpen } from '../probes.js';
import { isAlive } from '../processes.js';
import { step, throttled, timed } from '../progress.js';
import { runCommand } from '../run-command.js';
import type { StackSettings } from '../settings.js';
import type { ServiceStatus, StackService } from './service.js';

/**
 * A PostgreSQL cluster of the stack's own (own data dir, port and socket dir) from Debian's
 * package, so it never fights a system cluster. As root the server runs as the postgres user.
 */
/**
 * Settings for the persister's write load (multi-row inserts in one transaction per Kafka batch),
 * none of which weakens durability (fsync and synchronous_commit stay on): bigger buffers and
 * fewer forced checkpoints while a million events arrive. Defaults are sized for a 128 MB box.
 */
const durableThroughputSettings = [
  '-c shared_buffers=512MB',
  '-c max_wal_size=4GB',
  '-c min_wal_size=512MB',
  '-c checkpoint_timeout=15min',
  '-c checkpoint_completion_target=0.9',
  '-c wal_compression=on',
  '-c effective_cache_size=4GB',
  '-c random_page_cost=1.1',
];

export class PostgresService implements StackService {
  readonly name = 'postgres';
  readonly logFile: string;
  readonly dataDirs: string[];
  private readonly dataDir: string;

  constructor(private readonly settings: StackSettings) {
    this.dataDir = join(settings.pgDataDir, 'data');
    this.logFile = join(settings.pgDataDir, 'server.log');
    this.dataDirs = [settings.pgDataDir];
  }

  private get address() {
    return `127.0.0.1:${this.settings.PG_PORT}`;
  }

  /** The socket directory doubles as the cluster's private admin door (trust for local sockets). */
  private get socketDir() {
    return this.settings.pgDataDir;
  }

  async up(): Promise<void> {
    const bin = await this.binDir();
    if (this.postmasterPid() === undefined) {
      if (await portOpen(this.settings.PG_PORT)) {
        throw new Error(
          `port ${this.settings.PG_PORT} is taken by a PostgreSQL this stack did not start ` +
            `(a system cluster? try: pg_lsclusters, pg_ctlcluster <version> main stop) or set PG_PORT`,
        );
      }
      await this.initCluster(bin);
      await timed(this.name, `up at ${this.address}`, () =>
        this.asOwner(join(bin, 'pg_ctl'), [
          '-D',
          this.dataDir,
          '-l',
          this.logFile,
          '-w',
          '-t',
          String(Math.round(this.settings.STACK_START_TIMEOUT_MS / 1000)),
          '-o',
          [
            `-c port=${this.settings.PG_PORT}`,
            '-c listen_addresses=127.0.0.1',
            `-c unix_socket_directories=${this.socketDir}`,
            '-c max_connections=300',
            ...durableThroughputSettings,
          ].join(' '),
          'start',
        ]),
      );
    } else {
      step(this.name, `already up at ${this.address}`);
    }
    await this.ensureDatabase();
  }

  /** The newest installed server's bin dir; installs Debian's package when none is there. */
  private async binDir(): Promise<string> {
    const find = () =>
      existsSync('/usr/lib/postgresql')
        ? readdirSync('/usr/lib/postgresql')
            .filter((version) => existsSync(join('/usr/lib/postgresql', version, 'bin', 'postgres')))
            .sort((a, b) => Number(b) - Number(a))
        : [];
    let versions = find();
    if (versions.length === 0) {
      if (!this.settings.runningAsRoot) {
        throw new Error('PostgreSQL is not installed: run `sudo apt-get install -y postgresql` and retry');
      }
      await timed(this.name, "installed Debian's postgresql package", async () => {
        await runCommand('apt-get', ['update'], { onLine: throttled(this.name) });
        await runCommand('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], {
          onLine: throttled(this.name),
          env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        });
      });
      versions = find();
    }
    return join('/usr/lib/postgresql', versions[0] as string, 'bin');
  }

  private async initCluster(bin: string): Promise<void> {
    if (existsSync(join(this.dataDir, 'PG_VERSION'))) return;
    // Parents stay traversable (0755) so the postgres user can reach its own directory.
    await mkdir(this.settings.pgDataDir, { recursive: true, mode: 0o755 });
    await mkdir(this.dataDir, { mode: 0o700 });
    if (this.settings.runningAsRoot) {
      const { uid, gid } = await this.postgresUser();
      await chown(this.settings.pgDataDir, uid, gid);
      await chown(this.dataDir, uid, gid);
    }
    await timed(this.name, `initialised a cluster in ${this.dataDir}`, () =>
      this.asOwner(join(bin, 'initdb'), [
        '-D',
        this.dataDir,
        '-U',
        'postgres',
        '-E',
        'UTF8',
        '--no-locale',
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
      ]),
    );
  }

  private async postgresUser(): Promise<{ uid: number; gid: number }> {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('postgres:'));
    const [, , uid, gid] = line?.split(':') ?? [];
    if (uid === undefined || gid === undefined) throw new Error('the postgres system user is missing');
    return { uid: Number(uid), gid: Number(gid) };
  }

  /** Runs a PostgreSQL tool as the cluster's owner (postgres when we are root). */
  private asOwner(command: string, args: string[]): Promise<string> {
    return this.settings.runningAsRoot
      ? runCommand('runuser', ['-u', 'postgres', '--', command, ...args])
      : runCommand(command, args);
  }

  /** Creates the application role and database named by DATABASE_URL when missing. */
  private async ensureDatabase(): Promise<void> {
    const target = new URL(this.settings.DATABASE_URL);
    const role = decodeURIComponent(target.username);
    const password = decodeURIComponent(target.password);
    const database = target.pathname.replace(/^\//, '');
    const admin = new pg.Client({
      host: this.socketDir,
      port: this.settings.PG_PORT,
      user: 'postgres',
      database: 'postgres',
    });
    await admin.connect();
    try {
      const roleExists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      const ident = admin.escapeIdentifier(role);
      const secret = admin.escapeLiteral(password);
      // CREATEDB lets the test kit give each test file a database of its own.
      await admin.query(
        roleExists.rowCount
          ? `ALTER ROLE ${ident} LOGIN CREATEDB PASSWORD ${secret}`
          : `CREATE ROLE ${ident} LOGIN CREATEDB PASSWORD ${secret}`,
      );
      const dbExists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (!dbExists.rowCount) {
        await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)} OWNER ${ident}`);
        step(this.name, `created database ${database} owned by ${role}`);
      }
    } finally {
      await admin.end();
    }
  }

  private postmasterPid(): number | undefined {
    try {
      const pid = Number.parseInt(
        readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '',
        10,
      );
      return Number.isInteger(pid) && isAlive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  async down(): Promise<void> {
    if (this.postmasterPid() === undefined) return;
    const bin = await this.binDir();
    await timed(this.name, 'stopped', () =>
      this.asOwner(join(bin, 'pg_ctl'), ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']),
    );
  }

  async status(): Promise<ServiceStatus> {
    const pid = this.postmasterPid();
    const base = { name: this.name, address: this.address, pid };
    if (pid === undefined) return { ...base, state: 'down' };
    const client = new pg.Client({
      connectionString: this.settings.DATABASE_URL,
      connectionTimeoutMillis: 2_000,
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
      return { ...base, state: 'up', version: rows[0]?.server_version.split(' ')[0] };
    } catch (error) {
      return { ...base, state: 'unhealthy', detail: (error as Error).message };
    } finally {
      await client.end().catch(() => {});
    }
  }
}
