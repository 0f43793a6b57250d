import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineProject, mergeConfig, type UserWorkspaceConfig } from 'vitest/config';

/**
 * The vitest project settings every workspace shares: sources, not builds, so tests never need
 * a build first.
 * `needsStack` adds the global setup that makes sure Kafka, PostgreSQL, InfluxDB and the
 * registry answer (starting them when they do not).
 */
const globalSetupFile = fileURLToPath(new URL('./packages/testkit/src/global-setup.ts', import.meta.url));

/** Workspace packages resolve to their TypeScript sources (the `source` export condition). */
export const sourceConditions = {
  resolve: { conditions: ['source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
};

export function cellstreamProject(
  name: string,
  options: { needsStack?: boolean; overrides?: UserWorkspaceConfig } = {},
): UserWorkspaceConfig {
  const base = defineProject({
    ...sourceConditions,
    test: {
      name,
      include: ['test/**/*.test.ts', 'src/**/*.test.ts', '*.test.ts', '**/*.test.ts'],
      exclude: ['**/node_modules/**', '**/dist/**'],
      globalSetup: options.needsStack ? [globalSetupFile] : [],
      testTimeout: 30_000,
      hookTimeout: 120_000,
    },
  });
  return mergeConfig(base, options.overrides ?? {});
}
