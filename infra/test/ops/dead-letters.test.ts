import { dlqHeaders } from '@cellstream/schemas';
import { describe, expect, it } from 'vitest';
import {
  groupByOriginal,
  matches,
  originalRecordId,
  parseFilter,
  replayedRecordHeaders,
  replayHeaders,
  toDeadLetter,
} from '../../src/ops/dead-letters.js';
import type { TopicRecord } from '../../src/ops/kafka.js';

function record(
  partition: number,
  offset: string,
  headers: Record<string, string>,
  key = 'class-1',
): TopicRecord {
  return {
    partition,
    offset,
    timestamp: String(Date.parse('2026-01-02T03:04:05Z')),
    key: Buffer.from(key),
    value: Buffer.from([0, 0, 0, 0, 1, 2]),
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
  };
}

const persisterLetter = (
  partition: number,
  offset: string,
  sourceOffset: string,
  failedBy = 'persister/persister-pg',
) =>
  toDeadLetter(
    'learning.events.dlq.v1',
    record(partition, offset, {
      [dlqHeaders.reason.name]: 'check constraint "no_shouting" violated',
      [dlqHeaders.errorCode.name]: 'PERSISTER_PG_REJECTED',
      [dlqHeaders.sourceTopic.name]: 'learning.events.v1',
      [dlqHeaders.sourcePartition.name]: '3',
      [dlqHeaders.sourceOffset.name]: sourceOffset,
      [dlqHeaders.failedBy.name]: failedBy,
      [dlqHeaders.failedAt.name]: '2026-01-02T03:04:05.000Z',
      traceparent: '00-abc-def-01',
    }),
  );

describe('dead letters', () => {
  it('reads the dlq.* headers of a record', () => {
    const letter = persisterLetter(2, '17', '40');
    expect(letter).toMatchObject({
      id: 'learning.events.dlq.v1/2/17',
      code: 'PERSISTER_PG_REJECTED',
      failedBy: 'persister/persister-pg',
      sourceTopic: 'learning.events.v1',
      sourcePartition: '3',
      sourceOffset: '40',
    });
    expect(originalRecordId(letter)).toBe('learning.events.v1/3/40');
  });

  it('names a letter without source coordinates (ingest) by its own place in the DLQ', () => {
    const letter = toDeadLetter('dlq', record(0, '5', { [dlqHeaders.sourceTopic.name]: 'http' }));
    expect(letter.code).toBe('UNKNOWN');
    expect(originalRecordId(letter)).toBe('dlq/0/5');
  });

  it('groups letters of the same original record, so it is replayed once', () => {
    const groups = groupByOriginal([
      persisterLetter(0, '1', '40'),
      persisterLetter(1, '1', '40', 'persister/persister-influx'),
      persisterLetter(0, '2', '41'),
    ]);
    expect(groups.map((group) => group.map((letter) => letter.id))).toEqual([
      ['learning.events.dlq.v1/0/1', 'learning.events.dlq.v1/1/1'],
      ['learning.events.dlq.v1/0/2'],
    ]);
  });

  it('replays with the original headers, without the DLQ ones, naming where it came from', () => {
    const headers = replayedRecordHeaders(
      [persisterLetter(0, '1', '40'), persisterLetter(1, '1', '40', 'aggregator/aggregator')],
      new Date('2026-02-01T00:00:00Z'),
    );
    const text = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
    expect(text).toEqual({
      traceparent: '00-abc-def-01',
      [replayHeaders.of]: 'learning.events.dlq.v1/0/1,learning.events.dlq.v1/1/1',
      [replayHeaders.for]: 'persister/persister-pg,aggregator/aggregator',
      [replayHeaders.at]: '2026-02-01T00:00:00.000Z',
    });
  });

  it('filters by code, service prefix, reason text, key, id and time', () => {
    const letter = persisterLetter(0, '1', '40');
    const match = (...filters: string[]) => matches(letter, filters.map(parseFilter));
    expect(match('code=PERSISTER_PG_REJECTED')).toBe(true);
    expect(match('code=OTHER,PERSISTER_PG_REJECTED')).toBe(true);
    expect(match('code=OTHER')).toBe(false);
    expect(match('failed-by=persister')).toBe(true);
    expect(match('failed-by=persister/persister-influx')).toBe(false);
    expect(match('failed-by=pers')).toBe(false);
    expect(match('reason=NO_SHOUTING')).toBe(true);
    expect(match('key=class-1', 'partition=0')).toBe(true);
    expect(match('key=class-1', 'partition=1')).toBe(false);
    expect(match('id=learning.events.dlq.v1/0/1')).toBe(true);
    expect(match('since=2026-01-02T03:04:05Z')).toBe(true);
    expect(match('until=2026-01-02T03:04:05Z')).toBe(false);
    expect(match('since=2026-01-03T00:00:00Z')).toBe(false);
  });

  it('rejects filters it does not understand, saying why', () => {
    expect(() => parseFilter('colour=red')).toThrow(/unknown filter "colour"/);
    expect(() => parseFilter('code=')).toThrow(/needs a value/);
    expect(() => parseFilter('since=yesterday')).toThrow(/not a date/);
    expect(() => parseFilter('partition=x')).toThrow(/not a partition/);
  });
});
