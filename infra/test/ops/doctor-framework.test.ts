import { describe, expect, it } from 'vitest';
import { dependenciesDown } from '../../src/ops/doctor/checks-apps.js';
import { type Check, ok, problem, runChecks } from '../../src/ops/doctor/framework.js';
import { formatReport } from '../../src/ops/doctor/report.js';

const broken = problem('down', [{ what: 'kafka does not answer', fix: 'npm run stack -- up' }]);

describe('doctor checks', () => {
  it('skips a check whose need failed, so a root cause is reported once', async () => {
    let ranTopics = false;
    const checks: Check[] = [
      { id: 'kafka', title: 'kafka', run: async () => broken },
      {
        id: 'topics',
        title: 'topics',
        needs: ['kafka'],
        run: async () => {
          ranTopics = true;
          return ok('fine');
        },
      },
    ];
    const findings = await runChecks(checks, { timeoutMs: 1_000 });
    expect(findings.map((f) => [f.id, f.status])).toEqual([
      ['kafka', 'problem'],
      ['topics', 'skipped'],
    ]);
    expect(findings[1]?.summary).toBe('not checked: kafka is not ok');
    expect(ranTopics).toBe(false);
  });

  it('runs checks concurrently and turns one that hangs into a problem at the deadline', async () => {
    const started = Date.now();
    const findings = await runChecks(
      [
        { id: 'slow', title: 'slow', run: () => new Promise(() => {}) },
        { id: 'also-slow', title: 'also slow', run: () => new Promise(() => {}) },
        { id: 'fast', title: 'fast', run: async () => ok('fine') },
      ],
      { timeoutMs: 300 },
    );
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(findings.map((f) => f.status)).toEqual(['problem', 'problem', 'ok']);
    expect(findings[0]?.problems[0]?.what).toMatch(/did not finish within 300 ms/);
  });

  it('reports a check that throws as a problem naming the error', async () => {
    const [finding] = await runChecks(
      [{ id: 'x', title: 'x', run: async () => Promise.reject(new Error('boom')) }],
      { timeoutMs: 1_000 },
    );
    expect(finding?.status).toBe('problem');
    expect(finding?.problems[0]?.what).toBe('x: boom');
  });

  it('lets a check look at another one without needing it', async () => {
    const findings = await runChecks(
      [
        { id: 'kafka', title: 'kafka', run: async () => broken },
        {
          id: 'app',
          title: 'app',
          run: async (context) =>
            (await context.outcome('kafka')).status === 'ok' ? broken : ok('kafka is the cause'),
        },
      ],
      { timeoutMs: 1_000 },
    );
    expect(findings[1]?.summary).toBe('kafka is the cause');
  });

  it('prints each problem with its fix, and a closing line', () => {
    const text = formatReport(
      [
        { id: 'kafka', title: 'kafka', elapsedMs: 3, ...broken },
        { id: 'topics', title: 'topics', elapsedMs: 0, ...ok('6 topics') },
      ],
      'header',
    );
    expect(text).toContain('PROBLEM  kafka   down');
    expect(text).toContain('- kafka does not answer');
    expect(text).toContain('fix: npm run stack -- up');
    expect(text).toContain('OK       topics  6 topics');
    expect(text.trimEnd().split('\n').at(-1)).toBe('1 of 2 checks found problems: kafka.');
  });

  it("reads the dependencies down from each app's /ready body", () => {
    expect(
      dependenciesDown('{"dependencies":{"kafka":{"status":"down"},"registry":{"status":"up"}}}'),
    ).toEqual(['kafka']);
    expect(
      dependenciesDown('{"dependencies":{"kafka":"not joined","state":"restoring","registry":"up"}}'),
    ).toEqual(['kafka', 'state']);
    expect(dependenciesDown('not json')).toEqual([]);
  });
});
