import { randomBytes } from 'node:crypto';

/**
 * A name no other test file or earlier run uses: `<prefix>-<label>-<random>`. Lower-case and
 * made of [a-z0-9_.-], so it is valid as a Kafka topic, group id, database or bucket name.
 */
export function uniqueName(label: string, prefix = 'test'): string {
  const clean = label.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  return `${prefix}-${clean}-${randomBytes(4).toString('hex')}`;
}

/** The same, with underscores only: for identifiers where `-` would need quoting (SQL, InfluxQL). */
export function uniqueIdentifier(label: string, prefix = 'test'): string {
  return uniqueName(label, prefix).replaceAll('-', '_');
}
