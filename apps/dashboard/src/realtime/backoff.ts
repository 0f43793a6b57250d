/** Reconnect delays: exponential with jitter, so a restarted realtime is not hit by every dashboard at once. */
export interface BackoffOptions {
  /** Delay ceiling of the first retry, in ms. */
  initialMs: number;
  /** Largest delay, in ms. */
  maxMs: number;
  factor: number;
}

export const defaultBackoff: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2 };

/**
 * The delay before retry number `attempt` (0 for the first): "equal jitter", half of the
 * exponential ceiling plus a random share of the other half, so it grows steadily but two clients
 * never retry in lockstep. `random` returns [0, 1).
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = defaultBackoff,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, Math.min(attempt, 30));
  const ceiling = Math.min(options.maxMs, options.initialMs * options.factor ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
