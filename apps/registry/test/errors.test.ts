import { describe, expect, it } from 'vitest';
import { errorCatalogue, httpStatusOf, RegistryError } from '../src/errors.js';

describe('error catalogue', () => {
  const entries = Object.entries(errorCatalogue);

  it('has unique codes and unique Confluent error codes', () => {
    const codes = entries.map(([, entry]) => entry.code);
    const errorCodes = entries.map(([, entry]) => entry.errorCode);
    expect(new Set(codes).size).toBe(codes.length);
    expect(new Set(errorCodes).size).toBe(errorCodes.length);
  });

  it('names every code REG_<kind>', () => {
    for (const [kind, entry] of entries) expect(entry.code).toBe(`REG_${kind}`);
  });

  it('maps Confluent error codes to their HTTP status (first three digits)', () => {
    expect(httpStatusOf(40401)).toBe(404);
    expect(httpStatusOf(409)).toBe(409);
    expect(httpStatusOf(42203)).toBe(422);
    expect(httpStatusOf(50002)).toBe(500);
    for (const [, entry] of entries) expect(httpStatusOf(entry.errorCode)).toBeGreaterThanOrEqual(400);
  });

  it('answers with the body Confluent clients read', () => {
    const error = new RegistryError('SUBJECT_NOT_FOUND', "Subject 'x' not found.");
    expect(error.status).toBe(404);
    expect(error.code).toBe('REG_SUBJECT_NOT_FOUND');
    expect(error.toBody()).toEqual({ error_code: 40401, message: "Subject 'x' not found." });
    expect(new RegistryError('OPERATION_TIMEOUT', 'slow').retriable).toBe(true);
  });
});
