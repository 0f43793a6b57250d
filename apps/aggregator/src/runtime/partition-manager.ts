import type { Logger } from '@cellstream/shared';
import type { PartitionWorker } from './partition-worker.js';

/**
 * When a worker gave up, a new one is started this long after if the partition is still
 * assigned here. Fenced: normally the group has moved the partition by then (the new assignment
 * arrives first); if it is still ours (the fencing was a transaction timeout), we restore again.
 */
const RECREATE_AFTER_MS = { fenced: 15_000, failed: 5_000 };

/**
 * The partitions this instance works on, one worker each, following the consumer group's
 * assignments. kafkajs reports only the new assignment (GROUP_JOIN, no revocation callback):
 * workers of partitions no longer assigned are closed, new ones restore before processing. A
 * new member id means this instance was out of the group meanwhile, so another instance may have
 * owned every partition in between: all workers are replaced and restore again.
 */
export class PartitionManager {
  private readonly workers = new Map<number, PartitionWorker>();
  private assigned = new Set<number>();
  private memberId: string | null = null;
  private closed = false;

  constructor(
    private readonly createWorker: (
      partition: number,
      onLost: (partition: number, error: unknown) => void,
    ) => PartitionWorker,
    private readonly logger: Logger,
  ) {}

  assign(partitions: readonly number[], memberId: string): void {
    if (this.closed) return;
    const rejoined = this.memberId !== null && memberId !== this.memberId;
    this.memberId = memberId;
    this.assigned = new Set(partitions);
    for (const [partition, worker] of this.workers) {
      if (rejoined || !this.assigned.has(partition)) this.drop(partition, worker);
    }
    for (const partition of partitions) this.ensureWorker(partition);
    this.logger.info({ partitions: [...partitions].sort((a, b) => a - b), rejoined }, 'partitions assigned');
  }

  worker(partition: number): PartitionWorker | undefined {
    return this.workers.get(partition);
  }

  all(): PartitionWorker[] {
    return [...this.workers.values()];
  }

  get partitions(): number[] {
    return [...this.assigned];
  }

  /** Every assigned partition has a worker whose state is restored. */
  get restored(): boolean {
    return [...this.assigned].every((partition) => this.workers.get(partition)?.ready === true);
  }

  /** The consumer left the group (crash or stop): nothing is owned any more. */
  revokeAll(): void {
    this.assigned = new Set();
    this.memberId = null;
    for (const [partition, worker] of this.workers) this.drop(partition, worker);
  }

  /** Commits what every partition has pending (shutdown). */
  async flushAll(): Promise<void> {
    await Promise.all(this.all().map((worker) => worker.flush().catch(() => undefined)));
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    const workers = this.all();
    this.workers.clear();
    await Promise.all(workers.map((worker) => worker.close().catch(() => undefined)));
  }

  private ensureWorker(partition: number): void {
    if (this.closed || this.workers.has(partition) || !this.assigned.has(partition)) return;
    this.workers.set(
      partition,
      this.createWorker(partition, (p, error) => this.lost(p, error)),
    );
  }

  private lost(partition: number, error: unknown): void {
    const worker = this.workers.get(partition);
    if (worker) this.drop(partition, worker);
    const fenced = (error as { code?: unknown } | null)?.code === 'AGG_PRODUCER_FENCED';
    const delay = fenced ? RECREATE_AFTER_MS.fenced : RECREATE_AFTER_MS.failed;
    setTimeout(() => this.ensureWorker(partition), delay).unref();
  }

  private drop(partition: number, worker: PartitionWorker): void {
    if (this.workers.get(partition) === worker) this.workers.delete(partition);
    worker
      .close()
      .catch((error: unknown) => this.logger.warn({ err: error, partition }, 'closing a partition failed'));
  }
}
