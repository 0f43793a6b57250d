import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { eventually, freePort } from '@cellstream/testkit';

const run = promisify(execFile);
const scripts = fileURLToPath(new URL('../scripts/', import.meta.url));

/**
 * Builds the wheel (cached by the hash of its sources) and installs it into the cached
 * JupyterLab environment, as a JupyterHub admin would: `pip install cellstream_jupyter-*.whl`.
 * Returns the environment's directory.
 */
export async function installWheel(): Promise<{ venv: string; wheel: string }> {
  const build = await run(process.execPath, [join(scripts, 'build-wheel.mjs')], {
    maxBuffer: 64 * 1024 * 1024,
    timeout: 600_000,
  });
  const wheel = build.stdout.trim().split('\n').at(-1) ?? '';
  const env = await run(process.execPath, [join(scripts, 'python-env.mjs')], { timeout: 600_000 });
  const venv = env.stdout.trim().split('\n').at(-1) ?? '';
  await run(
    join(venv, 'bin', 'python'),
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--no-deps',
      '--force-reinstall',
      wheel,
    ],
    { timeout: 300_000 },
  );
  return { venv, wheel };
}

export async function labextensionList(venv: string): Promise<string> {
  const { stdout, stderr } = await run(join(venv, 'bin', 'jupyter'), ['labextension', 'list']);
  return stdout + stderr;
}

/**
 * A real JupyterLab server on a free port, with a token, its own root, settings and runtime
 * folders (so nothing of the machine's user leaks in), and the CELLSTREAM_* presets a
 * JupyterHub spawner would set.
 */
export class JupyterLab {
  output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly token: string,
    readonly root: string,
    private readonly home: string,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-30_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(venv: string, port: number, presets: Record<string, string>): Promise<JupyterLab> {
    const home = await mkdtemp(join(tmpdir(), 'cellstream-jupyter-'));
    const root = join(home, 'work');
    await mkdir(root, { recursive: true });
    const token = `e2e-${Math.random().toString(36).slice(2)}`;
    const child = spawn(
      join(venv, 'bin', 'jupyter'),
      [
        'lab',
        '--no-browser',
        `--port=${port}`,
        '--ServerApp.ip=127.0.0.1',
        '--ServerApp.port_retries=0',
        // CI runs as root.
        '--ServerApp.allow_root=True',
        `--IdentityProvider.token=${token}`,
        `--ServerApp.root_dir=${root}`,
        '--LabApp.expose_app_in_browser=True',
        '--LabApp.news_url=None',
        '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          ...presets,
          HOME: home,
          JUPYTER_CONFIG_DIR: join(home, 'config'),
          JUPYTER_RUNTIME_DIR: join(home, 'runtime'),
          JUPYTERLAB_SETTINGS_DIR: join(home, 'settings'),
          JUPYTERLAB_WORKSPACES_DIR: join(home, 'workspaces'),
          IPYTHONDIR: join(home, 'ipython'),
          PYDEVD_DISABLE_FILE_VALIDATION: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lab = new JupyterLab(child, port, token, root, home);
    process.once('exit', () => child.kill('SIGKILL'));
    // Fails at once when the server exits (eventually() would keep retrying until its timeout).
    const exited = once(child, 'exit').then(([code]) => {
      throw new Error(`jupyter lab exited (${code})`);
    });
    exited.catch(() => undefined);
    try {
      const ready = eventually(
        async () => {
          const response = await fetch(`${lab.url}/api/status?token=${token}`, {
            signal: AbortSignal.timeout(2_000),
          }).catch(() => undefined);
          await response?.body?.cancel();
          return response?.ok ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 250, what: `JupyterLab on port ${port}` },
      );
      await Promise.race([ready, exited]);
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}\n--- jupyter output ---\n${lab.output}`, { cause: error });
    }
    return lab;
  }

  static async freePort(): Promise<number> {
    return freePort();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get origin(): string {
    return this.url;
  }

  async writeNotebook(name: string, sources: string[]): Promise<void> {
    const notebook = {
      cells: sources.map((source, index) => ({
        cell_type: 'code',
        execution_count: null,
        id: `cell-${index + 1}`,
        metadata: {},
        outputs: [],
        source,
      })),
      metadata: {
        kernelspec: { display_name: 'Python 3 (ipykernel)', language: 'python', name: 'python3' },
        language_info: { name: 'python' },
      },
      nbformat: 4,
      nbformat_minor: 5,
    };
    await writeFile(join(this.root, name), JSON.stringify(notebook, null, 1));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.home, { recursive: true, force: true });
  }
}
