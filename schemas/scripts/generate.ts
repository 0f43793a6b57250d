import { writeFileSync } from 'node:fs';
import { renderTypes } from './lib/codegen.js';
import { loadCurrentSchemas, paths } from './lib/files.js';

/** Writes src/generated/types.gen.ts from avro/*.avsc. Run: npm run generate -w @cellstream/schemas */
writeFileSync(paths.generatedTypes, renderTypes(loadCurrentSchemas()));
console.log(`wrote ${paths.generatedTypes}`);
