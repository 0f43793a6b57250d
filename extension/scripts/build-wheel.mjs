// Builds the pip-installable wheel (prebuilt extension + server extension) reproducibly, and
// only when its inputs changed: the wheel is cached under ~/.cache/cellstream by the hash of
// every input file, so repeated test runs (and fresh clones on the same machine) reuse it.
// Prints the wheel's path as its last line. Usage: node extension/scripts/build-wheel.mjs [--force]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, ensureVenv, extensionDir, venvBin } from './python-env.mjs';

const INPUTS = [
  'src',
  'schema',
  'style',
  'cellstream_jupyter',
  'jupyter-config',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'pyproject.toml',
  'install.json',
  'README.md',
  'requirements.txt',
  'scripts',
];
/** Wheels of earlier sources kept in the cache (the newest ones), for switching branches. */
const KEEP_WHEELS = 3;
/** Not part of what gets built. */
const IGNORED = /(^|\/)(labextension|__pycache__)(\/|$)|\.test\.ts$|(^|\/)testing\.ts$/;

function files(path) {
  const full = join(extensionDir, path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full)
    .sort()
    .flatMap((name) => files(join(path, name)));
}

export function inputsHash() {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap(files).filter((file) => !IGNORED.test(file))) {
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(extensionDir, file)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function run(command, args, env = {}) {
  const result = spawnSync(command, args, {
    cwd: extensionDir,
    stdio: ['ignore', 2, 'inherit'],
    env: { ...process.env, ...env },
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status ?? result.signal ?? result.error})`,
    );
  }
}

/** npm ci in extension/ when node_modules is missing or older than the lock file. */
export function ensureNodeModules() {
  const installed = join(extensionDir, 'node_modules', '.package-lock.json');
  const lock = join(extensionDir, 'package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  process.stderr.write('[extension] installing npm dependencies (npm ci)…\n');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function pruneCache(dir) {
  const builds = readdirSync(dir)
    .filter((name) => name.startsWith('cellstream_jupyter-'))
    .map((name) => ({ name, at: statSync(join(dir, name)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const old of builds.slice(KEEP_WHEELS)) rmSync(join(dir, old.name), { recursive: true, force: true });
}

export function buildWheel({ force = false } = {}) {
  const hash = inputsHash();
  const cacheDir = join(cacheRoot(), 'wheels', `cellstream_jupyter-${hash}`);
  const cached = existsSync(cacheDir)
    ? readdirSync(cacheDir).find((name) => name.endsWith('.whl'))
    : undefined;
  if (cached && !force) return join(cacheDir, cached);

  const started = Date.now();
  process.stderr.write(`[extension] building the wheel (inputs ${hash})…\n`);
  ensureVenv();
  ensureNodeModules();
  const venvPython = venvBin('python');
  rmSync(join(extensionDir, 'cellstream_jupyter', 'labextension'), { recursive: true, force: true });
  run(process.execPath, [join(extensionDir, 'scripts', 'build-labextension.mjs')], {
    CELLSTREAM_PYTHON: venvPython,
  });
  const outDir = join(extensionDir, 'dist');
  rmSync(outDir, { recursive: true, force: true });
  // No build isolation: the venv already has hatchling and the builder plugin (no downloads);
  // the hook finds the labextension built above and skips its own npm build.
  run(
    venvPython,
    [
      '-m',
      'pip',
      'wheel',
      '--no-deps',
      '--no-build-isolation',
      '--disable-pip-version-check',
      '-w',
      outDir,
      '.',
    ],
    // A fixed timestamp in the archive: the same inputs give the same bytes.
    { SOURCE_DATE_EPOCH: '1700000000' },
  );
  const wheel = readdirSync(outDir).find((name) => name.endsWith('.whl'));
  if (!wheel) throw new Error(`no wheel in ${outDir}`);
  rmSync(cacheDir, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  copyFileSync(join(outDir, wheel), join(cacheDir, wheel));
  pruneCache(join(cacheRoot(), 'wheels'));
  process.stderr.write(
    `[extension] built ${relative(extensionDir, join(outDir, wheel))} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return join(cacheDir, wheel);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${buildWheel({ force: process.argv.includes('--force') })}\n`);
}
