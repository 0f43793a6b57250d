import { describe, expect, it } from 'vitest';
import { errorCatalogue, LmsError } from '../src/errors.js';

describe('error catalogue', () => {
  const entries = Object.entries(errorCatalogue);

  it('has unique, well-formed codes, each with an error status and a description', () => {
    const codes = entries.map(([code]) => code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [code, entry] of entries) {
      expect(code).toMatch(/^(LMS|AUTH)_[A-Z_]+$/);
      expect(entry.status).toBeGreaterThanOrEqual(400);
      expect(entry.status).toBeLessThan(600);
      expect(entry.description.length).toBeGreaterThan(10);
    }
  });

  it('includes the token codes @cellstream/shared throws, with the same status', () => {
    for (const code of ['AUTH_TOKEN_MISSING', 'AUTH_TOKEN_INVALID', 'AUTH_TOKEN_EXPIRED'] as const) {
      expect(errorCatalogue[code].status).toBe(401);
    }
  });

  it('builds errors with the status of their code; only 503s are retriable', () => {
    const conflict = new LmsError('LMS_CONFLICT', 'taken');
    expect(conflict).toMatchObject({ code: 'LMS_CONFLICT', status: 409, retriable: false });
    expect(conflict.toJSON()).toEqual({ code: 'LMS_CONFLICT', message: 'taken' });
    expect(new LmsError('LMS_DATABASE_UNAVAILABLE', 'down').retriable).toBe(true);
  });
});
