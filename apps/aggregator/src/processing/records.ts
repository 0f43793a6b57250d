/**
 * The records the processing layer works with: plain data, independent of the Kafka client, so
 * that the rules, the state and the commit planning are tested without a broker.
 */

/** One record of the input partition, as fetched. */
export interface InputRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  /** The Kafka record timestamp, milliseconds since the epoch. */
  timestamp: number;
}

/** One record to write in a transaction. */
export interface OutputRecord {
  topic: string;
  key: string | Buffer | null;
  value: Buffer | string | null;
  /** Explicit partition (the changelog); otherwise the default partitioner hashes the key... */
  partition?: number;
  /**
   * ...or this instead of the key: a student's status is hashed by its classId, so it lands on
   * its class's partition (see transactional-producer.ts, "co-partitioned outputs").
   */
  partitionKey?: string;
  headers?: Record<string, string>;
}

/** Everything one transaction writes for one input partition. */
export interface CommitPlan {
  records: OutputRecord[];
  /** The input offset to commit with the transaction (sendOffsets); null when no input was consumed. */
  commitOffset: number | null;
  /** Classes whose outputs are in this transaction. */
  emittedClasses: string[];
  /** Wall-clock time the plan was made at (the emission time of those classes). */
  plannedAt: number;
  counts: { aggregate: number; status: number; alert: number; dlq: number; changelog: number };
  alertKinds: string[];
}
