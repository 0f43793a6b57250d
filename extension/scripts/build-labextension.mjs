// `npm run build:prod`: compiles the TypeScript and builds the prebuilt (federated) extension
// into cellstream_jupyter/labextension with the `jupyter` of the Python environment (PATH, or
// CELLSTREAM_PYTHON's). The core package file comes from that environment's jupyterlab, so
// the build matches the JupyterLab it targets without fetching anything.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const extensionDir = fileURLToPath(new URL('..', import.meta.url));
const python = process.env.CELLSTREAM_PYTHON ?? 'python';

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, {
    cwd: extensionDir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env,
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const core = spawnSync(
  python,
  [
    '-c',
    "import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), 'staging', 'package.json'))",
  ],
  { encoding: 'utf8' },
);
if (core.status !== 0) {
  process.stderr.write(`${python} has no jupyterlab: ${core.stderr}\n`);
  process.exit(1);
}
run(process.execPath, [
  join(extensionDir, 'node_modules', 'typescript', 'bin', 'tsc'),
  '-p',
  'tsconfig.json',
]);
// `jupyter labextension build` runs `jupyter-builder` from PATH: the environment's bin first.
const pythonBin = spawnSync(python, ['-c', 'import sys, os; print(os.path.dirname(sys.executable))'], {
  encoding: 'utf8',
}).stdout.trim();
const env = { ...process.env, PATH: `${pythonBin}:${process.env.PATH ?? ''}` };
run(
  python,
  [
    '-m',
    'jupyterlab.labextensions',
    'build',
    '--core-package-file',
    core.stdout.trim(),
    ...(process.argv.includes('--development') ? ['--development', 'True'] : []),
    '.',
  ],
  env,
);
