import { readFileSync } from 'node:fs';

/** The package version, read once: `../package.json` is the same file from `src/` and `dist/`. */
export const version: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
