/** Delivery defaults, with their units. */
export const deliveryDefaults = {
  /** Events per request; ingest's MAX_BATCH. */
  maxBatch: 100,
  /** How long an event may wait for companions before a batch goes out. */
  flushIntervalMs: 3_000,
  /** First retry delay, doubled per consecutive failure up to `maxBackoffMs`. */
  baseBackoffMs: 1_000,
  maxBackoffMs: 60_000,
  /** Events kept at most; past it the oldest are dropped (and counted). */
  maxQueued: 10_000,
  /** Per-request timeout. */
  requestTimeoutMs: 15_000,
  /** fetch keepalive bodies are capped (64 KiB in browsers) across all pending keepalive requests. */
  keepaliveBudgetBytes: 60_000,
} as const;

/**
 * Delay before retry number `attempt` (1 = first retry): "full jitter" exponential backoff, a
 * random point in [0, min(max, base * 2^(attempt-1))], so many browsers that lost the server at
 * the same moment do not come back in step. A server's `Retry-After` is a floor: never earlier.
 */
export function backoffDelay(
  attempt: number,
  options: { baseMs: number; maxMs: number; retryAfterMs?: number; random?: () => number },
): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round((options.random ?? Math.random)() * ceiling);
  return Math.max(jittered, options.retryAfterMs ?? 0);
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  // An HTTP date has a weekday and month names; anything else (e.g. "-3") is not one.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
