import { describe, expect, it } from 'vitest';
import { commandLine, OptionsError, parseBenchOptions } from '../src/options.js';

describe('the bench flags', () => {
  it('defaults to the full benchmark of the issue', () => {
    const options = parseBenchOptions([]);
    expect(options).toMatchObject({
      mode: 'full',
      phases: ['components', 'kafka', 'e2e'],
      rate: 5_000,
      students: 10_000,
      classes: 250,
      durationSeconds: 300,
      flushIntervalMs: 1_000,
      ramp: { enabled: true, start: 1_250, factor: 1.5, stepSeconds: 60, maxSteps: 8 },
    });
  });

  it('has a quick form, and flags that shrink or select', () => {
    const quick = parseBenchOptions(['--quick', '--only', 'e2e,kafka', '--rate', '150', '--no-ramp']);
    expect(quick).toMatchObject({
      mode: 'quick',
      phases: ['kafka', 'e2e'],
      rate: 150,
      students: 600,
      durationSeconds: 20,
    });
    expect(quick.ramp.enabled).toBe(false);
    expect(quick.ramp.start).toBe(150);
    expect(parseBenchOptions(['--flush-interval', '0']).flushIntervalMs).toBe(0);
  });

  it('refuses what it cannot run', () => {
    for (const argv of [
      ['--only', 'everything'],
      ['--rate', '-3'],
      ['--students', '1.5'],
      ['--classes', '20', '--students', '10'],
      ['--ramp-factor', '1'],
      ['--bogus'],
    ]) {
      expect(() => parseBenchOptions(argv), argv.join(' ')).toThrow(OptionsError);
    }
  });

  it('prints the command without the output path (a path on this machine)', () => {
    expect(commandLine([])).toBe('npm run bench');
    expect(commandLine(['--quick', '--out', '/tmp/x', '--out=/y', '--only', 'e2e'])).toBe(
      'npm run bench -- --quick --only e2e',
    );
  });
});
