import type { LearningEvent } from '@cellstream/schemas';
import type { DecodedRecord, Rejection } from './records.js';

/** What a sink does with one event before writing anything: store it, skip it, or reject it. */
export type Verdict = { kind: 'store' } | { kind: 'skip' } | { kind: 'reject'; reason: string };

export const store: Verdict = { kind: 'store' };
export const skip: Verdict = { kind: 'skip' };

/**
 * Splits decoded records by a sink's verdict. `unknown` (an event type of a newer schema, read
 * with ours) is skipped as the schema's documentation says; rejected records are dead-lettered
 * with PERSISTER_INVALID_EVENT.
 */
export function triage(
  records: readonly DecodedRecord[],
  verdict: (event: LearningEvent) => Verdict,
): { valid: DecodedRecord[]; rejected: Rejection[]; skipped: number } {
  const valid: DecodedRecord[] = [];
  const rejected: Rejection[] = [];
  let skipped = 0;
  for (const record of records) {
    const outcome = record.event.eventType === 'unknown' ? skip : verdict(record.event);
    if (outcome.kind === 'store') valid.push(record);
    else if (outcome.kind === 'skip') skipped++;
    else rejected.push({ source: record.source, code: 'PERSISTER_INVALID_EVENT', reason: outcome.reason });
  }
  return { valid, rejected, skipped };
}
