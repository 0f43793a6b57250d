import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { checkCompatibility } from '@cellstream/registry';
import { afterEach, describe, expect, it } from 'vitest';
import { paths } from '../scripts/lib/files.js';
import { explainBackward, runGate } from '../scripts/lib/gate.js';
import type { AvroRecordSchema } from '../src/index.js';

const run = promisify(execFile);
const schemasDir = fileURLToPath(new URL('..', import.meta.url));
const temporary: string[] = [];

/** A copy of avro/ in a temporary directory, changed by `change`. */
function changedCopy(name: string, change: (schema: AvroRecordSchema) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'cellstream-gate-'));
  temporary.push(dir);
  cpSync(paths.avro, dir, { recursive: true });
  const file = join(dir, `${name}.avsc`);
  const schema = JSON.parse(readFileSync(file, 'utf8')) as AvroRecordSchema;
  change(schema);
  writeFileSync(file, JSON.stringify(schema, null, 2));
  return dir;
}

afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('compatibility gate', () => {
  it('passes the current schemas against released/', () => {
    const result = runGate({ avroDir: paths.avro, releasedDir: paths.released, check: checkCompatibility });
    expect(result.lines.filter((line) => line.startsWith('✗'))).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('passes a compatible change: a field added with a default', () => {
    const dir = changedCopy('Alert', (schema) => {
      schema.fields.push({ name: 'acknowledged', type: 'boolean', default: false, doc: 'Whether seen.' });
    });
    const result = runGate({ avroDir: dir, releasedDir: paths.released, check: checkCompatibility });
    expect(result.ok).toBe(true);
    expect(result.lines).toContain('✓ Alert: BACKWARD compatible with released/Alert.avsc');
  });

  it('fails an incompatible change, naming the field', () => {
    const dir = changedCopy('LearningEvent', (schema) => {
      schema.fields.push({ name: 'courseId', type: 'string', doc: 'The course.' });
      const cellIndex = schema.fields.find((field) => field.name === 'cellIndex');
      if (cellIndex) cellIndex.type = ['null', 'string'];
    });
    const result = runGate({ avroDir: dir, releasedDir: paths.released, check: checkCompatibility });
    expect(result.ok).toBe(false);
    const text = result.lines.join('\n');
    expect(text).toContain('✗ LearningEvent is not BACKWARD compatible with released/LearningEvent.avsc');
    expect(text).toContain('field courseId was added without a default');
    expect(text).toMatch(/field cellIndex: /);
  });

  it('fails when a released schema is removed or a field loses its doc', () => {
    const dir = changedCopy('Alert', (schema) => {
      delete schema.fields[0]?.doc;
    });
    rmSync(join(dir, 'StudentStatus.avsc'));
    const result = runGate({ avroDir: dir, releasedDir: paths.released, check: checkCompatibility });
    expect(result.ok).toBe(false);
    expect(result.lines.join('\n')).toMatch(/missing: Alert\.alertId/);
  });

  it('explains a removed enum symbol', () => {
    const reader = JSON.parse(readFileSync(join(paths.avro, 'Alert.avsc'), 'utf8')) as AvroRecordSchema;
    const writer = structuredClone(reader);
    const kind = reader.fields.find((field) => field.name === 'kind')?.type as {
      symbols: string[];
      default?: string;
    };
    kind.symbols = kind.symbols.filter((symbol) => symbol !== 'idle');
    delete kind.default;
    expect(explainBackward(reader, writer)[0]).toMatch(/^field kind: /);
  });

  it('passes from the command line on the current schemas', async () => {
    const { stdout } = await run('npx', ['tsx', '--conditions=source', 'scripts/check.ts'], {
      cwd: schemasDir,
    });
    expect(stdout).toContain('schemas:check passed.');
  }, 60_000);

  it('exits non-zero from the command line on an incompatible copy', async () => {
    const dir = changedCopy('ClassAggregate', (schema) => {
      const total = schema.fields.find((field) => field.name === 'totalErrors');
      if (total) total.type = 'string';
    });
    const failure = await run('npx', ['tsx', '--conditions=source', 'scripts/check.ts', '--avro', dir], {
      cwd: schemasDir,
    }).catch((error: { code: number; stdout: string }) => error);
    expect('code' in failure && failure.code).toBe(1);
    expect(failure.stdout).toContain('✗ ClassAggregate is not BACKWARD compatible');
    expect(failure.stdout).toContain('field totalErrors');
  }, 60_000);
});
