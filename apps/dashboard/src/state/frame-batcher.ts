/**
 * Collects items and hands them over once per animation frame, so a burst of realtime messages
 * becomes one state update and one render. Hidden tabs get no animation frames; there a timer
 * takes over so the queue never grows without bound.
 */
export type Scheduler = (callback: () => void) => void;

export const browserScheduler: Scheduler = (callback) => {
  if (typeof document !== 'undefined' && document.hidden) setTimeout(callback, 250);
  else requestAnimationFrame(() => callback());
};

export class FrameBatcher<T> {
  private queue: T[] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly flush: (items: T[]) => void,
    private readonly schedule: Scheduler = browserScheduler,
  ) {}

  push(item: T): void {
    if (this.closed) return;
    this.queue.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.run());
  }

  /** Drops what is queued and ignores what comes later. */
  close(): void {
    this.closed = true;
    this.queue = [];
  }

  private run(): void {
    this.scheduled = false;
    if (this.closed || this.queue.length === 0) return;
    const items = this.queue;
    this.queue = [];
    this.flush(items);
  }
}
