/** Percentiles and time series: the pure arithmetic of the report. */

export interface Distribution {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of sorted values (q in 0..1); NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.length === 0 ? Number.NaN : (sorted.at(-1) as number),
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  };
}

/**
 * Latency samples with the time each was taken, kept whole up to `capacity` and then as a
 * uniform sample (reservoir), so a long run has bounded memory; count and max stay exact.
 */
export class LatencyRecorder {
  private readonly samples: { at: number; ms: number }[] = [];
  private seen = 0;
  private maxMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly capacity = 200_000,
    private readonly random: () => number = Math.random,
  ) {}

  add(atMs: number, ms: number): void {
    this.seen++;
    if (ms > this.maxMs) this.maxMs = ms;
    if (this.samples.length < this.capacity) {
      this.samples.push({ at: atMs, ms });
      return;
    }
    const slot = Math.floor(this.random() * this.seen);
    if (slot < this.capacity) this.samples[slot] = { at: atMs, ms };
  }

  get count(): number {
    return this.seen;
  }

  /** The distribution of the samples taken in [fromMs, toMs). */
  summary(fromMs = Number.NEGATIVE_INFINITY, toMs = Number.POSITIVE_INFINITY): Distribution {
    const within = this.samples.filter((sample) => sample.at >= fromMs && sample.at < toMs);
    const result = distribution(within.map((sample) => sample.ms));
    // Over the whole run the exact count and max are known, not only the sample's.
    if (fromMs === Number.NEGATIVE_INFINITY && toMs === Number.POSITIVE_INFINITY && this.seen > 0) {
      return { ...result, count: this.seen, max: this.maxMs };
    }
    return result;
  }

  /** p50/p99/max per `bucketMs` of sample time, from `originMs`: the latency-over-time plot. */
  overTime(originMs: number, bucketMs: number): { t: number; p50: number; p99: number; max: number }[] {
    const buckets = new Map<number, number[]>();
    for (const sample of this.samples) {
      const bucket = Math.floor((sample.at - originMs) / bucketMs);
      if (bucket < 0) continue;
      const values = buckets.get(bucket) ?? [];
      if (values.length === 0) buckets.set(bucket, values);
      values.push(sample.ms);
    }
    return [...buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([bucket, values]) => {
        const d = distribution(values);
        return { t: ((bucket + 1) * bucketMs) / 1000, p50: d.p50, p99: d.p99, max: d.max };
      });
  }
}

/** Per-second rates from cumulative counters sampled over time: [{t seconds, rate}]. */
export function ratesFromCounters(
  points: readonly { t: number; value: number }[],
): { t: number; rate: number }[] {
  const rates: { t: number; rate: number }[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1] as { t: number; value: number };
    const b = points[i] as { t: number; value: number };
    if (b.t > a.t) rates.push({ t: b.t, rate: (b.value - a.value) / (b.t - a.t) });
  }
  return rates;
}

/**
 * Whether a lag series stays bounded: the lag never exceeds `floor` records (two seconds of
 * events by default), or over the second half of the window its least-squares slope (records
 * per second) is at most `maxGrowthShare` of the offered rate. A consumer that keeps up shows a flat or sawtooth
 * lag; one that falls behind grows by the deficit every second.
 */
export function lagIsBounded(
  series: readonly { t: number; lag: number }[],
  offeredRate: number,
  options: { maxGrowthShare?: number; floor?: number } = {},
): { bounded: boolean; slope: number; last: number; max: number } {
  const floor = options.floor ?? Math.max(1_000, offeredRate * 2);
  const maxGrowth = (options.maxGrowthShare ?? 0.02) * offeredRate;
  const half = series.slice(Math.floor(series.length / 2));
  const max = series.reduce((m, point) => Math.max(m, point.lag), 0);
  const last = series.at(-1)?.lag ?? 0;
  const slope = linearSlope(half.map((point) => ({ x: point.t, y: point.lag })));
  return { bounded: max <= floor || slope <= maxGrowth, slope: Math.round(slope * 10) / 10, last, max };
}

export function linearSlope(points: readonly { x: number; y: number }[]): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
