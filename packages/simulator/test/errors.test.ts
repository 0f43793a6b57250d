import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCatalogue, SimulatorError, type SimulatorErrorCode } from '../src/errors.js';

const codes = Object.keys(errorCatalogue) as SimulatorErrorCode[];

describe('the error catalogue', () => {
  it('has unique SIM_ codes, each documented in README.md', () => {
    expect(new Set(codes).size).toBe(codes.length);
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const code of codes) {
      expect(code).toMatch(/^SIM_[A-Z_]+$/);
      expect(readme, `${code} is not in README.md`).toContain(`\`${code}\``);
    }
  });

  it('gives each error the retriable flag of its code', () => {
    for (const code of codes) {
      const error = new SimulatorError(code, 'x', { retryAfterMs: 5 });
      expect(error.retriable).toBe(errorCatalogue[code].retriable);
      expect(error.retryAfterMs).toBe(5);
      expect(error.toJSON()).toEqual({ code, message: 'x' });
    }
  });
});
