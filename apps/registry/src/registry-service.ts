import { normalizeAvroSchema } from './canonical.js';
import {
  type CompatibilityLevel,
  checkCompatibility,
  compatibilityLevels,
  isCompatibilityLevel,
} from './compatibility.js';
import { isRegistryError, RegistryError } from './errors.js';
import { configRecord, schemaRecord, schemaTombstone } from './log-record.js';
import { parseConfigRequest, parseSchemaRequest, type VersionRef } from './requests.js';
import type { RegistryState, SchemaVersion } from './state.js';
import type { RegistryStore } from './store.js';

export interface SubjectVersion {
  subject: string;
  id: number;
  version: number;
  schema: string;
}

/** How long a "not found" may wait for the log to catch up before it is answered, in ms. */
const freshReadTimeoutMs = 2_000;

const subjectNotFound = (subject: string) =>
  new RegistryError('SUBJECT_NOT_FOUND', `Subject '${subject}' not found.`);

const view = ({ subject, id, version, schema }: SchemaVersion): SubjectVersion => ({
  subject,
  id,
  version,
  schema,
});

function liveOrAll(state: RegistryState, subject: string, includeDeleted: boolean): SchemaVersion[] {
  const versions = state.versions(subject, { includeDeleted });
  if (versions.length === 0) throw subjectNotFound(subject);
  return versions;
}

function findVersion(state: RegistryState, subject: string, ref: VersionRef, includeDeleted: boolean) {
  const versions = liveOrAll(state, subject, includeDeleted);
  const found = ref === 'latest' ? versions.at(-1) : versions.find((version) => version.version === ref);
  if (!found) throw new RegistryError('VERSION_NOT_FOUND', `Version ${ref} not found.`);
  return found;
}

/** Removes a subject's own level, if it has one. */
const dropLevel = (state: RegistryState, subject: string) =>
  state.subjectLevel(subject) === undefined ? [] : [configRecord(subject, null)];

function checkLevel(level: unknown): CompatibilityLevel {
  const upper = typeof level === 'string' ? level.toUpperCase() : level;
  if (!isCompatibilityLevel(upper)) {
    throw new RegistryError(
      'INVALID_COMPATIBILITY_LEVEL',
      `Invalid compatibility level ${JSON.stringify(level)}. Valid values are ${compatibilityLevels.join(', ')}`,
    );
  }
  return upper;
}

/**
 * The registry's operations, in Confluent's terms and with its error codes. HTTP lives in
 * routes/, storage in the store; this file decides what a request means.
 */
export class RegistryService {
  constructor(
    private readonly store: RegistryStore,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Answers from local state. A "not found" may only mean that another instance's write has not
   * reached this one yet, so it reads the log to its end once and asks again. When Kafka cannot
   * tell quickly, the local answer stands (reads stay available while Kafka is away).
   */
  private async read<T>(answer: (state: RegistryState) => T): Promise<T> {
    await this.store.whenReady(this.timeoutMs);
    try {
      return answer(this.store.state);
    } catch (error) {
      if (!isRegistryError(error) || error.status !== 404) throw error;
      const caughtUp = await this.store.sync(Math.min(this.timeoutMs, freshReadTimeoutMs)).then(
        () => true,
        () => false,
      );
      if (!caughtUp) throw error;
      return answer(this.store.state);
    }
  }

  async register(subject: string, body: unknown): Promise<{ id: number }> {
    const schema = normalizeAvroSchema(parseSchemaRequest(body).schema);
    const registered = (state: RegistryState) =>
      state.versions(subject, { includeDeleted: false }).find((version) => version.identity === schema);
    await this.store.whenReady(this.timeoutMs);
    const known = registered(this.store.state);
    if (known) return { id: known.id };
    return this.store.write((state) => {
      const existing = registered(state);
      if (existing) return { records: [], result: { id: existing.id } };
      const live = state.versions(subject, { includeDeleted: false });
      const { compatible, messages } = checkCompatibility(
        schema,
        live.map((version) => version.schema),
        state.effectiveLevel(subject),
      );
      if (!compatible) {
        throw new RegistryError(
          'INCOMPATIBLE_SCHEMA',
          `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: ${messages.join('; ')}`,
          { context: { subject, messages } },
        );
      }
      const id = state.idOf(schema) ?? state.nextId();
      const version = state.nextVersion(subject);
      // As Confluent: soft-deleted versions of this very schema in the subject give way to it.
      const replaced = state
        .versions(subject, { includeDeleted: true })
        .filter((old) => old.deleted && old.id === id)
        .map((old) => schemaTombstone(subject, old.version));
      return {
        records: [...replaced, schemaRecord({ subject, version, id, schema, deleted: false })],
        result: { id },
      };
    });
  }

  /** `POST /subjects/{subject}`: is this schema registered under the subject? */
  lookup(subject: string, body: unknown, includeDeleted: boolean): Promise<SubjectVersion> {
    const schema = normalizeAvroSchema(parseSchemaRequest(body).schema);
    return this.read((state) => {
      const match = liveOrAll(state, subject, includeDeleted).findLast(
        (version) => version.identity === schema,
      );
      if (!match) throw new RegistryError('SCHEMA_NOT_FOUND', 'Schema not found');
      return view(match);
    });
  }

  schemaById(id: number): Promise<string> {
    return this.read((state) => {
      const schema = state.schemaById(id);
      if (schema === undefined) throw new RegistryError('SCHEMA_NOT_FOUND', `Schema ${id} not found`);
      return schema;
    });
  }

  /** Subjects and versions using a schema id. */
  usesOf(id: number, includeDeleted: boolean): Promise<{ subject: string; version: number }[]> {
    return this.read((state) => {
      if (state.schemaById(id) === undefined) {
        throw new RegistryError('SCHEMA_NOT_FOUND', `Schema ${id} not found`);
      }
      return state
        .usesOf(id)
        .filter((use) => includeDeleted || !use.deleted)
        .map(({ subject, version }) => ({ subject, version }));
    });
  }

  subjects(includeDeleted: boolean, prefix = ''): Promise<string[]> {
    return this.read((state) =>
      state.subjectNames({ includeDeleted }).filter((name) => name.startsWith(prefix)),
    );
  }

  versions(subject: string, includeDeleted: boolean): Promise<number[]> {
    return this.read((state) => liveOrAll(state, subject, includeDeleted).map((version) => version.version));
  }

  version(subject: string, ref: VersionRef, includeDeleted: boolean): Promise<SubjectVersion> {
    return this.read((state) => view(findVersion(state, subject, ref, includeDeleted)));
  }

  /**
   * Soft delete marks every live version deleted; permanent delete removes soft-deleted ones,
   * and with the last of them the subject's own compatibility level (as Confluent does).
   */
  deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    return this.store.write((state) => {
      const all = state.versions(subject, { includeDeleted: true });
      if (all.length === 0) throw subjectNotFound(subject);
      const live = all.filter((version) => !version.deleted);
      if (permanent) {
        if (live.length > 0) {
          throw new RegistryError(
            'SUBJECT_NOT_SOFT_DELETED',
            `Subject '${subject}' was not deleted first before being permanently deleted`,
          );
        }
        return {
          records: [
            ...all.map((version) => schemaTombstone(subject, version.version)),
            ...dropLevel(state, subject),
          ],
          result: all.map((version) => version.version),
        };
      }
      if (live.length === 0) {
        throw new RegistryError(
          'SUBJECT_SOFT_DELETED',
          `Subject '${subject}' was soft deleted. Set permanent=true to delete permanently`,
        );
      }
      return {
        records: live.map(({ identity: _, ...value }) => schemaRecord({ ...value, deleted: true })),
        result: live.map((version) => version.version),
      };
    });
  }

