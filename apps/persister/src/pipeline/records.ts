import type { LearningEvent } from '@cellstream/schemas';
import type { IHeaders } from 'kafkajs';

/** A record as read from learning.events.v1, kept byte for byte for the dead-letter queue. */
export interface SourceRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders | undefined;
}

/** A record whose value decoded into a LearningEvent. */
export interface DecodedRecord {
  source: SourceRecord;
  event: LearningEvent;
}

/** A record that can never be stored by a sink, and why: it goes to the dead-letter queue. */
export interface Rejection {
  source: SourceRecord;
  /** A stable code: SCHEMAS_* from decoding, PERSISTER_* from a sink. */
  code: string;
  reason: string;
}

export interface SinkResult {
  /** Records the sink can never store. Everything else of the batch is stored when write() resolves. */
  rejected: Rejection[];
  /** Records the sink deliberately ignores (the `unknown` event type of a newer schema). */
  skipped: number;
  /** Rows or points newly written, by table or measurement (0 for redelivered events). */
  written: Record<string, number>;
}

/**
 * Where one consumer group writes. `write` stores every record it does not reject, or throws:
 * a thrown error means nothing can be assumed stored and the batch is retried (writes are
 * idempotent on eventId, so a retry after a partial success stores nothing twice).
 */
export interface Sink {
  readonly name: string;
  /** The dependency name in /ready and in metrics' labels, e.g. `postgres`. */
  readonly dependency: string;
  write(records: readonly DecodedRecord[]): Promise<SinkResult>;
  /** `up`, or what is wrong. */
  probe(): Promise<string>;
  close(): Promise<void>;
}
