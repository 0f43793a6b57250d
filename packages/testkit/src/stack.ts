import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Makes sure the local stack answers, starting it when it does not, through the same CLI a
 * person uses (`npm run stack -- up`). Idempotent and cheap when the stack is already up: each
 * service only probes. Kept free of workspace imports so vitest's global setup can load it.
 */
export function ensureStack(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'stack', '--', 'up'], { cwd: repoRoot, stdio: 'inherit' });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`the local stack did not come up (exit ${code}); see above`)),
    );
  });
}
