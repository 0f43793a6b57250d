/**
 * When each event left the simulated browser (the request to ingest started), by student and
 * event time: the dashboard and PostgreSQL measurements look an event up here to tell the
 * platform's latency from the client's own buffering (the extension holds events up to 1 s).
 * Entries older than `windowMs` are forgotten, so memory stays bounded on long runs.
 */
export class PostLedger {
  private readonly posted = new Map<string, number>();

  constructor(private readonly windowMs = 90_000) {}

  record(events: readonly { userId: string; eventTime: string }[], atMs: number): void {
    for (const event of events) this.posted.set(key(event.userId, Date.parse(event.eventTime)), atMs);
    this.prune(atMs);
  }

  /** When the event of `userId` at `eventTimeMs` was posted; undefined when unknown or forgotten. */
  postedAt(userId: string, eventTimeMs: number): number | undefined {
    return this.posted.get(key(userId, eventTimeMs));
  }

  get size(): number {
    return this.posted.size;
  }

  private prune(nowMs: number): void {
    const cutoff = nowMs - this.windowMs;
    // Insertion order is posting order (a retry keeps its first place, a little earlier): stop at the first young one.
    for (const [entry, at] of this.posted) {
      if (at >= cutoff) break;
      this.posted.delete(entry);
    }
  }
}

const key = (userId: string, eventTimeMs: number) => `${userId}|${eventTimeMs}`;
