import type { LearningEvent } from '@cellstream/schemas';
import type { InfluxQl } from '@cellstream/shared';
import { escape as lineProtocol } from '@influxdata/influxdb-client';
import { ACTIVITY_MEASUREMENT } from './point-mapper.js';

/**
 * `class_activity_1m`: the executions and errors of each class per minute, recounted from its
 * `class_activity` points after every write, so the activity chart reads one point per class,
 * type and window minute instead of one per execution (a week of a busy class: 20,000 points,
 * not a million).
 *
 *   class_activity_1m,classId=…,event=cell_execution_complete|cell_execution_error n=<count>i <minute>
 *
 * A recount, not an increment: the count is taken again from the stored points of the minutes a
 * batch wrote into, so a redelivered or resent event (which overwrites its own point) is counted
 * once, a late event corrects its minute whenever it arrives, and a batch written twice writes
 * the same counts. The persister recounts after the points are stored and before the offsets
 * are committed. A class's events are on one partition, so only one persister recounts a class
 * at a time (except while a partition moves and its former owner finishes a batch: a recount
 * racing that write can leave the minute short until its next write).
 */
export const ROLLUP_MEASUREMENT = 'class_activity_1m';
export const ROLLUP_MINUTE_MS = 60_000;

/** Classes per minute start (ms) whose `class_activity` points `events` wrote. */
export type TouchedMinutes = Map<number, Set<string>>;

export function touchedMinutes(events: Iterable<LearningEvent>): TouchedMinutes {
  const touched: TouchedMinutes = new Map();
  for (const event of events) {
    if (!event.classId) continue;
    const minute = Math.floor(event.eventTime / ROLLUP_MINUTE_MS) * ROLLUP_MINUTE_MS;
    let classes = touched.get(minute);
    if (!classes) {
      classes = new Set();
      touched.set(minute, classes);
    }
    classes.add(event.classId);
  }
  return touched;
}

/** Statements per InfluxQL call. */
const STATEMENTS_PER_CALL = 50;

/**
 * Recounts the touched minutes and returns the `class_activity_1m` lines to write. Consecutive
 * minutes go in one statement over the classes of any of them.
 */
export async function recountActivity(influx: InfluxQl, touched: TouchedMinutes): Promise<string[]> {
  const runs: { start: number; end: number; classes: Set<string> }[] = [];
  for (const minute of [...touched.keys()].sort((a, b) => a - b)) {
    const classes = touched.get(minute) as Set<string>;
    const last = runs.at(-1);
    if (last && last.end === minute) {
      last.end = minute + ROLLUP_MINUTE_MS;
      for (const classId of classes) last.classes.add(classId);
    } else {
      runs.push({ start: minute, end: minute + ROLLUP_MINUTE_MS, classes: new Set(classes) });
    }
  }
  const lines: string[] = [];
  for (let first = 0; first < runs.length; first += STATEMENTS_PER_CALL) {
    const params: Record<string, string> = {};
    const names = new Map<string, string>();
    const statements = runs.slice(first, first + STATEMENTS_PER_CALL).map(({ start, end, classes }) => {
      const matches = [...classes].map((classId) => {
        let name = names.get(classId);
        if (!name) {
          name = `c${names.size}`;
          names.set(classId, name);
          params[name] = classId;
        }
        return `"classId" = $${name}`;
      });
      return `SELECT count("n") FROM ${influx.from(ACTIVITY_MEASUREMENT)}
        WHERE time >= ${start}ms AND time < ${end}ms AND (${matches.join(' OR ')})
        GROUP BY time(1m), "classId", "event" fill(none)`;
    });
    for (const series of await influx.runAll(statements.join(';\n'), params)) {
      for (const { tags, values } of series) {
        if (!tags?.classId || !tags.event) continue;
        const key = `${ROLLUP_MEASUREMENT},classId=${lineProtocol.tag(tags.classId)},event=${lineProtocol.tag(tags.event)}`;
        for (const [time, count] of values ?? [])
          lines.push(`${key} n=${Number(count)}i ${Number(time)}000000`);
      }
    }
  }
  return lines;
}
