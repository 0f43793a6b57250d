import { describe, expect, it } from 'vitest';
import { SchemasError, schemasErrorCatalogue } from '../src/index.js';

describe('error catalogue', () => {
  it('has prefixed, documented codes', () => {
    for (const [code, entry] of Object.entries(schemasErrorCatalogue)) {
      expect(code).toMatch(/^SCHEMAS_[A-Z_]+$/);
      expect(entry.description.length).toBeGreaterThan(10);
    }
  });

  it('builds errors carrying the code, status and retriable flag of their entry', () => {
    const error = new SchemasError('SCHEMAS_REGISTRY_FAILED', 'down', { context: { status: 503 } });
    expect(error).toMatchObject({
      code: 'SCHEMAS_REGISTRY_FAILED',
      status: 503,
      retriable: true,
      name: 'SchemasError',
    });
    expect(error.toJSON()).toEqual({ code: 'SCHEMAS_REGISTRY_FAILED', message: 'down' });
  });
});
