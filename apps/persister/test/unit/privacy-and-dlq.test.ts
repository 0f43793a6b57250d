import { dlqHeaders } from '@cellstream/schemas';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { deadLetter } from '../../src/kafka/dead-letters.js';
import { isDataError } from '../../src/pg/classify.js';
import { classIdsOf, privateFields } from '../../src/pg/privacy.js';
import { makeEvent } from '../support/events.js';

describe('privacy settings', () => {
  it('apply only to canonical lms-api class ids', () => {
    const ids = classIdsOf(
      ['12', '0', '007', 'abc', '99999999999', '12', null].map((classId) => makeEvent({ classId })),
    );
    expect(ids.sort()).toEqual([0, 12]);
  });

  it('drop code, or results and error messages, as the class says', () => {
    const event = makeEvent({ classId: '3', code: 'c', result: 'r', errorMessage: 'm', errorName: 'E' });
    const privacy = new Map([['3', { storeCode: false, storeOutputs: true }]]);
    expect(privateFields(event, privacy)).toEqual({ code: null, result: 'r', errorMessage: 'm' });
    privacy.set('3', { storeCode: true, storeOutputs: false });
    expect(privateFields(event, privacy)).toEqual({ code: 'c', result: null, errorMessage: null });
    expect(privateFields({ ...event, classId: '4' }, privacy)).toEqual({
      code: 'c',
      result: 'r',
      errorMessage: 'm',
    });
  });
});

describe('dead letters', () => {
  it('keep key, bytes and headers, and say why', () => {
    const value = Buffer.from([1, 2, 3]);
    const message = deadLetter(
      {
        source: {
          topic: 't',
          partition: 4,
          offset: '42',
          key: Buffer.from('k'),
          value,
          headers: { trace: 'x' },
        },
        code: 'SCHEMAS_WIRE_FORMAT',
        reason: 'Magic byte 1',
      },
      'persister/persister-pg',
      new Date('2025-01-06T09:00:00Z'),
    );
    expect(message.value).toBe(value);
    expect(message.key?.toString()).toBe('k');
    expect(message.headers).toEqual({
      trace: 'x',
      [dlqHeaders.reason.name]: 'Magic byte 1',
      [dlqHeaders.errorCode.name]: 'SCHEMAS_WIRE_FORMAT',
      [dlqHeaders.sourceTopic.name]: 't',
      [dlqHeaders.sourcePartition.name]: '4',
      [dlqHeaders.sourceOffset.name]: '42',
      [dlqHeaders.failedBy.name]: 'persister/persister-pg',
      [dlqHeaders.failedAt.name]: '2025-01-06T09:00:00.000Z',
    });
  });
});

describe('PostgreSQL errors', () => {
  const failure = (code: string) => Object.assign(new pg.DatabaseError('x', 1, 'error'), { code });

  it('blame the data for data, integrity and size errors only', () => {
    expect(isDataError(failure('22021'))).toBe(true);
    expect(isDataError(failure('23505'))).toBe(true);
    expect(isDataError(failure('54000'))).toBe(true);
    expect(isDataError(failure('57P01'))).toBe(false);
    expect(isDataError(failure('40P01'))).toBe(false);
    expect(isDataError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(false);
  });
});
