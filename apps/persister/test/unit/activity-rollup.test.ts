import type { InfluxQl, InfluxSeries } from '@cellstream/shared';
import { describe, expect, it } from 'vitest';
import { recountActivity, touchedMinutes } from '../../src/influx/activity-rollup.js';
import { makeEvent } from '../support/events.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 29, 9, 0);

/** An InfluxQl that records the statements and answers them with `answer`. */
function fakeInflux(answer: (statement: string) => InfluxSeries[]) {
  const calls: { statements: string[]; params: Record<string, string | number> }[] = [];
  const influx = {
    from: (measurement: string) => `"${measurement}"`,
    async runAll(statements: string, params: Record<string, string | number> = {}) {
      const split = statements.split(';\n');
      calls.push({ statements: split, params });
      return split.map(answer);
    },
  } as unknown as InfluxQl;
  return { influx, calls };
}

describe('class_activity_1m recount', () => {
  it('notes the minutes and classes a batch wrote into, leaving out events without a class', () => {
    const touched = touchedMinutes([
      makeEvent({ classId: 'a', eventTime: T0 + 5_000 }),
      makeEvent({ classId: 'b', eventTime: T0 + 59_999 }),
      makeEvent({ classId: 'a', eventTime: T0 + MINUTE }),
      makeEvent({ classId: null, eventTime: T0 + 3 * MINUTE }),
    ]);
    expect([...touched].map(([minute, classes]) => [minute - T0, [...classes].sort()])).toEqual([
      [0, ['a', 'b']],
      [MINUTE, ['a']],
    ]);
  });

  it('recounts consecutive minutes in one statement, bound by parameters, and writes one line per series and minute', async () => {
    const { influx, calls } = fakeInflux((statement) =>
      statement.includes(`time >= ${T0}ms`)
        ? [
            {
              name: 'class_activity',
              tags: { classId: 'a b', event: 'cell_execution_complete' },
              columns: ['time', 'count'],
              values: [
                [T0, 3],
                [T0 + MINUTE, 1],
              ],
            },
            {
              name: 'class_activity',
              tags: { classId: 'c', event: 'cell_execution_error' },
              columns: ['time', 'count'],
              values: [[T0, 2]],
            },
          ]
        : [],
    );
    const touched = touchedMinutes([
      makeEvent({ classId: 'a b', eventTime: T0 }),
      makeEvent({ classId: 'c', eventTime: T0 + MINUTE }),
      makeEvent({ classId: 'a b', eventTime: T0 + 10 * MINUTE }),
    ]);
    const lines = await recountActivity(influx, touched);

    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.statements).toHaveLength(2);
    expect(call?.statements[0]).toContain(`time >= ${T0}ms AND time < ${T0 + 2 * MINUTE}ms`);
    expect(call?.statements[0]).toContain('"classId" = $c0 OR "classId" = $c1');
    expect(call?.statements[1]).toContain(`time >= ${T0 + 10 * MINUTE}ms AND time < ${T0 + 11 * MINUTE}ms`);
    expect(call?.statements[1]).toContain('("classId" = $c0)');
    expect(call?.params).toEqual({ c0: 'a b', c1: 'c' });
    expect(lines).toEqual([
      `class_activity_1m,classId=a\\ b,event=cell_execution_complete n=3i ${T0}000000`,
      `class_activity_1m,classId=a\\ b,event=cell_execution_complete n=1i ${T0 + MINUTE}000000`,
      `class_activity_1m,classId=c,event=cell_execution_error n=2i ${T0}000000`,
    ]);
  });

  it('asks nothing when nothing was touched', async () => {
    const { influx, calls } = fakeInflux(() => []);
    expect(await recountActivity(influx, new Map())).toEqual([]);
    expect(calls).toEqual([]);
  });
});
