import { type LearningEventHttp, toLearningEventRecord } from '@cellstream/schemas';
import { describe, expect, it } from 'vitest';
import { compileRecordConverter } from '../src/events/to-record.js';
import { fullEvent, minimalEvent } from './support/events.js';

const toRecord = compileRecordConverter();
const receivedAt = Date.UTC(2025, 0, 13, 9, 31);

// The compiled converter must be toLearningEventRecord, only faster: same output on every kind
// of field (required, nullable, defaulted map, timestamp with offsets, alias, unknown fields).
const cases: Record<string, Record<string, unknown>> = {
  full: fullEvent(),
  minimal: minimalEvent(),
  alias: minimalEvent({ eventType: 'cell_executed' }),
  'explicit nulls': minimalEvent({
    classId: null,
    cellType: null,
    metadata: null,
    executionDurationMs: null,
  }),
  'offset and fraction': minimalEvent({ eventTime: '2025-01-13T10:30:00.123456+01:00' }),
  'leap second, lower-case t and z': minimalEvent({ eventTime: '2016-12-31t23:59:60z' }),
  'unknown fields': minimalEvent({ browser: 'firefox', receivedAt: 5 }),
  'zeros and false': minimalEvent({
    cellIndex: 0,
    executionCount: 0,
    hasError: false,
    executionDurationMs: 0,
    code: '',
  }),
};

describe('compileRecordConverter', () => {
  it.each(Object.entries(cases))('equals toLearningEventRecord: %s', (_name, event) => {
    const http = event as unknown as LearningEventHttp;
    expect(toRecord(http, receivedAt)).toStrictEqual(
      toLearningEventRecord(structuredClone(http), receivedAt),
    );
  });

  it('gives each record its own default map', () => {
    const a = toRecord(minimalEvent() as unknown as LearningEventHttp, 1);
    const b = toRecord(minimalEvent() as unknown as LearningEventHttp, 1);
    a.metadata.x = 'y';
    expect(b.metadata).toEqual({});
  });

  it('refuses what validation should have refused, naming the field', () => {
    expect(() => toRecord(minimalEvent({ eventTime: 'soon' }) as unknown as LearningEventHttp, 1)).toThrow(
      expect.objectContaining({ field: 'eventTime' }),
    );
    expect(() => toRecord(minimalEvent({ userId: null }) as unknown as LearningEventHttp, 1)).toThrow(
      expect.objectContaining({ field: 'userId' }),
    );
  });
});
