import { normalizeAvroSchema } from './canonical.js';
import { type CompatibilityLevel, defaultCompatibilityLevel } from './compatibility.js';
import type { LogRecord, SchemaValue } from './log-record.js';

export interface SchemaVersion extends SchemaValue {
  /** The normalized schema: what "the same schema" means. */
  identity: string;
}

interface SchemaEntry {
  schema: string;
  identity: string;
  /** How many versions (soft-deleted included) use this id; at zero the id is forgotten. */
  uses: number;
}

/** Normalized form of a stored schema; a string written by another tool that avsc rejects stays as is. */
function identityOf(schema: string): string {
  try {
    return normalizeAvroSchema(schema);
  } catch {
    return schema;
  }
}

/**
 * The registry's state: a pure function of the records of the log, applied in order. The last
 * value per key wins, as compaction keeps it, so a registry that replays a compacted log ends up
 * where one that saw every record did. No I/O here.
 */
export class RegistryState {
  private readonly subjects = new Map<string, Map<number, SchemaVersion>>();
  private readonly schemas = new Map<number, SchemaEntry>();
  private readonly idByIdentity = new Map<string, number>();
  private readonly subjectLevels = new Map<string, CompatibilityLevel>();
  private globalLevel: CompatibilityLevel | undefined;
  private highestId = 0;

  /** Applies one record; returns a warning when the log breaks an invariant (never from this registry's writes). */
  apply(record: LogRecord): string | undefined {
    if (record.kind === 'config') {
      if (record.subject === null) this.globalLevel = record.value?.compatibilityLevel;
      else if (record.value === null) this.subjectLevels.delete(record.subject);
      else this.subjectLevels.set(record.subject, record.value.compatibilityLevel);
      return undefined;
    }
    const versions = this.subjects.get(record.subject) ?? new Map<number, SchemaVersion>();
    const previous = versions.get(record.version);
    const value = record.value;
    // Normalizing means parsing; reuse what is known (a soft delete rewrites the same schema).
    const identity = value === null ? '' : (this.knownIdentity(value, previous) ?? identityOf(value.schema));
    if (previous) this.release(previous.id);
    if (value === null) {
      versions.delete(record.version);
      if (versions.size === 0) this.subjects.delete(record.subject);
      return undefined;
    }
    versions.set(record.version, { ...value, identity });
    this.subjects.set(record.subject, versions);
    this.highestId = Math.max(this.highestId, value.id);
    const known = this.schemas.get(value.id);
    if (known) {
      known.uses++;
      if (known.identity !== identity) {
        return `schema id ${value.id} is used for two different schemas (subject ${value.subject} version ${value.version}); keeping the first`;
      }
      return undefined;
    }
    this.schemas.set(value.id, { schema: value.schema, identity, uses: 1 });
    if (!this.idByIdentity.has(identity)) this.idByIdentity.set(identity, value.id);
    return undefined;
  }

  private knownIdentity(value: SchemaValue, previous: SchemaVersion | undefined): string | undefined {
    if (previous?.schema === value.schema) return previous.identity;
    const known = this.schemas.get(value.id);
    return known?.schema === value.schema ? known.identity : undefined;
  }

  private release(id: number): void {
    const entry = this.schemas.get(id);
    if (!entry) return;
    entry.uses--;
    if (entry.uses > 0) return;
    this.schemas.delete(id);
    if (this.idByIdentity.get(entry.identity) === id) this.idByIdentity.delete(entry.identity);
  }

  /** Versions of a subject, oldest first. */
  versions(subject: string, options: { includeDeleted: boolean }): SchemaVersion[] {
    const versions = [...(this.subjects.get(subject)?.values() ?? [])].sort((a, b) => a.version - b.version);
    return options.includeDeleted ? versions : versions.filter((version) => !version.deleted);
  }

  /** Subjects with a live version (or any version at all with `includeDeleted`), sorted. */
  subjectNames(options: { includeDeleted: boolean }): string[] {
    const names: string[] = [];
    for (const [subject, versions] of this.subjects) {
      if (options.includeDeleted || [...versions.values()].some((version) => !version.deleted))
        names.push(subject);
    }
    return names.sort();
  }

  schemaById(id: number): string | undefined {
    return this.schemas.get(id)?.schema;
  }

  idOf(identity: string): number | undefined {
    return this.idByIdentity.get(identity);
  }

  /** Every version that uses `id`. */
  usesOf(id: number): SchemaVersion[] {
    const uses: SchemaVersion[] = [];
    for (const versions of this.subjects.values()) {
      for (const version of versions.values()) if (version.id === id) uses.push(version);
    }
    return uses.sort((a, b) => a.subject.localeCompare(b.subject) || a.version - b.version);
  }

  /** The id a new schema gets: above every id this state has seen. */
  nextId(): number {
    return this.highestId + 1;
  }

  /** The version a new registration in `subject` gets: soft-deleted versions are never reused. */
  nextVersion(subject: string): number {
    const versions = this.subjects.get(subject);
    return versions && versions.size > 0 ? Math.max(...versions.keys()) + 1 : 1;
  }

  subjectLevel(subject: string): CompatibilityLevel | undefined {
    return this.subjectLevels.get(subject);
  }

  globalCompatibility(): CompatibilityLevel {
    return this.globalLevel ?? defaultCompatibilityLevel;
  }

  effectiveLevel(subject: string): CompatibilityLevel {
    return this.subjectLevels.get(subject) ?? this.globalCompatibility();
  }

  counts(): { schemas: number; subjects: number } {
    return { schemas: this.schemas.size, subjects: this.subjectNames({ includeDeleted: false }).length };
  }
}
