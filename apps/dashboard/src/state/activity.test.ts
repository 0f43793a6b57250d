import { describe, expect, it } from 'vitest';
import { T0 } from '../testing/fixtures';
import {
  activityWindow,
  addActivity,
  countsAt,
  emptyActivity,
  MINUTE_MS,
  minuteOf,
  seedActivity,
  startLive,
} from './activity';

const bucket = (minute: number, executions: number, errors = 0) => ({
  time: new Date(minute).toISOString(),
  executions,
  errors,
});

describe('activity per minute', () => {
  const now = T0 + 30_000;
  const opened = minuteOf(now);

  it('lays out the last hour, minute by minute, zero where nothing happened', () => {
    const activity = addActivity(startLive(emptyActivity, now), now, 3, 1, now);
    const window = activityWindow(activity, now);
    expect(window.times).toHaveLength(60);
    expect(window.times.at(-1)).toBe(opened / 1000);
    expect(window.times[0]).toBe((opened - 59 * MINUTE_MS) / 1000);
    expect(window.executions.at(-1)).toBe(3);
    expect(window.errors.at(-1)).toBe(1);
    expect(window.executions.slice(0, -1).every((n) => n === 0)).toBe(true);
  });

  it('takes minutes before the page opened from the seed, and from then on only live counts', () => {
    let activity = startLive(emptyActivity, now);
    activity = addActivity(activity, now, 2, 0, now);
    // The seed arrives late and already holds some of those live events: they are not added twice.
    activity = seedActivity(activity, [bucket(opened - MINUTE_MS, 7, 1), bucket(opened, 2, 0)], now);
    activity = addActivity(activity, now + 1_000, 1, 0, now);
    expect(countsAt(activity, opened - MINUTE_MS)).toEqual({ executions: 7, errors: 1 });
    expect(countsAt(activity, opened)).toEqual({ executions: 3, errors: 0 });
  });

  it('uses the seed alone until the first snapshot', () => {
    const seeded = seedActivity(emptyActivity, [bucket(opened, 4, 2)], now);
    expect(countsAt(seeded, opened)).toEqual({ executions: 4, errors: 2 });
  });

  it('counts late events in the first live minute, never in the seed minutes', () => {
    const activity = addActivity(startLive(emptyActivity, now), now - 10 * MINUTE_MS, 1, 0, now);
    expect(countsAt(activity, opened)).toEqual({ executions: 1, errors: 0 });
  });

  it('ignores empty or negative deltas (an aggregator that started over)', () => {
    const live = startLive(emptyActivity, now);
    expect(addActivity(live, now, 0, 0, now)).toBe(live);
    expect(countsAt(addActivity(live, now, -5, 2, now), opened)).toEqual({ executions: 0, errors: 2 });
  });

  it('forgets minutes older than two hours and seed buckets with an unreadable time', () => {
    const old = T0 - 3 * 3_600_000;
    const activity = addActivity(startLive(emptyActivity, old), old, 1, 0, old);
    expect(addActivity(activity, now, 1, 0, now).live.size).toBe(1);
    expect(
      seedActivity(emptyActivity, [{ time: 'yesterday', executions: 3, errors: 0 }], now).seed.size,
    ).toBe(0);
  });
});
