import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { avroDirectory, listAvroSchemaNames, readAvroSchemaFile } from '../../src/avro.js';
import type { AvroRecordSchema } from '../../src/avro-model.js';

/** Where the scripts read and write, relative to this file so they run from any directory. */
export const paths = {
  avro: avroDirectory,
  released: fileURLToPath(new URL('../../released/', import.meta.url)),
  generatedTypes: fileURLToPath(new URL('../../src/generated/types.gen.ts', import.meta.url)),
  topicsDoc: fileURLToPath(new URL('../../../docs/topics.md', import.meta.url)),
};

/** Every `.avsc` file of `directory`, checked and sorted by name. */
export function loadSchemas(directory: string): AvroRecordSchema[] {
  return listAvroSchemaNames(directory).map((name) => readAvroSchemaFile(join(directory, `${name}.avsc`)));
}

export function loadCurrentSchemas(): AvroRecordSchema[] {
  return loadSchemas(paths.avro);
}
