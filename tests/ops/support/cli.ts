import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** Starts one of the operations CLIs (infra/src/ops/<tool>.ts) as `npm run <tool>` does, with `env`. */
export function startOpsCli(
  tool: 'doctor' | 'dlq' | 'lag',
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; done: Promise<CliResult> } {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', `infra/src/ops/${tool}.ts`, ...args],
    { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const done = new Promise<CliResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, elapsedMs: Date.now() - started }));
  });
  return { child, done };
}

/** Runs one of the operations CLIs to its end. */
export function runOpsCli(
  tool: 'doctor' | 'dlq' | 'lag',
  args: string[],
  env: Record<string, string>,
): Promise<CliResult> {
  return startOpsCli(tool, args, env).done;
}

/** Runs a command line through the shell from the repository root: the doctor's fixes, as printed. */
export function runShell(command: string, env: Record<string, string>): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, elapsedMs: Date.now() - started }));
  });
}

export interface DoctorFinding {
  id: string;
  title: string;
  status: 'ok' | 'problem' | 'skipped';
  summary: string;
  problems: { what: string; fix: string }[];
}

export interface DoctorReport {
  code: number | null;
  ok: boolean;
  elapsedMs: number;
  findings: DoctorFinding[];
  /** Ids of the checks that found a problem, sorted. */
  problemIds: string[];
  /** Every problem as `what` + `fix`, for failure messages. */
  text: string;
}

export async function runDoctor(env: Record<string, string>): Promise<DoctorReport> {
  const result = await runOpsCli('doctor', ['--json'], env);
  let parsed: { ok: boolean; findings: DoctorFinding[] };
  try {
    parsed = JSON.parse(result.stdout) as typeof parsed;
  } catch {
    throw new Error(`doctor printed no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  const problems = parsed.findings.filter((finding) => finding.status === 'problem');
  return {
    code: result.code,
    ok: parsed.ok,
    elapsedMs: result.elapsedMs,
    findings: parsed.findings,
    problemIds: problems.map((finding) => finding.id).sort(),
    text: problems
      .flatMap((finding) => finding.problems.map((p) => `[${finding.id}] ${p.what}\n    fix: ${p.fix}`))
      .join('\n'),
  };
}

export function finding(report: DoctorReport, id: string): DoctorFinding {
  const found = report.findings.find((entry) => entry.id === id);
  if (!found) throw new Error(`no finding ${id}`);
  return found;
}
