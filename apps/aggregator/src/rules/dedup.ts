import { createHash } from 'node:crypto';

export interface DedupSettings {
  /** Most event ids remembered (whole segments are forgotten, oldest first). */
  maxIds: number;
  /** Ids whose segment's newest record timestamp is older than the newest seen minus this are forgotten. */
  retentionMs: number;
  /** Ids per segment: one changelog record each, kept well under Kafka's 1 MiB message limit. */
  segmentMaxIds: number;
}

/** A group of ids remembered together and persisted as one changelog record. */
export interface DedupSegment {
  seq: number;
  /** The newest Kafka record timestamp among the segment's ids. */
  maxTimestamp: number;
  ids: string[];
}

export interface DedupChanges {
  /** Segments filled since the last seal: write them. */
  written: DedupSegment[];
  /** Sequence numbers of the segments forgotten: delete them (tombstones). */
  evicted: number[];
}

/** Ids longer than this are remembered by their SHA-256, which keeps the store's size bounded by count. */
const MAX_ID_LENGTH = 64;

/**
 * The event ids one input partition has counted, bounded by count and by time. Ids are grouped
 * into segments in arrival order; a segment is the unit of persistence (one changelog record
 * written once) and of eviction (one tombstone), so remembering an id costs one write, however
 * long it is remembered. Time is the Kafka record timestamp, never the wall clock, so processing
 * the same records again forgets the same ids.
 */
export class DedupStore {
  private readonly seen = new Set<string>();
  /** Persisted segments, oldest first. */
  private readonly sealed: DedupSegment[] = [];
  /** Segments filled since the last seal, oldest first; the last one is open. */
  private unsealed: DedupSegment[] = [];
  private nextSeq = 0;
  private newestTimestamp = Number.NEGATIVE_INFINITY;

  constructor(private readonly settings: DedupSettings) {}

  /** Remembers `eventId`; false when it was already remembered (a duplicate). */
  add(eventId: string, timestamp: number): boolean {
    const id = eventId.length > MAX_ID_LENGTH ? digest(eventId) : eventId;
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    let open = this.unsealed.at(-1);
    if (!open || open.ids.length >= this.settings.segmentMaxIds) {
      open = { seq: this.nextSeq++, maxTimestamp: timestamp, ids: [] };
      this.unsealed.push(open);
    }
    open.ids.push(id);
    open.maxTimestamp = Math.max(open.maxTimestamp, timestamp);
    this.newestTimestamp = Math.max(this.newestTimestamp, timestamp);
    return true;
  }

  /** Ids remembered. */
  get size(): number {
    return this.seen.size;
  }

  /** The sequence number the next segment will get (persisted so that numbers are never reused). */
  get nextSegment(): number {
    return this.nextSeq;
  }

  /**
   * Closes the segments filled since the last call and forgets the oldest ones the bounds no
   * longer allow. Returns what the changelog must record.
   */
  seal(): DedupChanges {
    const written = this.unsealed;
    this.unsealed = [];
    this.sealed.push(...written);
    const evicted: number[] = [];
    const horizon = this.newestTimestamp - this.settings.retentionMs;
    for (;;) {
      const oldest = this.sealed[0];
      if (!oldest || (this.seen.size <= this.settings.maxIds && oldest.maxTimestamp >= horizon)) break;
      this.sealed.shift();
      for (const id of oldest.ids) this.seen.delete(id);
      evicted.push(oldest.seq);
    }
    // A segment written and evicted in the same seal needs no write.
    const kept = written.filter((segment) => !evicted.includes(segment.seq));
    return { written: kept, evicted: evicted.filter((seq) => !written.some((s) => s.seq === seq)) };
  }

  /** Every persisted segment, oldest first. */
  segments(): readonly DedupSegment[] {
    return this.sealed;
  }

  /** Puts back a segment read from the changelog (any order); `nextSeq` comes from the partition's metadata. */
  load(segment: DedupSegment, nextSeq: number): void {
    const index = this.sealed.findIndex((other) => other.seq > segment.seq);
    if (index === -1) this.sealed.push(segment);
    else this.sealed.splice(index, 0, segment);
    for (const id of segment.ids) this.seen.add(id);
    this.newestTimestamp = Math.max(this.newestTimestamp, segment.maxTimestamp);
    this.nextSeq = Math.max(this.nextSeq, nextSeq, segment.seq + 1);
  }

  /** Sets the next sequence number (from the partition's metadata, when no segment is left). */
  resumeAt(nextSeq: number): void {
    this.nextSeq = Math.max(this.nextSeq, nextSeq);
  }
}

function digest(id: string): string {
  return `#${createHash('sha256').update(id).digest('base64url')}`;
}
