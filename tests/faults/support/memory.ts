import { readFileSync } from 'node:fs';

/** Resident set size of a process in bytes, from /proc (undefined once it is gone). */
export function rssBytes(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `intervalMs` until stopped; keeps the samples. */
export class RssSampler {
  readonly samples: { at: number; rss: number }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pid: () => number | undefined) {}

  start(intervalMs = 250): this {
    const sample = () => {
      const rss = rssBytes(this.pid());
      if (rss !== undefined) this.samples.push({ at: Date.now(), rss });
    };
    sample();
    this.timer = setInterval(sample, intervalMs);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get max(): number {
    return Math.max(0, ...this.samples.map((sample) => sample.rss));
  }

  get first(): number {
    return this.samples[0]?.rss ?? 0;
  }

  get last(): number {
    return this.samples.at(-1)?.rss ?? 0;
  }
}

export const mib = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
