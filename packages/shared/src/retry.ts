import { isRetriable } from './errors.js';

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Delay before the first retry, in milliseconds. */
  initialDelayMs: number;
  /** Upper bound of one delay, in milliseconds. */
  maxDelayMs: number;
  /** Decides whether an error is worth another attempt; by default the error's `retriable`. */
  shouldRetry?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export const retryDefaults: RetryOptions = { attempts: 5, initialDelayMs: 100, maxDelayMs: 5_000 };

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Full-jitter exponential backoff: a random delay in [0, min(max, initial * 2^n)]. */
export function backoffDelay(attempt: number, options: Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs'>) {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** attempt);
  return Math.round(Math.random() * ceiling);
}

/** Runs `task` until it succeeds, the error is not retriable, or attempts run out. */
export async function retry<T>(task: (attempt: number) => Promise<T>, options: Partial<RetryOptions> = {}) {
  const settings = { ...retryDefaults, ...options };
  const shouldRetry = settings.shouldRetry ?? isRetriable;
  for (let attempt = 0; ; attempt++) {
    try {
      return await task(attempt);
    } catch (error) {
      if (attempt + 1 >= settings.attempts || !shouldRetry(error)) throw error;
      const delayMs = backoffDelay(attempt, settings);
      settings.onRetry?.(error, attempt + 1, delayMs);
      await sleep(delayMs);
    }
  }
}
