import { type AvroType, parseAvro } from './canonical.js';

/**
 * Schema compatibility the way Confluent's registry decides it for Avro: by Avro schema
 * resolution (can a reader with schema R decode data written with schema W?), never by comparing
 * strings. avsc's `reader.createResolver(writer)` throws exactly when resolution fails. Named
 * types are matched on their unqualified names (plus the reader's aliases), as Avro Java's
 * `SchemaCompatibility` does, hence `ignoreNamespaces`.
 *
 * - BACKWARD: the candidate reads data written with the latest previous schema.
 * - FORWARD: the latest previous schema reads data written with the candidate.
 * - FULL: both. `*_TRANSITIVE`: against every previous schema, not only the latest.
 */
export const compatibilityLevels = [
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
  'NONE',
] as const;

export type CompatibilityLevel = (typeof compatibilityLevels)[number];

export const defaultCompatibilityLevel: CompatibilityLevel = 'BACKWARD';

export interface CompatibilityResult {
  compatible: boolean;
  messages: string[];
}

export function isCompatibilityLevel(value: unknown): value is CompatibilityLevel {
  return typeof value === 'string' && (compatibilityLevels as readonly string[]).includes(value);
}

/** Why `reader` cannot decode what `writer` wrote, or undefined when it can. */
export function resolutionError(reader: AvroType, writer: AvroType): string | undefined {
  try {
    reader.createResolver(writer, { ignoreNamespaces: true });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Checks `candidate` against `previous` (oldest first; soft-deleted versions left out by the
 * caller) under `level`. Schemas are JSON strings; an invalid one throws `INVALID_SCHEMA`.
 */
export function checkCompatibility(
  candidate: string,
  previous: string[],
  level: CompatibilityLevel,
): CompatibilityResult {
  if (level === 'NONE' || previous.length === 0) return { compatible: true, messages: [] };
  const next = parseAvro(candidate).type;
  const transitive = level.endsWith('_TRANSITIVE');
  const direction = level.replace('_TRANSITIVE', '');
  const firstChecked = transitive ? 0 : previous.length - 1;
  const messages: string[] = [];
  for (let index = previous.length - 1; index >= firstChecked; index--) {
    const old = parseAvro(previous[index] as string).type;
    const label = `previous schema ${index + 1} of ${previous.length} (oldest first)`;
    if (direction === 'BACKWARD' || direction === 'FULL') {
      const reason = resolutionError(next, old);
      if (reason)
        messages.push(`${level}: the new schema cannot read data written with the ${label}: ${reason}`);
    }
    if (direction === 'FORWARD' || direction === 'FULL') {
      const reason = resolutionError(old, next);
      if (reason)
        messages.push(`${level}: the ${label} cannot read data written with the new schema: ${reason}`);
    }
  }
  return { compatible: messages.length === 0, messages };
}
