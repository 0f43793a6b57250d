import { type LearningEvent, type TopicSerde, topics } from '@cellstream/schemas';
import { isRetriable, sleep } from '@cellstream/shared';
import type { DecodedRecord, Rejection, SourceRecord } from './records.js';

/** How often an unknown schema id is looked up again before the record counts as undecodable. */
const UNKNOWN_SCHEMA_ATTEMPTS = 3;
const UNKNOWN_SCHEMA_DELAY_MS = 500;

export type EventDecoder = (value: Buffer) => Promise<LearningEvent>;

export function serdeDecoder(serde: TopicSerde): EventDecoder {
  return (value) => serde.decode(topics.learningEvents.name, value);
}

/**
 * Decodes a batch. A record that cannot be decoded (not in the wire format, corrupt Avro, a
 * writer schema we cannot read, no value) is rejected with the serde's error code; a registry
 * that does not answer is thrown (retriable), since the records are fine and only need a retry.
 * A registry that answers "unknown schema id" is asked again a few times first: a registry
 * replica may not have caught up with a schema registered a moment ago.
 */
export async function decodeBatch(
  decode: EventDecoder,
  records: readonly SourceRecord[],
): Promise<{ decoded: DecodedRecord[]; rejected: Rejection[] }> {
  const decoded: DecodedRecord[] = [];
  const rejected: Rejection[] = [];
  for (const source of records) {
    if (source.value === null) {
      rejected.push({
        source,
        code: 'PERSISTER_INVALID_EVENT',
        reason: 'The record has no value (a tombstone).',
      });
      continue;
    }
    const value = source.value;
    for (let attempt = 1; ; attempt++) {
      try {
        decoded.push({ source, event: await decode(value) });
        break;
      } catch (error) {
        if (isRetriable(error)) throw error;
        const code = (error as { code?: unknown }).code;
        if (code === 'SCHEMAS_REGISTRY_REJECTED' && attempt < UNKNOWN_SCHEMA_ATTEMPTS) {
          await sleep(UNKNOWN_SCHEMA_DELAY_MS);
          continue;
        }
        rejected.push({
          source,
          code: typeof code === 'string' ? code : 'SCHEMAS_CORRUPT_PAYLOAD',
          reason: error instanceof Error ? error.message : String(error),
        });
        break;
      }
    }
  }
  return { decoded, rejected };
}
