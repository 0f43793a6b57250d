import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { ensureContracts } from './contracts.js';
import { step } from './progress.js';
import { loadStackSettings, type StackSettings } from './settings.js';
import { allServices, createStack, downAll, type Stack, upInfrastructure } from './stack.js';

const usage = `Usage: npm run stack -- <command>

  up [server...] [--brokers N]
                     provision (first time) and start Kafka, PostgreSQL, InfluxDB and the registry
                     (or only the servers named: kafka, postgres, influxdb);
                     --brokers 3: a KRaft cluster of three brokers (replication factor 3,
                     min.insync.replicas 2) on KAFKA_PORT, +10, +20 (KAFKA_PORT_STEP)
  down               stop every process the stack started
  status             each service's state, version and address
  logs [service] [-f] the last lines of a service's log (all services without a name); -f follows
  reset              stop everything and delete the stack's data (downloads stay cached)
  start              up, then every built app and the demo class's simulated students
                     (SIMULATE=false: none), then print where to look (what \`npm start\` runs)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const rest = withoutBrokersFlag(args);
  const envFile = new URL('../../.env', import.meta.url);
  // A local .env overrides defaults for the CLI and the apps it starts; the shell still wins.
  if (existsSync(envFile)) loadEnvWithoutOverriding(envFile);
  const settings = loadStackSettings();
  const stack = createStack(settings);
  switch (command) {
    case 'up': {
      const names = rest.filter((arg) => !arg.startsWith('-'));
      if (names.length === 0) {
        await upInfrastructure(stack, settings);
        return 0;
      }
      // Only the servers named (e.g. `up kafka --brokers 3` beside a stack already running).
      const chosen = stack.servers.filter((service) => names.includes(service.name));
      if (chosen.length !== names.length) {
        process.stderr.write(`unknown server; choose from: ${stack.servers.map((s) => s.name).join(', ')}\n`);
        return 2;
      }
      for (const service of chosen) await service.up();
      if (names.includes('kafka')) await ensureContracts(settings, { registry: false });
      return 0;
    }
    case 'down':
      await downAll(stack);
      return 0;
    case 'status':
      await printStatus(stack);
      return 0;
    case 'logs':
      return showLogs(stack, rest);
    case 'reset':
      await downAll(stack);
      for (const service of allServices(stack)) {
        for (const dir of service.dataDirs) await rm(dir, { recursive: true, force: true });
      }
      step('stack', 'data deleted; `npm run stack -- up` starts afresh');
      return 0;
    case 'start': {
      await upInfrastructure(stack, settings);
      for (const app of stack.apps.filter((candidate) => candidate.exists)) await app.up();
      const canSimulate = ['lms-api', 'ingest'].every(
        (name) => stack.apps.find((a) => a.name === name)?.exists,
      );
      if (settings.SIMULATE && canSimulate && stack.simulator.exists) await stack.simulator.up();
      await printStatus(stack);
      printWhereToLook(settings, stack);
      return 0;
    }
    default:
      process.stdout.write(usage);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

/** `--brokers N` (or `--brokers=N`) sets KAFKA_BROKER_COUNT for this run; returns the other arguments. */
function withoutBrokersFlag(args: string[]): string[] {
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--brokers' || arg.startsWith('--brokers=')) {
      const value = arg.includes('=') ? arg.slice('--brokers='.length) : args[++i];
      if (value === undefined || !/^[1-9]$/.test(value))
        throw new Error('--brokers takes a number of brokers, 1 to 9');
      process.env.KAFKA_BROKER_COUNT = value;
      continue;
    }
    rest.push(arg);
  }
  return rest;
}

function printWhereToLook(settings: StackSettings, stack: Stack): void {
  const built = new Set(stack.apps.filter((app) => app.exists).map((app) => app.name));
  const lines: [string, string][] = [];
  if (built.has('lms-api')) {
    lines.push(['LMS API docs', `http://127.0.0.1:${settings.LMS_PORT}/docs`]);
    lines.push([
      'Demo instructor',
      'demo-instructor / demo-instructor (class PY101, students demo-student-01..08)',
    ]);
    lines.push(['Admin login', `${settings.ADMIN_USERNAME} / ${settings.ADMIN_PASSWORD}`]);
  }
  if (built.has('ingest')) lines.push(['Ingest', `http://127.0.0.1:${settings.INGEST_PORT}/api/v1/events`]);
  if (built.has('realtime')) lines.push(['Realtime', `ws://127.0.0.1:${settings.REALTIME_PORT}/ws`]);
  lines.push(
    ['Schema registry', `${settings.SCHEMA_REGISTRY_URL}/subjects`],
    ['Kafka', `${settings.KAFKA_BROKERS.join(',')}  (topics: docs/topics.md; npm run tail -- <topic>)`],
    ['PostgreSQL', settings.DATABASE_URL],
    ['InfluxDB', `${settings.INFLUX_URL}  (bucket ${settings.INFLUX_BUCKET})`],
    ['Logs', 'npm run stack -- logs [service] -f'],
    ['Stop', 'npm run stack -- down'],
  );
  const width = Math.max(...lines.map(([label]) => label.length));
  process.stdout.write(
    `\nCellstream is running.\n${lines.map(([l, v]) => `  ${l.padEnd(width)}  ${v}`).join('\n')}\n`,
  );
}

function loadEnvWithoutOverriding(file: URL): void {
  const before = { ...process.env };
  process.loadEnvFile(file);
  Object.assign(process.env, before);
}

async function printStatus(stack: Stack): Promise<void> {
  const statuses = await Promise.all(allServices(stack).map((service) => service.status()));
  const rows = statuses.map((status) => [
    status.name,
    status.state,
    status.version ?? '-',
    status.address,
    status.pid === undefined ? '-' : String(status.pid),
  ]);
  const table = [['SERVICE', 'STATE', 'VERSION', 'ADDRESS', 'PID'], ...rows];
  const widths =
    table[0]?.map((_, column) => Math.max(...table.map((row) => row[column]?.length ?? 0))) ?? [];
  for (const row of table) {
    process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}\n`);
  }
}

function showLogs(stack: Stack, args: string[]): Promise<number> {
  const follow = args.includes('-f') || args.includes('--follow');
  const names = args.filter((arg) => !arg.startsWith('-'));
  const services = allServices(stack).filter((service) => names.length === 0 || names.includes(service.name));
  if (names.length > 0 && services.length !== names.length) {
    process.stderr.write(
      `unknown service; choose from: ${allServices(stack)
        .map((s) => s.name)
        .join(', ')}\n`,
    );
    return Promise.resolve(2);
  }
  const files = services.map((service) => service.logFile).filter((file) => existsSync(file));
  if (files.length === 0) {
    process.stderr.write('no logs yet: the stack has not been started\n');
    return Promise.resolve(0);
  }
  const tail = spawn('tail', ['-n', '100', ...(follow ? ['-F'] : []), ...files], { stdio: 'inherit' });
  return new Promise((resolve) => tail.once('close', (code) => resolve(code ?? 0)));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`[stack] failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
