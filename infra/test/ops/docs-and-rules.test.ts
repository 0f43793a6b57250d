import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * docs/metrics.md lists every metric the apps export, and the Prometheus rules are valid,
 * use only documented metrics and link to entries of docs/troubleshooting.md that exist: a
 * metric added, renamed or removed in an app fails here until the docs follow.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory())
      return entry === 'node_modules' || entry === 'dist' ? [] : sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

/** Metric names declared in the apps: `name: '...'` in files that use prom-client, and the registry's table of counters. */
function exportedMetrics(): Set<string> {
  const names = new Set<string>();
  for (const app of readdirSync(join(root, 'apps'))) {
    const src = join(root, 'apps', app, 'src');
    if (!statSync(src, { throwIfNoEntry: false })?.isDirectory()) continue;
    for (const file of sourceFiles(src)) {
      const text = readFileSync(file, 'utf8');
      if (!text.includes("from 'prom-client'")) continue;
      for (const match of text.matchAll(/name: '([a-z][a-z0-9_]*)'/g)) names.add(match[1] as string);
      for (const match of text.matchAll(
        /: '((?:registry|ingest|persister|aggregator|realtime)_[a-z0-9_]+)'/g,
      )) {
        names.add(match[1] as string);
      }
    }
  }
  return names;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      (m[1] as string)
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replaceAll(' ', '-'),
    ),
  );
}

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string; description: string; runbook_url: string };
}

describe('docs/metrics.md', () => {
  it('documents every metric the apps export', () => {
    const documented = read('docs/metrics.md');
    const exported = exportedMetrics();
    expect(exported.size).toBeGreaterThan(40);
    const missing = [...exported].filter((name) => !documented.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});

describe('infra/prometheus/cellstream-alerts.yml', () => {
  const file = parse(read('infra/prometheus/cellstream-alerts.yml')) as {
    groups: { name: string; rules: Rule[] }[];
  };
  const rules = file.groups.flatMap((group) => group.rules);
  const documented = read('docs/metrics.md');

  it('is a rules file: named groups of alerts, each with an expression, a severity and a runbook', () => {
    expect(file.groups.map((group) => group.name)).toEqual(['cellstream-urgent', 'cellstream-degraded']);
    const names = rules.map((rule) => rule.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of rules) {
      expect(Object.keys(rule).sort(), rule.alert).toEqual(
        rule.for === undefined
          ? ['alert', 'annotations', 'expr', 'labels']
          : ['alert', 'annotations', 'expr', 'for', 'labels'],
      );
      expect(rule.alert).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(['critical', 'warning']).toContain(rule.labels.severity);
      if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+[smh]$/);
      expect(rule.annotations.summary.length).toBeGreaterThan(10);
      expect(rule.annotations.description.length).toBeGreaterThan(10);
      expect(balanced(rule.expr), `${rule.alert}: unbalanced brackets in ${rule.expr}`).toBe(true);
    }
    const urgent = file.groups[0]?.rules ?? [];
    expect(urgent.every((rule) => rule.labels.severity === 'critical')).toBe(true);
  });

  it('uses only metrics that docs/metrics.md documents', () => {
    for (const rule of rules) {
      // Label matchers and `by (...)` hold label names, not metrics.
      const bare = rule.expr.replace(/\{[^}]*\}/g, '').replace(/\bby \([^)]*\)/g, '');
      const metrics = [...bare.matchAll(/\b(up|[a-z]+_[a-z0-9_]+)\b/g)].map((m) => m[1] as string);
      expect(metrics.length, rule.alert).toBeGreaterThan(0);
      for (const metric of metrics) {
        const base = metric.replace(/_(count|sum|bucket)$/, '');
        if (metric === 'up') continue;
        expect(
          documented.includes(`\`${metric}\``) || documented.includes(`\`${base}\``),
          `${rule.alert}: ${metric}`,
        ).toBe(true);
      }
    }
  });

  it('links every alert to an entry of docs/troubleshooting.md', () => {
    const headings = anchors(read('docs/troubleshooting.md'));
    for (const rule of rules) {
      const [path, anchor] = rule.annotations.runbook_url.split('#');
      expect(path, rule.alert).toBe('docs/troubleshooting.md');
      expect([...headings], rule.alert).toContain(anchor);
    }
  });
});

function balanced(expr: string): boolean {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: string[] = [];
  let quoted = false;
  for (const char of expr) {
    if (char === '"') quoted = !quoted;
    if (quoted) continue;
    if ('([{'.includes(char)) stack.push(char);
    else if (char in pairs && stack.pop() !== pairs[char]) return false;
  }
  return stack.length === 0 && !quoted;
}
