import { DeliveryError } from './errors.js';
import type { LearningEvent } from './events.js';
import type { Outbox, Queued } from './outbox.js';
import type { Accepted, Transport } from './transport.js';

/** Test helpers (not shipped: nothing imports this outside tests). */

let counter = 0;
export function event(fields: Partial<LearningEvent> = {}): LearningEvent {
  counter += 1;
  return {
    eventId: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    eventType: 'cell_execution_complete',
    eventTime: new Date(0).toISOString(),
    userId: 'student-1',
    ...fields,
  };
}

/** An outbox in memory with the same bound semantics as the IndexedDB one. */
export class MemoryOutbox implements Outbox {
  rows: Queued[] = [];
  private seq = 0;
  constructor(private readonly maxQueued = 10_000) {}
  async add(events: LearningEvent[]): Promise<number> {
    for (const item of events) this.rows.push({ seq: ++this.seq, event: item });
    const excess = Math.max(0, this.rows.length - this.maxQueued);
    this.rows.splice(0, excess);
    return excess;
  }
  async peek(limit: number): Promise<Queued[]> {
    return this.rows.slice(0, limit);
  }
  async remove(seqs: number[]): Promise<void> {
    const gone = new Set(seqs);
    this.rows = this.rows.filter((row) => !gone.has(row.seq));
  }
  async count(): Promise<number> {
    return this.rows.length;
  }
  close(): void {}
}

export type Reply = Accepted | DeliveryError | ((events: LearningEvent[]) => Accepted | DeliveryError);

/** A transport that records every call and answers from a script (then accepts everything). */
export function scriptedTransport(replies: Reply[] = []) {
  const calls: { events: LearningEvent[]; keepalive: boolean; at: number }[] = [];
  const transport: Transport = async (events, options = {}) => {
    calls.push({ events, keepalive: options.keepalive ?? false, at: Date.now() });
    if (options.keepalive) return { accepted: events.length, rejected: [] };
    const next = replies.shift();
    const reply = typeof next === 'function' ? next(events) : next;
    if (reply instanceof DeliveryError) throw reply;
    return reply ?? { accepted: events.length, rejected: [] };
  };
  return { transport, calls };
}
