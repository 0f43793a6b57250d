import type { LearningEvent } from './events.js';

/** An event waiting in the outbox, with its position (oldest first). */
export interface Queued {
  seq: number;
  event: LearningEvent;
}

/** Where events wait until ingest has them. Bounded: past `maxQueued` the oldest go, and `add` says how many. */
export interface Outbox {
  /** Adds the events; returns how many old ones were dropped to stay within the bound. */
  add(events: LearningEvent[]): Promise<number>;
  /** The oldest `limit` events, without removing them. */
  peek(limit: number): Promise<Queued[]>;
  remove(seqs: number[]): Promise<void>;
  count(): Promise<number>;
  close(): void;
}

const STORE = 'events';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/**
 * The outbox in IndexedDB, so queued events survive a reload, a crash and a browser restart.
 * One database per user (`cellstream-outbox:<userId>`): on a JupyterHub all users share one
 * origin, and a user's events must only ever be sent with that user's token.
 * Keys are auto-increment numbers, so key order is arrival order.
 */
export class IndexedDbOutbox implements Outbox {
  private constructor(
    private readonly db: IDBDatabase,
    private readonly maxQueued: number,
  ) {}

  static async open(
    userId: string,
    options: { maxQueued: number; indexedDB?: IDBFactory },
  ): Promise<IndexedDbOutbox> {
    const factory = options.indexedDB ?? globalThis.indexedDB;
    const open = factory.open(`cellstream-outbox:${userId}`, 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore(STORE, { keyPath: 'seq', autoIncrement: true });
    };
    const db = await request(open);
    return new IndexedDbOutbox(db, options.maxQueued);
  }

  async add(events: LearningEvent[]): Promise<number> {
    const tx = this.db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    for (const event of events) store.add({ event });
    const total = await request(store.count());
    let dropped = 0;
    const excess = total - this.maxQueued;
    if (excess > 0) {
      // Oldest first: the cursor walks keys in ascending (arrival) order.
      await new Promise<void>((resolve, reject) => {
        const cursor = store.openCursor();
        cursor.onerror = () => reject(cursor.error);
        cursor.onsuccess = () => {
          const current = cursor.result;
          if (!current || dropped >= excess) return resolve();
          current.delete();
          dropped += 1;
          current.continue();
        };
      });
    }
    await done(tx);
    return dropped;
  }

  async peek(limit: number): Promise<Queued[]> {
    const tx = this.db.transaction(STORE, 'readonly');
    const rows = (await request(tx.objectStore(STORE).getAll(null, limit))) as Queued[];
    return rows.map(({ seq, event }) => ({ seq, event }));
  }

  async remove(seqs: number[]): Promise<void> {
    if (seqs.length === 0) return;
    const tx = this.db.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    for (const seq of seqs) store.delete(seq);
    await done(tx);
  }

  async count(): Promise<number> {
    return request(this.db.transaction(STORE, 'readonly').objectStore(STORE).count());
  }

  close(): void {
    this.db.close();
  }
}
