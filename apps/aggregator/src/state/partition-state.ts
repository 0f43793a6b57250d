import type { Alert } from '@cellstream/schemas';
import { ClassState } from '../rules/class-state.js';
import { type DedupSettings, DedupStore } from '../rules/dedup.js';
import { ExecutionHistory } from '../rules/execution-history.js';
import type { RuleSettings } from '../rules/settings.js';
import { Student } from '../rules/student.js';
import {
  type ChangelogEntry,
  type ChangelogRecord,
  type ClassCoreValue,
  classRecord,
  dedupRecord,
  type MetaValue,
  metaRecord,
  studentRecord,
  windowRecord,
} from './changelog-codec.js';
import type { StudentValue } from './student-codec.js';

/**
 * The state of one input partition: its classes, its deduplication store and the offset it has
 * consumed up to, plus what changed since the last commit (what the next transaction writes to
 * the changelog) and the alerts raised since then.
 */
export class PartitionState {
  readonly classes = new Map<string, ClassState>();
  readonly dedup: DedupStore;
  /** The next input offset this state expects (the committed offset once committed); null when unknown. */
  nextOffset: number | null = null;
  /** Classes changed since the last commit: the next transaction writes them to the changelog. */
  readonly changedClasses = new Set<string>();
  /** Classes with outputs not yet emitted (each emitted at most every EMIT_INTERVAL_MS). */
  readonly emitQueue = new Set<string>();
  pendingAlerts: Alert[] = [];

  constructor(
    readonly partition: number,
    private readonly rules: RuleSettings,
    dedupSettings: DedupSettings,
  ) {
    this.dedup = new DedupStore(dedupSettings);
  }

  classFor(classId: string): ClassState {
    let state = this.classes.get(classId);
    if (!state) {
      state = new ClassState(classId, this.rules);
      this.classes.set(classId, state);
    }
    return state;
  }

  /** Students over every class. */
  get studentCount(): number {
    let count = 0;
    for (const state of this.classes.values()) count += state.students.size;
    return count;
  }

  /**
   * The changelog records of everything that changed since the previous call: each changed
   * class's core, its changed students and window buckets, the dedup segments filled or
   * forgotten, and the partition's metadata. Clears the change tracking.
   */
  drainChangelog(): ChangelogRecord[] {
    const p = this.partition;
    const records: ChangelogRecord[] = [];
    for (const classId of this.changedClasses) {
      const state = this.classes.get(classId);
      if (!state) continue;
      state.window.expire(state.clock);
      state.bursts.expire(state.clock);
      records.push(classRecord(p, state));
      for (const userId of state.changedStudents) {
        const student = state.students.get(userId);
        if (student) records.push(studentRecord(p, classId, student));
      }
      state.changedStudents.clear();
      const windows = state.window.drainChanges();
      for (const [bucket, entries] of windows.upserts)
        records.push(windowRecord(p, classId, bucket, entries));
      for (const bucket of windows.deletes) records.push(windowRecord(p, classId, bucket, null));
    }
    this.changedClasses.clear();
    const dedup = this.dedup.seal();
    for (const segment of dedup.written) records.push(dedupRecord(p, segment.seq, segment));
    for (const seq of dedup.evicted) records.push(dedupRecord(p, seq, null));
    records.push(metaRecord(p, { nextOffset: this.nextOffset, dedupNext: this.dedup.nextSegment }));
    return records;
  }
}

/**
 * Rebuilds a PartitionState from its changelog, read from the beginning: the last record of
 * each key wins and a tombstone deletes it, as compaction would.
 */
export class PartitionStateBuilder {
  private meta: MetaValue | null = null;
  private readonly cores = new Map<string, ClassCoreValue>();
  private readonly students = new Map<string, Map<string, StudentValue>>();
  private readonly windows = new Map<string, Map<number, [number, 0 | 1, number | null][]>>();
  private readonly dedup = new Map<number, { maxTimestamp: number; ids: string[] }>();
  records = 0;

  constructor(readonly partition: number) {}

  apply(entry: ChangelogEntry): void {
    if (entry.partition !== this.partition) return; // another partition's record: not ours to restore
    this.records++;
    switch (entry.kind) {
      case 'meta':
        this.meta = entry.value;
        return;
      case 'barrier':
        return;
      case 'class':
        setOrDelete(this.cores, entry.classId, entry.value);
        return;
      case 'student':
        setOrDelete(nested(this.students, entry.classId), entry.userId, entry.value);
        return;
      case 'window':
        setOrDelete(nested(this.windows, entry.classId), entry.bucket, entry.value);
        return;
      case 'dedup':
        setOrDelete(this.dedup, entry.seq, entry.value);
        return;
    }
  }

  build(rules: RuleSettings, dedupSettings: DedupSettings): PartitionState {
    const state = new PartitionState(this.partition, rules, dedupSettings);
    state.nextOffset = this.meta?.nextOffset ?? null;
    for (const [classId, core] of this.cores) {
      const classState = state.classFor(classId);
      classState.clock = core.clock;
      classState.totalExecutions = core.totalExecutions;
      classState.totalErrors = core.totalErrors;
      for (const [key, cell] of core.cells) classState.cells.set(key, cell);
      for (const [name, counter] of core.errors) classState.errorCounts.set(name, counter);
      classState.bursts.load(core.bursts ?? [], core.clock);
      for (const value of this.students.get(classId)?.values() ?? []) {
        classState.students.set(value.userId, toStudent(value));
      }
      for (const [bucket, entries] of this.windows.get(classId) ?? [])
        classState.window.loadBucket(bucket, entries);
      classState.restored();
      state.emitQueue.add(classId);
    }
    const dedupNext = this.meta?.dedupNext ?? 0;
    for (const [seq, segment] of [...this.dedup].sort(([a], [b]) => a - b)) {
      state.dedup.load({ seq, ...segment }, dedupNext);
    }
    state.dedup.resumeAt(dedupNext);
    return state;
  }
}

function toStudent(value: StudentValue): Student {
  const student = new Student(value.userId, { type: value.lastEventType, time: value.lastEventTime });
  student.status = value.status;
  student.statusSince = value.statusSince;
  student.executions = value.executions;
  student.errors = value.errors;
  student.helpRequested = value.helpRequested;
  student.helpTime = value.helpTime;
  student.notebookPath = value.notebookPath;
  student.notebookTime = value.notebookTime;
  student.cellId = value.cellId;
  student.cellIndex = value.cellIndex;
  student.cellTime = value.cellTime;
  student.lastErrorName = value.lastErrorName;
  student.lastErrorTime = value.lastErrorTime;
  student.history = new ExecutionHistory(value.settled, value.recent);
  student.completedCells = new Set(value.completedCells);
  student.cellLatest = new Map(value.cellLatest);
  student.errorNames = new Set(value.errorNames);
  return student;
}

function setOrDelete<K, V>(map: Map<K, V>, key: K, value: V | null): void {
  if (value === null) map.delete(key);
  else map.set(key, value);
}

function nested<K, V>(map: Map<string, Map<K, V>>, key: string): Map<K, V> {
  let inner = map.get(key);
  if (!inner) {
    inner = new Map();
    map.set(key, inner);
  }
  return inner;
}
