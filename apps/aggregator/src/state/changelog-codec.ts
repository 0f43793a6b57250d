/**
 * The changelog of the aggregator's state: a compacted topic (default `aggregator.state.v1`), one
 * partition per input partition. The state of input partition p is written to changelog partition
 * p, in the same transaction as the outputs and the consumed offsets, so the changelog always
 * describes exactly the input up to the committed offset.
 *
 * Key: UTF-8 JSON array, the input partition first, then the kind and the ids:
 *   [p, "meta"]                          value {v, nextOffset, dedupNext}: the next input offset
 *                                        the state expects, the next dedup segment number
 *   [p, "barrier"]                       value {v, nonce}: written by a new owner after fencing; a
 *                                        restore reads until it sees its own nonce
 *   [p, "class", classId]                value {v, clock, totals, cells, errors, bursts?}: the class's
 *                                        core; bursts: [target, clock - heldAt] of the bursts that
 *                                        may continue (error-burst.ts), absent when none
 *   [p, "student", classId, userId]      value: one student, a positional array (student-codec.ts)
 *   [p, "window", classId, bucketStart]  value {v, entries}: the class's execution results of one
 *                                        5-second bucket of event time, [time, failed, duration]
 *   [p, "dedup", seq]                    value {v, maxTimestamp, ids}: one segment of event ids
 * Value: UTF-8 JSON with a format version (`v`: 1, or the array's first element), or null (a
 * tombstone: the key is deleted).
 * Times are milliseconds since the epoch; -Infinity ("never") is written as null.
 * Internal to the aggregator: no schema in the registry, not a topic for other consumers.
 */
import { AggregatorError } from '../errors.js';
import type { CellCounters, ClassState, ErrorCounter } from '../rules/class-state.js';
import type { DedupSegment } from '../rules/dedup.js';
import type { WindowEntry } from '../rules/execution-window.js';
import type { Student } from '../rules/student.js';
import { decodeStudent, encodeStudent, type StudentValue } from './student-codec.js';

export const CHANGELOG_FORMAT = 1;

export interface ChangelogRecord {
  key: string;
  /** null for a tombstone. */
  value: string | null;
}

export interface MetaValue {
  nextOffset: number | null;
  dedupNext: number;
}

export interface ClassCoreValue {
  clock: number;
  totalExecutions: number;
  totalErrors: number;
  cells: [string, CellCounters][];
  errors: [string, ErrorCounter][];
  /** Error bursts: [target, clock - the event time the condition last held]; absent when none (or written before bursts existed). */
  bursts?: [string, number][];
}

/** A changelog record as read back, by kind; `value` is null for a tombstone. */
export type ChangelogEntry =
  | { kind: 'meta'; partition: number; value: MetaValue | null }
  | { kind: 'barrier'; partition: number; value: { nonce: string } | null }
  | { kind: 'class'; partition: number; classId: string; value: ClassCoreValue | null }
  | { kind: 'student'; partition: number; classId: string; userId: string; value: StudentValue | null }
  | { kind: 'window'; partition: number; classId: string; bucket: number; value: WindowEntry[] | null }
  | { kind: 'dedup'; partition: number; seq: number; value: Omit<DedupSegment, 'seq'> | null };

const key = (parts: (string | number)[]) => JSON.stringify(parts);
const encode = (value: object) => JSON.stringify({ v: CHANGELOG_FORMAT, ...value });
/**
 * JSON has no -Infinity: "never" is written as null and read back as -Infinity. Converted field
 * by field (a JSON.stringify replacer function would be called for every value: far slower).
 */
const orNull = (value: number): number | null => (value === Number.NEGATIVE_INFINITY ? null : value);
const never = (value: number | null | undefined): number => value ?? Number.NEGATIVE_INFINITY;

export const changelogKeys = {
  meta: (partition: number) => key([partition, 'meta']),
  barrier: (partition: number) => key([partition, 'barrier']),
  class: (partition: number, classId: string) => key([partition, 'class', classId]),
  student: (partition: number, classId: string, userId: string) =>
    key([partition, 'student', classId, userId]),
  window: (partition: number, classId: string, bucket: number) => key([partition, 'window', classId, bucket]),
  dedup: (partition: number, seq: number) => key([partition, 'dedup', seq]),
};

export function metaRecord(partition: number, meta: MetaValue): ChangelogRecord {
  return { key: changelogKeys.meta(partition), value: encode(meta) };
}

export function barrierRecord(partition: number, nonce: string): ChangelogRecord {
  return { key: changelogKeys.barrier(partition), value: encode({ nonce }) };
}

/** One cell of a class core, positional: [key, cellIndex, cellIndexTime, executions, errors, studentsCompleted, studentsErroring]. */
type CellTuple = [string, number | null, number | null, number, number, number, number];

