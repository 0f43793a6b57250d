import { dlqHeaders } from '@cellstream/schemas';
import type { IHeaders } from 'kafkajs';
import { headerText, type TopicRecord } from './kafka.js';

/** Headers a replayed record carries: where in the DLQ it came from, and when it was replayed. */
export const replayHeaders = {
  /** The DLQ record(s) replayed, `<dlq topic>/<partition>/<offset>`, comma-separated. */
  of: 'dlq.replay.of',
  /** The services and groups that had failed it (dlq.failed.by), comma-separated: the others had processed it. */
  for: 'dlq.replay.for',
  at: 'dlq.replayed.at',
} as const;

/** A record of learning.events.dlq.v1 with its `dlq.*` headers read (schemas' dlqHeaders). */
export interface DeadLetter {
  /** `<dlq topic>/<partition>/<offset>`: the record's place in the DLQ, the ledger's key. */
  id: string;
  partition: number;
  offset: string;
  /** When the DLQ record was written (broker or producer time). */
  timestamp: Date;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  reason: string;
  code: string;
  failedBy: string;
  failedAt: string;
  sourceTopic: string;
  sourcePartition?: string;
  sourceOffset?: string;
  /** Set when this dead letter is itself a replayed record that failed again. */
  replayOf?: string;
}

export function toDeadLetter(dlqTopic: string, record: TopicRecord): DeadLetter {
  const header = (name: string) => headerText(record.headers, name);
  return {
    id: `${dlqTopic}/${record.partition}/${record.offset}`,
    partition: record.partition,
    offset: record.offset,
    timestamp: new Date(Number(record.timestamp)),
    key: record.key,
    value: record.value,
    headers: record.headers,
    reason: header(dlqHeaders.reason.name) ?? '(no reason header)',
    code: header(dlqHeaders.errorCode.name) ?? 'UNKNOWN',
    failedBy: header(dlqHeaders.failedBy.name) ?? 'unknown',
    failedAt: header(dlqHeaders.failedAt.name) ?? new Date(Number(record.timestamp)).toISOString(),
    sourceTopic: header(dlqHeaders.sourceTopic.name) ?? 'unknown',
    sourcePartition: header(dlqHeaders.sourcePartition.name),
    sourceOffset: header(dlqHeaders.sourceOffset.name),
    replayOf: header(replayHeaders.of),
  };
}

/**
 * The original record a dead letter holds: its source coordinates when it came from a topic
 * (several groups may dead-letter the same record, and it is replayed once), else the letter itself.
 */
export function originalRecordId(letter: DeadLetter): string {
  return letter.sourcePartition !== undefined && letter.sourceOffset !== undefined
    ? `${letter.sourceTopic}/${letter.sourcePartition}/${letter.sourceOffset}`
    : letter.id;
}

/** Dead letters grouped by the original record they hold, in DLQ order of each group's first letter. */
export function groupByOriginal(letters: readonly DeadLetter[]): DeadLetter[][] {
  const groups = new Map<string, DeadLetter[]>();
  for (const letter of letters) {
    const id = originalRecordId(letter);
    const group = groups.get(id);
    if (group) group.push(letter);
    else groups.set(id, [letter]);
  }
  return [...groups.values()];
}

/** The headers a replayed record is sent with: the original ones, without the DLQ's, plus where it came from. */
export function replayedRecordHeaders(letters: readonly DeadLetter[], now: Date): IHeaders {
  const first = letters[0];
  if (!first) throw new Error('replayedRecordHeaders needs at least one dead letter');
  const dlqNames = new Set<string>([
    ...Object.values(dlqHeaders).map((h) => h.name),
    ...Object.values(replayHeaders),
  ]);
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(first.headers)) {
    if (value !== undefined && !dlqNames.has(name)) headers[name] = value;
  }
  headers[replayHeaders.of] = letters.map((letter) => letter.id).join(',');
  headers[replayHeaders.for] = [...new Set(letters.map((letter) => letter.failedBy))].join(',');
  headers[replayHeaders.at] = now.toISOString();
  return headers;
}

export type FilterField =
  | 'code'
  | 'failed-by'
  | 'reason'
  | 'source-topic'
  | 'partition'
  | 'id'
  | 'since'
  | 'until'
  | 'key';

export interface Filter {
  field: FilterField;
  value: string;
}

const fields: readonly FilterField[] = [
  'code',
  'failed-by',
  'reason',
  'source-topic',
  'partition',
  'id',
  'since',
  'until',
  'key',
];

export const filterHelp = `  --filter code=<CODE>            dlq.error.code equals (comma list: any of them)
  --filter failed-by=<svc/group>  dlq.failed.by equals, or starts with it (failed-by=persister)
  --filter reason=<text>          dlq.reason contains the text (case-insensitive)
  --filter source-topic=<topic>   dlq.source.topic equals
  --filter key=<key>              the record key equals (a classId)
  --filter partition=<n>          DLQ partition
  --filter id=<topic/p/offset>    one dead letter (comma list: several)
  --filter since=<RFC 3339>       dead-lettered at or after
  --filter until=<RFC 3339>       dead-lettered before
  Filters combine with AND.`;

/** Parses `field=value` filters; throws a message naming what is wrong. */
export function parseFilter(text: string): Filter {
  const at = text.indexOf('=');
  const field = (at > 0 ? text.slice(0, at) : text) as FilterField;
  const value = at > 0 ? text.slice(at + 1) : '';
  if (!fields.includes(field)) throw new Error(`unknown filter "${field}"; use one of ${fields.join(', ')}`);
  if (value === '') throw new Error(`filter ${field} needs a value: --filter ${field}=<value>`);
  if ((field === 'since' || field === 'until') && Number.isNaN(Date.parse(value))) {
    throw new Error(`filter ${field}=${value}: not a date (use RFC 3339, e.g. 2026-01-31T12:00:00Z)`);
  }
  if (field === 'partition' && !/^\d+$/.test(value))
    throw new Error(`filter partition=${value}: not a partition number`);
  return { field, value };
}

export function matches(letter: DeadLetter, filters: readonly Filter[]): boolean {
  return filters.every(({ field, value }) => {
    switch (field) {
      case 'code':
        return value.split(',').includes(letter.code);
      case 'failed-by':
        return letter.failedBy === value || letter.failedBy.startsWith(`${value}/`);
      case 'reason':
        return letter.reason.toLowerCase().includes(value.toLowerCase());
      case 'source-topic':
        return letter.sourceTopic === value;
      case 'key':
        return letter.key?.toString() === value;
      case 'partition':
        return letter.partition === Number(value);
      case 'id':
        return value.split(',').includes(letter.id);
      case 'since':
        return Date.parse(letter.failedAt) >= Date.parse(value);
      case 'until':
        return Date.parse(letter.failedAt) < Date.parse(value);
    }
    return false;
  });
}

/** Counts by error code and by who failed, for the summary under `dlq list`. */
export function summarize(letters: readonly DeadLetter[]): {
  byCode: [string, number][];
  byFailedBy: [string, number][];
} {
  const count = (pick: (letter: DeadLetter) => string) => {
    const counts = new Map<string, number>();
    for (const letter of letters) counts.set(pick(letter), (counts.get(pick(letter)) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  };
  return { byCode: count((l) => l.code), byFailedBy: count((l) => l.failedBy) };
}
