import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCatalogue, PersisterError } from '../../src/errors.js';

describe('error catalogue', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

  it('documents every code in README.md', () => {
    for (const code of Object.keys(errorCatalogue)) expect(readme, code).toContain(`\`${code}\``);
  });

  it('gives each error its catalogue retriability', () => {
    expect(new PersisterError('PERSISTER_PG_UNAVAILABLE', 'x').retriable).toBe(true);
    expect(new PersisterError('PERSISTER_PG_REJECTED', 'x').retriable).toBe(false);
  });
});