export function classRecord(partition: number, state: ClassState): ChangelogRecord {
  // In index order (the map's insertion order): a cell's position is its index.
  const cells: CellTuple[] = [];
  for (const [key, cell] of state.cells) {
    cells.push([
      key,
      cell.cellIndex,
      orNull(cell.cellIndexTime),
      cell.executions,
      cell.errors,
      cell.studentsCompleted,
      cell.studentsErroring,
    ]);
  }
  const value: Omit<ClassCoreValue, 'cells' | 'clock'> & { clock: number | null; cells: CellTuple[] } = {
    clock: orNull(state.clock),
    totalExecutions: state.totalExecutions,
    totalErrors: state.totalErrors,
    cells,
    errors: [...state.errorCounts],
  };
  if (state.bursts.heldAt.size > 0) value.bursts = state.bursts.toTuples(state.clock);
  return { key: changelogKeys.class(partition, state.classId), value: encode(value) };
}

export function studentRecord(partition: number, classId: string, student: Student): ChangelogRecord {
  return { key: changelogKeys.student(partition, classId, student.userId), value: encodeStudent(student) };
}

export function windowRecord(
  partition: number,
  classId: string,
  bucket: number,
  entries: WindowEntry[] | null,
): ChangelogRecord {
  return {
    key: changelogKeys.window(partition, classId, bucket),
    value: entries === null ? null : encode({ entries }),
  };
}

export function dedupRecord(partition: number, seq: number, segment: DedupSegment | null): ChangelogRecord {
  return {
    key: changelogKeys.dedup(partition, seq),
    value: segment === null ? null : encode({ maxTimestamp: segment.maxTimestamp, ids: segment.ids }),
  };
}

/** Parses a record read from the changelog; throws AGG_CHANGELOG_CORRUPT when it is not ours. */
export function decodeChangelogRecord(rawKey: string, rawValue: string | null): ChangelogEntry {
  let parts: unknown;
  let value: Record<string, unknown> | null;
  try {
    parts = JSON.parse(rawKey);
    value = rawValue === null ? null : (JSON.parse(rawValue) as Record<string, unknown>);
  } catch (cause) {
    throw corrupt(rawKey, 'is not JSON', cause);
  }
  if (!Array.isArray(parts) || typeof parts[0] !== 'number' || typeof parts[1] !== 'string') {
    throw corrupt(rawKey, 'has an unknown key shape');
  }
  const student = parts[1] === 'student';
  if (value !== null && !student && value.v !== CHANGELOG_FORMAT) {
    throw corrupt(rawKey, `has format ${String(value.v)}`);
  }
  const partition = parts[0];
  const id = (index: number) => {
    const part = parts[index];
    if (typeof part !== 'string' && typeof part !== 'number') throw corrupt(rawKey, `lacks part ${index}`);
    return part;
  };
  switch (parts[1]) {
    case 'meta':
      return { kind: 'meta', partition, value: value as MetaValue | null };
    case 'barrier':
      return { kind: 'barrier', partition, value: value as { nonce: string } | null };
    case 'class':
      return { kind: 'class', partition, classId: String(id(2)), value: value && readClassCore(value) };
    case 'student': {
      const userId = String(id(3));
      let decoded: StudentValue | null = null;
      try {
        decoded = value && decodeStudent(userId, value);
      } catch (cause) {
        throw corrupt(rawKey, 'is not a student record', cause);
      }
      return { kind: 'student', partition, classId: String(id(2)), userId, value: decoded };
    }
    case 'window':
      return {
        kind: 'window',
        partition,
        classId: String(id(2)),
        bucket: Number(id(3)),
        value: value && (value.entries as WindowEntry[]),
      };
    case 'dedup':
      return {
        kind: 'dedup',
        partition,
        seq: Number(id(2)),
        value: value && { maxTimestamp: Number(value.maxTimestamp), ids: value.ids as string[] },
      };
    default:
      throw corrupt(rawKey, `has the unknown kind ${String(parts[1])}`);
  }
}

function readClassCore(value: Record<string, unknown>): ClassCoreValue {
  const core = value as unknown as Omit<ClassCoreValue, 'cells'> & { cells: CellTuple[] };
  return {
    ...core,
    clock: never(core.clock),
    cells: core.cells.map(
      ([key, cellIndex, cellIndexTime, executions, errors, studentsCompleted, studentsErroring], index) => [
        key,
        {
          index,
          cellIndex,
          cellIndexTime: never(cellIndexTime),
          executions,
          errors,
          studentsCompleted,
          studentsErroring,
        },
      ],
    ),
  };
}

function corrupt(key: string, problem: string, cause?: unknown): AggregatorError {
  return new AggregatorError('AGG_CHANGELOG_CORRUPT', `The changelog record ${key} ${problem}`, {
    cause,
    context: { key },
  });
}
