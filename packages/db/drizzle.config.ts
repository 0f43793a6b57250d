import { defineConfig } from 'drizzle-kit';

/** `npx drizzle-kit generate` (in packages/db) writes a new migration after a change to the schema. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema.ts',
  out: './drizzle',
  strict: true,
  verbose: true,
});
