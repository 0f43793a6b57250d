import { readFileSync } from 'node:fs';
import { sleep } from '@cellstream/shared';

/** Counts one answer: its latency and events, or the error it got. */
export type Recorder = (latencyMs: number, events: number, error?: string) => void;

export interface PhaseResult {
  name: string;
  events: number;
  seconds: number;
  latenciesMs: number[];
  errors: Record<string, number>;
  cpuPercent?: number;
  rssMb?: number;
  peakRssMb?: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export function p99(result: PhaseResult | undefined): number | undefined {
  return result
    ? percentile(
        [...result.latenciesMs].sort((a, b) => a - b),
        99,
      )
    : undefined;
}

export function summary(result: PhaseResult) {
  const sorted = [...result.latenciesMs].sort((a, b) => a - b);
  return {
    phase: result.name,
    'events/s': Math.round(result.events / result.seconds),
    requests: result.latenciesMs.length,
    'p50 ms': Number(percentile(sorted, 50).toFixed(1)),
    'p99 ms': Number(percentile(sorted, 99).toFixed(1)),
    'max ms': Number((sorted.at(-1) ?? Number.NaN).toFixed(1)),
    errors: Object.keys(result.errors).length ? JSON.stringify(result.errors) : '',
    'ingest CPU %': result.cpuPercent === undefined ? '' : Math.round(result.cpuPercent),
    'ingest RSS MB': result.rssMb === undefined ? '' : Math.round(result.rssMb),
    'peak RSS MB': result.peakRssMb === undefined ? '' : Math.round(result.peakRssMb),
  };
}

/** Sums phases of the same name (rounds) into one result. */
export function merge(results: PhaseResult[]): PhaseResult[] {
  const byName = new Map<string, PhaseResult>();
  for (const result of results) {
    const into = byName.get(result.name);
    if (!into) {
      byName.set(result.name, {
        ...result,
        latenciesMs: [...result.latenciesMs],
        errors: { ...result.errors },
      });
      continue;
    }
    if (into.cpuPercent !== undefined && result.cpuPercent !== undefined) {
      into.cpuPercent =
        (into.cpuPercent * into.seconds + result.cpuPercent * result.seconds) /
        (into.seconds + result.seconds);
    }
    into.events += result.events;
    into.seconds += result.seconds;
    into.latenciesMs.push(...result.latenciesMs);
    for (const [error, count] of Object.entries(result.errors))
      into.errors[error] = (into.errors[error] ?? 0) + count;
    into.rssMb = result.rssMb ?? into.rssMb;
    if (result.peakRssMb !== undefined) into.peakRssMb = Math.max(into.peakRssMb ?? 0, result.peakRssMb);
  }
  return [...byName.values()];
}

/** CPU seconds (user + system) and RSS of a process, from /proc (Linux). */
export function processStats(pid: number): { cpuSeconds: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime, in clock ticks of 10 ms
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return { cpuSeconds: ticks / 100, rssMb: rssKb / 1024 };
}

/** Ingest's own view, from its /metrics: p50/p99 of a histogram as bucket upper bounds. */
export async function histogramQuantiles(port: number, name: string, filter = ''): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const buckets = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`) || !line.includes(filter)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  const at = (q: number) => sorted.find(([, count]) => count >= q * total)?.[0] ?? Number.NaN;
  return `${name}${filter ? ` ${filter}` : ''}: n=${total} p50<=${at(0.5) * 1000}ms p99<=${at(0.99) * 1000}ms max<=${at(1) * 1000}ms`;
}

/**
 * Runs `run` for warm-up plus duration and counts only what is answered during the duration;
 * samples the CPU and RSS of process `pid` (ingest) meanwhile.
 */
export async function measured(
  name: string,
  pid: number | undefined,
  timing: { warmupMs: number; durationMs: number },
  run: (until: number, record: Recorder) => Promise<void>,
): Promise<PhaseResult> {
  const result: PhaseResult = { name, events: 0, seconds: 0, latenciesMs: [], errors: {} };
  let counting = false;
  const record: Recorder = (latencyMs, events, error) => {
    if (!counting) return;
    if (error) result.errors[error] = (result.errors[error] ?? 0) + 1;
    else {
      result.latenciesMs.push(latencyMs);
      result.events += events;
    }
  };
  const finished = run(Date.now() + timing.warmupMs + timing.durationMs, record);
  await sleep(timing.warmupMs);
  counting = true;
  const before = pid === undefined ? undefined : processStats(pid);
  let peak = 0;
  const sampler = setInterval(() => {
    if (pid !== undefined) peak = Math.max(peak, processStats(pid).rssMb);
  }, 250);
  const measuredFrom = Date.now();
  await sleep(timing.durationMs);
  counting = false;
  result.seconds = (Date.now() - measuredFrom) / 1000;
  clearInterval(sampler);
  if (pid !== undefined && before) {
    const after = processStats(pid);
    result.cpuPercent = ((after.cpuSeconds - before.cpuSeconds) / result.seconds) * 100;
    result.rssMb = after.rssMb;
    result.peakRssMb = Math.max(peak, after.rssMb);
  }
  await finished;
  return result;
}

/**
 * Closed loop: `workers` senders, each sending again as soon as its previous send is answered.
 * `send` resolves to the events accepted, or rejects.
 */
export async function closedLoop(
  workers: number,
  until: number,
  record: Recorder,
  send: (worker: number, n: number) => Promise<number>,
): Promise<void> {
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let n = 0; Date.now() < until; n++) {
        const started = performance.now();
        try {
          const events = await send(worker, n);
          record(performance.now() - started, events);
        } catch (error) {
          record(0, 0, (error as Error).message);
          await sleep(10);
        }
      }
    }),
  );
}

/**
 * Open loop: one send every `1000 / perSecond` ms on a fixed schedule, whatever the answers;
 * latency counts from the scheduled time, so a stall is not hidden (no coordinated omission).
 */
export async function openLoop(
  perSecond: number,
  until: number,
  record: Recorder,
  send: (n: number) => Promise<number>,
): Promise<void> {
  const intervalMs = 1000 / perSecond;
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  for (let n = 0; Date.now() < until; n++) {
    const scheduled = start + n * intervalMs;
    const wait = scheduled - performance.now();
    if (wait > 1) await sleep(wait);
    inFlight.push(
      send(n).then(
        (events) => record(performance.now() - scheduled, events),
        (error: Error) => record(0, 0, error.message),
      ),
    );
  }
  await Promise.all(inFlight);
}
