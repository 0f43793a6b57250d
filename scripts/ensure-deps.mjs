// Installs the workspace's npm dependencies when they are missing or older than the lock file,
// so `npm start` and `npm test` work on a fresh clone. Plain Node: it runs before any install.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const lock = `${root}package-lock.json`;
const installed = `${root}node_modules/.package-lock.json`;

const stale = !existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  process.stderr.write('[deps] installing npm dependencies (npm ci)…\n');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write('[deps] npm ci failed; see the output above\n');
    process.exit(result.status ?? 1);
  }
}
