import { describe, expect, it } from 'vitest';
import { SimulatorError } from '../src/errors.js';
import { parseCliOptions } from '../src/options.js';

describe('the command line', () => {
  it('has the defaults of the local stack', () => {
    const { simulation, json, help } = parseCliOptions([], {});
    expect(simulation).toMatchObject({
      classes: 1,
      students: 20,
      rate: 20,
      durationSeconds: 60,
      lmsUrl: 'http://127.0.0.1:8001',
      ingestUrl: 'http://127.0.0.1:8000',
      adminUser: 'admin',
      adminPassword: 'cellstream-admin',
      classCodePrefix: 'SIM',
      demo: false,
    });
    expect(simulation.seed).toMatch(/^\d+$/);
    expect(json).toBe(false);
    expect(help).toBe(false);
  });

  it('reads every flag, and the admin from the environment unless given', () => {
    const argv = [
      '--classes',
      '250',
      '--students',
      '10000',
      '--rate',
      '5000',
      '--duration',
      '0',
      '--lms',
      'http://lms:9001',
      '--ingest',
      'http://ingest:9000',
      '--class-code-prefix',
      'LOAD',
      '--seed',
      '42',
      '--stuck-share',
      '0.2',
      '--error-rate',
      '0.1',
      '--max-in-flight',
      '128',
      '--flush-interval',
      '250',
      '--json',
    ];
    const { simulation, json } = parseCliOptions(argv, {
      ADMIN_USERNAME: 'root',
      ADMIN_PASSWORD: 'secret-pw',
    });
    expect(simulation).toMatchObject({
      classes: 250,
      students: 10_000,
      rate: 5_000,
      durationSeconds: 0,
      lmsUrl: 'http://lms:9001',
      ingestUrl: 'http://ingest:9000',
      adminUser: 'root',
      adminPassword: 'secret-pw',
      classCodePrefix: 'LOAD',
      seed: '42',
      behaviour: { stuckShare: 0.2, errorRate: 0.1 },
      maxInFlight: 128,
      flushIntervalMs: 250,
    });
    expect(json).toBe(true);
    const explicit = parseCliOptions(['--admin-user', 'a', '--admin-password', 'b'], {
      ADMIN_USERNAME: 'root',
    });
    expect(explicit.simulation).toMatchObject({ adminUser: 'a', adminPassword: 'b' });
  });

  it('uses the demo class with its 8 students by default under --demo', () => {
    const { simulation } = parseCliOptions(['--demo', '--rate', '5', '--duration', '0'], {});
    expect(simulation).toMatchObject({ demo: true, classes: 1, students: 8, rate: 5, durationSeconds: 0 });
  });

  it('refuses bad flags with SIM_OPTIONS_INVALID', () => {
    for (const argv of [
      ['--rate', '0'],
      ['--classes', 'two'],
      ['--bogus'],
      ['--lms', 'nope'],
      ['--class-code-prefix', '-x'],
    ]) {
      expect(() => parseCliOptions(argv, {}), argv.join(' ')).toThrow(SimulatorError);
      try {
        parseCliOptions(argv, {});
      } catch (error) {
        expect((error as SimulatorError).code).toBe('SIM_OPTIONS_INVALID');
      }
    }
  });
});