  deleteVersion(subject: string, ref: VersionRef, permanent: boolean): Promise<number> {
    return this.store.write((state) => {
      // `latest` of a soft delete is the latest live version; a numbered one may already be deleted.
      const target = findVersion(state, subject, ref, permanent || ref !== 'latest');
      const { identity: _, ...value } = target;
      if (permanent) {
        if (!target.deleted) {
          throw new RegistryError(
            'VERSION_NOT_SOFT_DELETED',
            `Subject '${subject}' Version ${target.version} was not deleted first before being permanently deleted`,
          );
        }
        const last = state.versions(subject, { includeDeleted: true }).length === 1;
        return {
          records: [schemaTombstone(subject, target.version), ...(last ? dropLevel(state, subject) : [])],
          result: target.version,
        };
      }
      if (target.deleted) {
        throw new RegistryError(
          'VERSION_SOFT_DELETED',
          `Subject '${subject}' Version ${target.version} was soft deleted. Set permanent=true to delete permanently`,
        );
      }
      return { records: [schemaRecord({ ...value, deleted: true })], result: target.version };
    });
  }

  globalLevel(): Promise<CompatibilityLevel> {
    return this.read((state) => state.globalCompatibility());
  }

  async setLevel(subject: string | null, body: unknown): Promise<CompatibilityLevel> {
    const level = checkLevel(parseConfigRequest(body));
    return this.store.write(() => ({ records: [configRecord(subject, level)], result: level }));
  }

  subjectLevel(subject: string, defaultToGlobal: boolean): Promise<CompatibilityLevel> {
    return this.read((state) => {
      const level =
        state.subjectLevel(subject) ?? (defaultToGlobal ? state.globalCompatibility() : undefined);
      if (level === undefined) {
        throw new RegistryError(
          'SUBJECT_CONFIG_NOT_FOUND',
          `Subject '${subject}' does not have subject-level compatibility configured`,
        );
      }
      return level;
    });
  }

  /** Removes a level; answers the one that was in force. Global falls back to the default. */
  deleteLevel(subject: string | null): Promise<CompatibilityLevel> {
    return this.store.write((state) => {
      const current = subject === null ? state.globalCompatibility() : state.subjectLevel(subject);
      if (current === undefined) throw subjectNotFound(subject ?? '');
      return { records: [configRecord(subject, null)], result: current };
    });
  }

  /**
   * `POST /compatibility/subjects/{subject}/versions[/{version}]`: with a version, against that
   * one; without, against the subject's live versions as its level says (all when transitive).
   */
  testCompatibility(
    subject: string,
    ref: VersionRef | undefined,
    body: unknown,
  ): Promise<{ compatible: boolean; messages: string[] }> {
    const schema = normalizeAvroSchema(parseSchemaRequest(body).schema);
    return this.read((state) => {
      const live = state.versions(subject, { includeDeleted: false });
      // As Confluent: `latest` of a subject with no live version is compatible; a missing number is 40402.
      const chosen = ref === 'latest' ? live.slice(-1) : live.filter((version) => version.version === ref);
      if (typeof ref === 'number' && chosen.length === 0) {
        throw new RegistryError('VERSION_NOT_FOUND', `Version ${ref} not found.`);
      }
      const previous = ref === undefined ? live : chosen;
      return checkCompatibility(
        schema,
        previous.map((version) => version.schema),
        state.effectiveLevel(subject),
      );
    });
  }
}
