import { dlqHeaders } from '@cellstream/schemas';
import type { InputRecord, OutputRecord } from './records.js';

export interface DeadLetter {
  reason: string;
  code: string;
}

/**
 * A record of learning.events.dlq.v1: the original key and bytes unchanged, and why in the headers
 * (dlqHeaders of the schemas package). Written in the same transaction as the offsets that skip it.
 */
export function deadLetterRecord(
  dlqTopic: string,
  source: { topic: string; partition: number },
  record: InputRecord,
  letter: DeadLetter,
  failedBy: string,
  now: number,
): OutputRecord {
  return {
    topic: dlqTopic,
    key: record.key,
    value: record.value,
    headers: {
      [dlqHeaders.reason.name]: letter.reason,
      [dlqHeaders.errorCode.name]: letter.code,
      [dlqHeaders.sourceTopic.name]: source.topic,
      [dlqHeaders.sourcePartition.name]: String(source.partition),
      [dlqHeaders.sourceOffset.name]: String(record.offset),
      [dlqHeaders.failedBy.name]: failedBy,
      [dlqHeaders.failedAt.name]: new Date(now).toISOString(),
    },
  };
}
