import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

/** What the figures were measured on: a reader compares machines before comparing numbers. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  kernel: string;
  node: string;
  java: string;
  kafka: string;
  /** 1, 5 and 15 minute load averages when the run began (other work on the machine). */
  loadAverageAtStart: [number, number, number];
}

export function describeMachine(kafkaVersion: string): MachineInfo {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: osName(),
    kernel: release(),
    node: process.version,
    java: javaVersion(),
    kafka: kafkaVersion,
    loadAverageAtStart: [round(one), round(five), round(fifteen)],
  };
}

export function currentLoad(): [number, number, number] {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return [round(one), round(five), round(fifteen)];
}

const round = (value: number) => Math.round(value * 100) / 100;

function osName(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]+)"?/m.exec(text)?.[1] ?? 'Linux';
  } catch {
    return process.platform;
  }
}

function javaVersion(): string {
  // `java -version` writes to stderr; its first line names the runtime and version.
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error) return 'not found';
  return `${result.stderr}${result.stdout}`.split('\n')[0]?.trim() || 'unknown';
}

/** The Kafka version of the stack's jars (the newest kafka-<version>/libs in the cache). */
export function kafkaVersionFromCache(cacheDir: string, preferred?: string): string | undefined {
  if (preferred) return preferred;
  try {
    const versions = readdirSync(cacheDir)
      .map((name) => /^kafka-(\d+\.\d+\.\d+)$/.exec(name)?.[1])
      .filter((version): version is string => version !== undefined)
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    return versions.at(-1);
  } catch {
    return undefined;
  }
}
