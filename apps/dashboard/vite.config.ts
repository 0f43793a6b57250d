import { defineConfig } from 'vite';

/**
 * The dashboard is a plain Vite app: preact's automatic JSX runtime through oxc (Vite 8's
 * transformer), so no framework preset is needed. `npm run dev` proxies the API to a local
 * lms-api; the build goes to dist/, which lms-api serves at `/`.
 */
const lmsUrl = process.env.LMS_URL ?? 'http://127.0.0.1:8001';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  server: {
    proxy: {
      '/api': lmsUrl,
      '/dashboard-config.json': lmsUrl,
    },
  },
});
