/** Measuring the benchmark: processes' CPU and RSS, percentiles, the client processes. */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sleep } from '@cellstream/shared';

/** Node flags of the child processes: TypeScript sources through tsx, workspace sources. */
export const tsxArgs = ['--conditions=source', '--import', 'tsx'];

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function waitReady(url: string, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) before it was ready`);
    try {
      const response = await fetch(`${url}/ready`);
      if (response.ok) return;
      last = await response.text();
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${url}/ready did not answer 200 within ${timeoutMs} ms; last answer: ${last}`);
}

const CLOCK_TICKS = 100;
/** CPU seconds and RSS of a process, from /proc. */
function processUsage(pid: number): { cpuSeconds: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuSeconds, rssBytes: Number(rss?.[1] ?? 0) * 1024 };
}

/** Busy and total jiffies of the whole machine. */
function machineUsage(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.reduce((sum, value) => sum + value, 0);
  return { busy: total - idle, total };
}

export class Sampler {
  private readonly timer: NodeJS.Timeout;
  maxRss = 0;
  private startCpu: number;
  private readonly startMachine = machineUsage();
  private readonly startedAt = Date.now();

  constructor(private readonly pid: number) {
    this.startCpu = processUsage(pid).cpuSeconds;
    this.timer = setInterval(() => {
      this.maxRss = Math.max(this.maxRss, processUsage(pid).rssBytes);
    }, 500);
  }

  stop() {
    clearInterval(this.timer);
    const usage = processUsage(this.pid);
    this.maxRss = Math.max(this.maxRss, usage.rssBytes);
    const machine = machineUsage();
    return {
      cpuPercent: ((usage.cpuSeconds - this.startCpu) / ((Date.now() - this.startedAt) / 1000)) * 100,
      maxRssMb: this.maxRss / 1024 / 1024,
      machineBusyPercent:
        ((machine.busy - this.startMachine.busy) / (machine.total - this.startMachine.total)) * 100,
    };
  }
}

export interface WorkerStats {
  delays: number[];
  received: number;
  closedUnexpectedly: number;
}

/** The client processes, commanded over IPC. */
export class ClientFleet {
  private constructor(private readonly workers: ChildProcess[]) {}

  static async start(count: number): Promise<ClientFleet> {
    const workers = Array.from({ length: count }, () =>
      fork(fileURLToPath(new URL('./bench-clients.ts', import.meta.url)), [], { execArgv: tsxArgs }),
    );
    await Promise.all(workers.map((worker) => nextMessage(worker, 'hello')));
    return new ClientFleet(workers);
  }

  /** Opens `clients` clients over the processes, client i subscribing to class i % classes. */
  async connect(
    url: string,
    token: string,
    clients: number,
    classes: number,
  ): Promise<{ ok: number; failed: number }> {
    const replies = await Promise.all(
      this.workers.map((worker, index) => {
        const classIds: string[] = [];
        for (let client = index; client < clients; client += this.workers.length)
          classIds.push(String(client % classes));
        const answer = nextMessage<{ ok: number; failed: number }>(worker, 'connected');
        worker.send({ cmd: 'connect', url, token, classIds });
        return answer;
      }),
    );
    return {
      ok: replies.reduce((sum, reply) => sum + reply.ok, 0),
      failed: replies.reduce((sum, reply) => sum + reply.failed, 0),
    };
  }

  startMeasuring(): void {
    for (const worker of this.workers) worker.send({ cmd: 'start' });
  }

  async stopMeasuring(): Promise<WorkerStats> {
    const replies = await Promise.all(
      this.workers.map((worker) => {
        const answer = nextMessage<WorkerStats>(worker, 'stats');
        worker.send({ cmd: 'stop' });
        return answer;
      }),
    );
    return {
      delays: replies.flatMap((reply) => reply.delays),
      received: replies.reduce((sum, reply) => sum + reply.received, 0),
      closedUnexpectedly: replies.reduce((sum, reply) => sum + reply.closedUnexpectedly, 0),
    };
  }

  async disconnect(): Promise<void> {
    await Promise.all(
      this.workers.map((worker) => {
        const answer = nextMessage(worker, 'disconnected');
        worker.send({ cmd: 'disconnect' });
        return answer;
      }),
    );
  }

  kill(): void {
    for (const worker of this.workers) worker.kill();
  }
}

export function nextMessage<T>(child: ChildProcess, cmd: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { cmd?: string }) => {
      if (message.cmd !== cmd) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null) =>
      reject(new Error(`a child exited (${code}) while waiting for ${cmd}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export interface ServerScrape {
  /** Cumulative counts of realtime's record → publish histogram, by upper bound in ms. */
  publishDelay: Map<number, number>;
  /** The same for record → fetch returned (the Kafka side) and fetch returned → publish (realtime's). */
  receiveDelay: Map<number, number>;
  processDelay: Map<number, number>;
  /** Event-loop delay percentiles in ms since the previous scrape (prom-client resets them). */
  loopP50: string;
  loopP99: string;
}

export async function scrapeServer(httpUrl: string): Promise<ServerScrape> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const histogram = (name: string) => {
    const buckets = new Map<number, number>();
    for (const match of text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)".*\\} (\\d+)$`, 'gm'))) {
      buckets.set(match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]) * 1000, Number(match[2]));
    }
    return buckets;
  };
  const gaugeMs = (name: string) =>
    (Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1]) * 1000).toFixed(1);
  return {
    publishDelay: histogram('realtime_publish_delay_seconds'),
    receiveDelay: histogram('realtime_receive_delay_seconds'),
    processDelay: histogram('realtime_process_delay_seconds'),
    loopP50: gaugeMs('nodejs_eventloop_lag_p50_seconds'),
    loopP99: gaugeMs('nodejs_eventloop_lag_p99_seconds'),
  };
}

/** The bucket bound under which p% of the records published between two scrapes fell. */
export function bucketPercentile(before: Map<number, number>, after: Map<number, number>, p: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  for (const bound of bounds) {
    if ((after.get(bound) ?? 0) - (before.get(bound) ?? 0) >= (total * p) / 100) return bound;
  }
  return Number.NaN;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}
