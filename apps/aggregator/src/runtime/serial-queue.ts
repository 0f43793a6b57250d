/**
 * Runs tasks one at a time, in submission order: the batches, timed commits and recoveries of
 * one partition never overlap, so a transaction always sees the state it planned from.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once everything submitted so far has finished. */
  idle(): Promise<void> {
    return this.run(async () => undefined);
  }
}
