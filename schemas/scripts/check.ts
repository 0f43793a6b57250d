import { paths } from './lib/files.js';
import { type CompatibilityCheck, runGate } from './lib/gate.js';

/**
 * The compatibility gate (npm run schemas:check -w @cellstream/schemas): every
 * avro/*.avsc against released/ at its subject's level, decided by the same
 * code as the registry's. Exits 1 when a schema is incompatible, 2 when the
 * gate itself cannot run. `--avro <dir>` and `--released <dir>` point it elsewhere.
 */
function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback);
}

let check: CompatibilityCheck;
try {
  ({ checkCompatibility: check } = await import('@cellstream/registry'));
} catch (error) {
  console.error(
    'schemas:check cannot run: loading checkCompatibility from @cellstream/registry failed:',
    error,
  );
  process.exit(2);
}

const result = runGate({
  avroDir: argument('--avro', paths.avro),
  releasedDir: argument('--released', paths.released),
  check,
});
for (const line of result.lines) console.log(line);
if (!result.ok) {
  console.error('\nschemas:check failed: the schemas above are not compatible with their released versions.');
  process.exit(1);
}
console.log('\nschemas:check passed.');
