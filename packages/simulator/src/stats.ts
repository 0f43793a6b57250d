/** What a run counts. At the end, generated = accepted + rejected + failed: nothing is lost silently. */
export class RunStats {
  /** Events the students produced. */
  generated = 0;
  /** Events posted to ingest (first attempts; retries are counted apart). */
  sent = 0;
  /** Events ingest answered 202 for, as `accepted`. */
  accepted = 0;
  /** Events ingest refused one by one inside a 202. */
  rejected = 0;
  /** Events given up: retries exhausted, a refusal of the whole batch, or the run stopped first. */
  failed = 0;
  /** Requests sent again after a retriable failure. */
  retries = 0;
  /** HTTP requests made, retries included. */
  requests = 0;
  /** Batches formed (each is one request unless retried). */
  batches = 0;
  gzippedBatches = 0;
  /** Bytes on the wire (compressed when gzipped), retries included. */
  bytesSent = 0;
  readonly eventsByType: Record<string, number> = {};
  readonly failedByCode: Record<string, number> = {};
  readonly retriesByCode: Record<string, number> = {};
  readonly rejectedByCode: Record<string, number> = {};
  readonly latency = new LatencySamples();

  countGenerated(eventType: string): void {
    this.generated++;
    this.eventsByType[eventType] = (this.eventsByType[eventType] ?? 0) + 1;
  }

  countFailed(code: string, events: number): void {
    this.failed += events;
    this.failedByCode[code] = (this.failedByCode[code] ?? 0) + events;
  }

  countRetry(code: string): void {
    this.retries++;
    this.retriesByCode[code] = (this.retriesByCode[code] ?? 0) + 1;
  }

  countRejected(code: string): void {
    this.rejected++;
    this.rejectedByCode[code] = (this.rejectedByCode[code] ?? 0) + 1;
  }
}

/** Request latencies, kept as a bounded uniform sample (reservoir), summarised as percentiles. */
export class LatencySamples {
  private readonly samples: number[] = [];
  private seen = 0;
  private maxMs = 0;

  constructor(private readonly capacity = 50_000) {}

  add(ms: number): void {
    this.seen++;
    this.maxMs = Math.max(this.maxMs, ms);
    if (this.samples.length < this.capacity) {
      this.samples.push(ms);
      return;
    }
    const slot = Math.floor(Math.random() * this.seen);
    if (slot < this.capacity) this.samples[slot] = ms;
  }

  summary(): { count: number; p50: number; p95: number; p99: number; max: number } {
    const sorted = [...this.samples].sort((a, b) => a - b);
    const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
    return { count: this.seen, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(this.maxMs) };
  }
}

const round = (value: number) => Math.round(value * 10) / 10;
