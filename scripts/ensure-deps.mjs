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

// The JupyterLab extension is not a workspace (a JupyterLab extension keeps its own lock file):
// its npm dependencies, and for `npm test` the cached Python environment its end-to-end test
// runs JupyterLab in (extension/scripts/python-env.mjs).
const extensionDir = `${root}extension/`;
const extensionLock = `${extensionDir}package-lock.json`;
if (existsSync(extensionLock)) {
  const extensionInstalled = `${extensionDir}node_modules/.package-lock.json`;
  if (
    !existsSync(extensionInstalled) ||
    statSync(extensionInstalled).mtimeMs < statSync(extensionLock).mtimeMs
  ) {
    process.stderr.write('[deps] installing the extension’s npm dependencies (npm ci in extension/)…\n');
    const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
      cwd: extensionDir,
      stdio: 'inherit',
    });
    if (result.status !== 0) {
      process.stderr.write('[deps] npm ci in extension/ failed; see the output above\n');
      process.exit(result.status ?? 1);
    }
  }
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: npm sets it; it only decides what to install
  if (process.env.npm_lifecycle_event === 'test') {
    const { ensureVenv } = await import('../extension/scripts/python-env.mjs');
    try {
      ensureVenv();
    } catch (error) {
      process.stderr.write(`[deps] ${error.message}\n`);
      process.exit(1);
    }
  }
}
