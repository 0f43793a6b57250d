import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { renderTopicsDoc } from './lib/docs.js';
import { loadCurrentSchemas, paths } from './lib/files.js';

/** Writes docs/topics.md at the repository root. Run: npm run docs -w @cellstream/schemas */
mkdirSync(dirname(paths.topicsDoc), { recursive: true });
writeFileSync(paths.topicsDoc, renderTopicsDoc(loadCurrentSchemas()));
console.log(`wrote ${paths.topicsDoc}`);
