// The Python environment that builds the wheel and runs JupyterLab in the end-to-end test:
// a venv under ~/.cache/cellstream, named by the hash of requirements.txt, so it is made once
// per machine (and again only when the pins change). Plain Node: it runs before any install.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const extensionDir = fileURLToPath(new URL('..', import.meta.url));
const requirements = join(extensionDir, 'requirements.txt');

export function cacheRoot() {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cellstream');
}

export function venvDir() {
  const hash = createHash('sha256').update(readFileSync(requirements)).digest('hex').slice(0, 12);
  return join(cacheRoot(), `jupyter-venv-${hash}`);
}

export const venvBin = (name) => join(venvDir(), 'bin', name);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status ?? result.signal ?? result.error})`,
    );
  }
}

/** Creates the venv when missing or half-made; returns its directory. */
export function ensureVenv(log = (line) => process.stderr.write(`${line}\n`)) {
  const dir = venvDir();
  const marker = join(dir, '.cellstream-complete');
  if (existsSync(marker)) return dir;
  const python = process.env.CELLSTREAM_PYTHON ?? 'python3';
  const started = Date.now();
  log(`[deps] creating the JupyterLab environment ${dir} (pip; about a minute the first time)…`);
  rmSync(dir, { recursive: true, force: true });
  run(python, ['-m', 'venv', dir]);
  run(join(dir, 'bin', 'python'), [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    '-r',
    requirements,
  ]);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  log(`[deps] JupyterLab environment ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${ensureVenv()}\n`);
}
