import { backoffDelay, isRetriable, sleep } from '@cellstream/shared';
import { PersisterError } from '../errors.js';

/** What the retry controller needs of the batch it works on (kafkajs's eachBatch payload). */
export interface BatchControl {
  partition: number;
  heartbeat(): Promise<void>;
  /** Stops fetching the partition; returns the function that resumes it. */
  pause(): () => void;
  isRunning(): boolean;
  isStale(): boolean;
}

export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  heartbeatIntervalMs: number;
}

export interface RetryEvents {
  onRetry(dependency: string, error: unknown, attempt: number, delayMs: number): void;
  onPause(partition: number): void;
  /** The step ended after a pause: `recovered` when it succeeded, else it was given up. */
  onResume(partition: number, failedAttempts: number, recovered: boolean): void;
}

/**
 * Runs one step of a batch until it succeeds. A retriable failure (a dependency down, a
 * timeout) pauses the partition (no more fetches for it), waits with full-jitter exponential
 * back-off while heartbeating (the group keeps the member), and tries again; the partition is
 * resumed once the step succeeds. Nothing is resolved or committed meanwhile, so offsets never
 * pass unsaved data. The step is given up (PERSISTER_BATCH_ABANDONED) when the consumer stops or
 * the partition is sought; a heartbeat that reports a rebalance is thrown as is, for kafkajs to
 * rejoin. Non-retriable errors are the caller's to handle.
 */
export async function untilDone<T>(
  control: BatchControl,
  dependency: string,
  policy: RetryPolicy,
  events: RetryEvents,
  step: () => Promise<T>,
): Promise<T> {
  let resume: (() => void) | undefined;
  let failures = 0;
  let recovered = false;
  try {
    for (;;) {
      try {
        const result = await step();
        recovered = true;
        return result;
      } catch (error) {
        if (!isRetriable(error)) throw error;
        abandonIfGone(control, error);
        if (!resume) {
          resume = control.pause();
          events.onPause(control.partition);
        }
        const delayMs = backoffDelay(failures, policy);
        failures++;
        events.onRetry(dependency, error, failures, delayMs);
        await sleepHeartbeating(control, delayMs, policy.heartbeatIntervalMs);
        abandonIfGone(control, error);
      }
    }
  } finally {
    if (resume) {
      resume();
      events.onResume(control.partition, failures, recovered);
    }
  }
}

function abandonIfGone(control: BatchControl, cause: unknown): void {
  if (control.isRunning() && !control.isStale()) return;
  throw new PersisterError(
    'PERSISTER_BATCH_ABANDONED',
    `Batch of partition ${control.partition} given up: ${control.isRunning() ? 'the partition was sought' : 'the consumer is stopping'}`,
    { cause, context: { partition: control.partition } },
  );
}

/** Waits `ms`, heartbeating at least every `intervalMs`; returns early when the consumer stops. */
async function sleepHeartbeating(control: BatchControl, ms: number, intervalMs: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0 || !control.isRunning()) return;
    await sleep(Math.min(left, intervalMs, 1_000));
    await control.heartbeat();
  }
}
