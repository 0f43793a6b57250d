import { defineConfig } from 'vitest/config';
import { sourceConditions } from './vitest.shared.js';

/** `npm test` runs every workspace's tests in one vitest run; each workspace has its own config. */
export default defineConfig({
  ...sourceConditions,
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      '{schemas,infra,tests,bench}/vitest.config.ts',
      // Not an npm workspace (its own package.json and lock file): listed by name.
      'extension/vitest.config.ts',
    ],
  },
});
