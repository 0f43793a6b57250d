import type { Finding } from './framework.js';

const label = { ok: 'OK', problem: 'PROBLEM', skipped: 'SKIPPED' } as const;

/** The doctor's report for people: one line per check, then each problem with its fix. */
export function formatReport(findings: readonly Finding[], header: string): string {
  const width = Math.max(...findings.map((finding) => finding.title.length));
  const lines = [header, ''];
  for (const finding of findings) {
    lines.push(`${label[finding.status].padEnd(8)} ${finding.title.padEnd(width)}  ${finding.summary}`);
    for (const item of finding.problems) {
      lines.push(`${' '.repeat(9 + width + 2)}- ${item.what}`);
      for (const [index, command] of item.fix.split('\n').entries()) {
        lines.push(`${' '.repeat(9 + width + 4)}${index === 0 ? 'fix: ' : '     '}${command}`);
      }
    }
  }
  const problems = findings.filter((finding) => finding.status === 'problem');
  lines.push(
    '',
    problems.length === 0
      ? 'All checks passed.'
      : `${problems.length} of ${findings.length} checks found problems: ${problems.map((f) => f.title).join(', ')}.`,
  );
  return `${lines.join('\n')}\n`;
}
