/**
 * Classifies kafkajs errors by protocol error type, never by message text. kafkajs wraps errors
 * (retries exceeded, aggregate errors of a batch), so the whole cause chain is searched.
 */

/** Kafka's PRODUCER_FENCED (90) is newer than kafkajs's table, which reports it by code only. */
const PRODUCER_FENCED_CODE = 90;
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING']);

interface KafkaLikeError {
  type?: unknown;
  code?: unknown;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown;
}

/** Every error in the chain: the error, its causes, and the members of aggregate errors. */
export function errorChain(error: unknown, depth = 0): KafkaLikeError[] {
  if (typeof error !== 'object' || error === null || depth > 8) return [];
  const current = error as KafkaLikeError;
  const nested = [
    current.cause,
    current.originalError,
    ...(Array.isArray(current.errors) ? current.errors : []),
  ];
  return [current, ...nested.flatMap((inner) => errorChain(inner, depth + 1))];
}

/** Another producer with the same transactional id (a newer owner of the partition) took over. */
export function isFencedError(error: unknown): boolean {
  return errorChain(error).some(
    (entry) =>
      (typeof entry.type === 'string' && FENCED_TYPES.has(entry.type)) || entry.code === PRODUCER_FENCED_CODE,
  );
}

export function hasErrorType(error: unknown, type: string): boolean {
  return errorChain(error).some((entry) => entry.type === type);
}
