import { operationTimeout } from './timeouts.js';

interface Waiter {
  target: number;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * How far the registry has applied its log: `position` is the next offset to read. Writers and
 * readers wait here until the state includes a given offset.
 */
export class OffsetTracker {
  private next = 0;
  private readonly waiters = new Set<Waiter>();

  get position(): number {
    return this.next;
  }

  /** Records that every offset below `next` has been applied. Positions never go back. */
  advance(next: number): void {
    if (next <= this.next) return;
    this.next = next;
    for (const waiter of this.waiters) {
      if (waiter.target <= next) this.settle(waiter).resolve();
    }
  }

  /** Resolves once `position >= target`; rejects with OPERATION_TIMEOUT after `timeoutMs`. */
  waitFor(target: number, timeoutMs: number, what: string): Promise<void> {
    if (this.next >= target) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { target, resolve, reject, timer: undefined };
      if (Number.isFinite(timeoutMs)) {
        waiter.timer = setTimeout(
          () => this.settle(waiter).reject(operationTimeout(what, timeoutMs)),
          timeoutMs,
        );
      }
      this.waiters.add(waiter);
    });
  }

  /** Rejects every waiter, e.g. on shutdown. */
  failAll(error: Error): void {
    for (const waiter of this.waiters) this.settle(waiter).reject(error);
  }

  private settle(waiter: Waiter): Waiter {
    clearTimeout(waiter.timer);
    this.waiters.delete(waiter);
    return waiter;
  }
}
