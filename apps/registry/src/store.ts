import type { LogRecord } from './log-record.js';
import { RegistryState } from './state.js';

/** What a write decided: the records to append (none for a no-op) and the answer to give once applied. */
export interface WritePlan<T> {
  records: LogRecord[];
  result: T;
}

export type KafkaState = 'connecting' | 'catching-up' | 'ready' | 'unreachable' | 'stopped';

export interface StoreStatus {
  ready: boolean;
  kafka: KafkaState;
  topic: string;
  /** Next offset the registry will read. */
  position?: number;
  error?: string;
}

/**
 * The registry's storage. Reads use `state` directly; every change goes through `write`, whose
 * plan runs against a state that includes everything written before, one plan at a time across
 * all registry instances sharing the log.
 */
export interface StoreStats {
  /** Transactions committed by this instance. */
  writes: number;
  /** Write attempts that did not commit (fenced by another instance, or a Kafka error). */
  writeRetries: number;
  /** Log records this registry does not understand. */
  skippedRecords: number;
}

export interface RegistryStore {
  readonly state: RegistryState;
  readonly stats: StoreStats;
  /** Next log offset to apply. */
  readonly position: number;
  /** Resolves once the state has been loaded (the whole log read); rejects with OPERATION_TIMEOUT. */
  whenReady(timeoutMs: number): Promise<void>;
  /** Resolves once the state includes every record committed before the call. */
  sync(timeoutMs: number): Promise<void>;
  write<T>(plan: (state: RegistryState) => WritePlan<T>): Promise<T>;
  /** A live check of the store's dependency, for `/ready`. */
  status(): Promise<StoreStatus>;
  close(): Promise<void>;
}

/**
 * A store that applies writes at once, with no log: for unit tests of the HTTP layer and for
 * tools that need a throw-away registry. Not shared between processes.
 */
export class MemoryRegistryStore implements RegistryStore {
  readonly state = new RegistryState();
  readonly stats: StoreStats = { writes: 0, writeRetries: 0, skippedRecords: 0 };
  position = 0;
  private closed = false;

  async whenReady(): Promise<void> {}

  async sync(): Promise<void> {}

  async write<T>(plan: (state: RegistryState) => WritePlan<T>): Promise<T> {
    const { records, result } = plan(this.state);
    for (const record of records) this.state.apply(record);
    if (records.length > 0) this.stats.writes++;
    this.position += records.length;
    return result;
  }

  async status(): Promise<StoreStatus> {
    return { ready: !this.closed, kafka: this.closed ? 'stopped' : 'ready', topic: '(memory)' };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
