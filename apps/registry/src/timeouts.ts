import { RegistryError } from './errors.js';

/** Rejects with OPERATION_TIMEOUT (50002) when `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  if (!Number.isFinite(ms)) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(operationTimeout(what, ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const operationTimeout = (what: string, ms: number) =>
  new RegistryError('OPERATION_TIMEOUT', `Operation timed out after ${ms} ms: ${what}`);
