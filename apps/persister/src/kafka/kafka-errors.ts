/**
 * Classifies kafkajs errors by protocol error type, never by message text. kafkajs wraps errors
 * (retries exceeded, aggregate errors), so the whole cause chain is searched.
 */
const REBALANCE_TYPES = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
]);

interface KafkaLikeError {
  type?: unknown;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown;
}

function errorChain(error: unknown, depth = 0): KafkaLikeError[] {
  if (typeof error !== 'object' || error === null || depth > 8) return [];
  const current = error as KafkaLikeError;
  const nested = [
    current.cause,
    current.originalError,
    ...(Array.isArray(current.errors) ? current.errors : []),
  ];
  return [current, ...nested.flatMap((inner) => errorChain(inner, depth + 1))];
}

/** The group moved to a new generation: this member's commits are refused until it rejoins. */
export function isRebalanceError(error: unknown): boolean {
  return errorChain(error).some((entry) => typeof entry.type === 'string' && REBALANCE_TYPES.has(entry.type));
}
