import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Formats a generated file the way `biome format` will (biome formats Markdown
 * too, aligning tables), so the committed output is stable under the repo's formatter.
 * `path` is where the file lives, relative to the repository root, for biome's settings.
 */
export function formatWithBiome(text: string, path: string): string {
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  return execFileSync(process.execPath, [biome, 'format', `--stdin-file-path=${path}`], {
    cwd: repositoryRoot,
    input: text,
    encoding: 'utf8',
  });
}
