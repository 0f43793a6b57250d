import { describe, expect, it } from 'vitest';
import { parseServerMessage } from './messages';

describe('parseServerMessage', () => {
  it('accepts the protocol messages', () => {
    expect(parseServerMessage('{"type":"pong"}')).toEqual({ type: 'pong' });
    expect(parseServerMessage('{"type":"error","code":"forbidden","message":"no"}')?.type).toBe('error');
  });

  it('gives snapshots without alerts an empty list', () => {
    const message = parseServerMessage('{"type":"snapshot","classId":"7","aggregate":null,"students":[]}');
    expect(message).toEqual({ type: 'snapshot', classId: '7', aggregate: null, students: [], alerts: [] });
  });

  it('rejects what is not a message it knows', () => {
    for (const text of ['', 'null', '[]', '42', '{"type":1}', '{"type":"hello"}', '{"type":"snapshot"}']) {
      expect(parseServerMessage(text)).toBeUndefined();
    }
  });
});
