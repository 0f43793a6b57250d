import type { EventType } from '@cellstream/schemas';
import { describe, expect, it } from 'vitest';
import {
  activityPointTime,
  influxVerdict,
  nanosecondOffset,
  pointTime,
  toLine,
  toLines,
} from '../../src/influx/point-mapper.js';
import { makeEvent } from '../support/events.js';

describe('student_progress points', () => {
  it('carry the tags and fields of CONTRACT.md, at eventTime plus the eventId offset', () => {
    const event = makeEvent({ eventId: 'e-1', notebookPath: 'week 1/a,b.ipynb' });
    const nanos = BigInt(event.eventTime) * 1_000_000n + BigInt(nanosecondOffset('e-1'));
    expect(toLine(event)).toBe(
      'student_progress,cellType=code,classId=1,event=cell_execution_complete,notebook=week\\ 1/a\\,b.ipynb,' +
        'sessionId=session-1,userId=student-1 cellId="cell-a",duration=12.5,eventId="e-1",executionCount=1i,' +
        `notebookPath="week 1/a,b.ipynb",success=T ${nanos}`,
    );
  });

  it('write success on every cell execution point, false for errors only', () => {
    const success = (eventType: EventType, hasError: boolean | null) =>
      /success=([TF])/.exec(toLine(makeEvent({ eventType, hasError })))?.[1];
    expect(success('cell_execution_complete', false)).toBe('T');
    expect(success('cell_execution_complete', null)).toBe('T');
    expect(success('cell_execution_error', null)).toBe('F');
    expect(success('cell_execution_error', true)).toBe('F');
    expect(success('cell_execution_start', null)).toBe('T');
    expect(success('notebook_open', null)).toBeUndefined();
  });

  it('leave out absent tags and fields, and always keep eventId as a field', () => {
    const line = toLine(
      makeEvent({
        eventId: 's',
        eventType: 'session_start',
        classId: null,
        notebookPath: null,
        cellId: null,
        cellType: null,
        executionCount: null,
        executionDurationMs: Number.NaN,
      }),
    );
    expect(line).toMatch(
      /^student_progress,event=session_start,sessionId=session-1,userId=student-1 eventId="s" \d+$/,
    );
  });

  it('give distinct events of one millisecond distinct times, and one event always the same', () => {
    const times = new Set(
      Array.from({ length: 1_000 }, (_, i) => pointTime(makeEvent({ eventId: `id-${i}` }))),
    );
    expect(times.size).toBe(1_000);
    const event = makeEvent();
    expect(pointTime(event)).toBe(pointTime({ ...event }));
    for (const time of times) expect(BigInt(time) / 1_000_000n).toBe(BigInt(event.eventTime));
  });

  it('are refused for times InfluxDB cannot store and tag values line protocol cannot carry', () => {
    expect(influxVerdict(makeEvent())).toEqual({ kind: 'store' });
    expect(influxVerdict(makeEvent({ eventTime: Date.UTC(2262, 5, 1) })).kind).toBe('reject');
    expect(influxVerdict(makeEvent({ eventTime: Date.UTC(1600, 0, 1) })).kind).toBe('reject');
    expect(influxVerdict(makeEvent({ userId: 'ends\\' })).kind).toBe('reject');
    expect(influxVerdict(makeEvent({ notebookPath: 'a\\,b' })).kind).toBe('reject');
    expect(influxVerdict(makeEvent({ notebookPath: 'C:\\work\\a.ipynb' })).kind).toBe('store');
  });
});

describe('class_activity points', () => {
  it('follow each finished execution of a class, with only its class and type, in its second', () => {
    const event = makeEvent({ eventId: 'e-1', eventType: 'cell_execution_error' });
    const [progress, activity, ...rest] = toLines(event);
    expect(progress).toBe(toLine(event));
    expect(rest).toEqual([]);
    expect(activity).toBe(
      `class_activity,classId=1,event=cell_execution_error n=1i ${activityPointTime(event)}`,
    );
    const time = BigInt(activityPointTime(event));
    expect(time / 1_000_000_000n).toBe(BigInt(Math.floor(event.eventTime / 1_000)));
  });

  it('are left out for other events and events without a class', () => {
    expect(toLines(makeEvent({ eventType: 'cell_execution_start' }))).toHaveLength(1);
    expect(toLines(makeEvent({ eventType: 'notebook_open' }))).toHaveLength(1);
    expect(toLines(makeEvent({ classId: null }))).toHaveLength(1);
    expect(toLines(makeEvent({ classId: 'a b,c' }))[1]).toMatch(/^class_activity,classId=a\\ b\\,c,event=/);
  });

  it('give one event always the same time and a burst of one millisecond distinct times', () => {
    const burst = Array.from({ length: 5_000 }, (_, i) =>
      activityPointTime(makeEvent({ eventId: `b-${i}` })),
    );
    expect(new Set(burst).size).toBe(5_000);
    const event = makeEvent({ eventId: 'again' });
    expect(activityPointTime(event)).toBe(activityPointTime({ ...event }));
    const early = { eventId: 'old', eventTime: -1_500 };
    expect(BigInt(activityPointTime(early)) / 1_000_000_000n).toBeLessThanOrEqual(-1n);
    expect(BigInt(activityPointTime(early))).toBeLessThan(-1_000_000_000n);
  });
});
