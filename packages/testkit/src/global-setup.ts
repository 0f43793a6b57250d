import { ensureStack } from './stack.js';

/** Vitest global setup for suites that need the real stack. */
export default async function setup(): Promise<void> {
  await ensureStack();
}
