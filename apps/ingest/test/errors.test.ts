import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCatalogue, IngestError, type IngestErrorCode } from '../src/errors.js';

const codes = Object.keys(errorCatalogue) as IngestErrorCode[];

describe('the error catalogue', () => {
  it('has unique codes, each named INGEST_ or AUTH_TOKEN_ (shared with lms-api)', () => {
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^(INGEST|AUTH_TOKEN)_[A-Z0-9_]+$/);
  });

  it('documents every code in README.md, each request code with its status', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const code of codes) {
      const row = readme.split('\n').find((line) => line.includes(`\`${code}\``));
      expect(row, `${code} is not in README.md`).toBeDefined();
      // Event codes live inside a 202; a request code's row gives its status.
      if (errorCatalogue[code].scope === 'request')
        expect(row).toContain(String(errorCatalogue[code].status));
    }
  });

  it('gives an IngestError its status, and marks 503 and 429 retriable', () => {
    for (const code of codes) {
      const error = new IngestError(code, 'x');
      expect(error.status).toBe(errorCatalogue[code].status);
      expect(error.retriable).toBe(error.status === 503 || error.status === 429);
      expect(error.toJSON()).toEqual({ code, message: 'x' });
    }
  });
});
