import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadAggregatorConfig, ruleSettings } from '../../src/config.js';
import { errorCatalogue } from '../../src/errors.js';

describe('configuration', () => {
  it('defaults to the contract topics, the aggregator group and the local stack', () => {
    const config = loadAggregatorConfig({});
    expect(config).toMatchObject({
      AGGREGATOR_PORT: 8004,
      AGGREGATOR_GROUP_ID: 'aggregator',
      EVENTS_TOPIC: 'learning.events.v1',
      CLASS_AGGREGATES_TOPIC: 'learning.class-aggregates.v1',
      STUDENT_STATUS_TOPIC: 'learning.student-status.v1',
      ALERTS_TOPIC: 'learning.alerts.v1',
      EVENTS_DLQ_TOPIC: 'learning.events.dlq.v1',
      AGGREGATOR_STATE_TOPIC: 'aggregator.state.v1',
      AGGREGATOR_TRANSACTIONAL_ID_PREFIX: 'aggregator',
      EMIT_INTERVAL_MS: 250,
      ALLOWED_LATENESS_MS: 60_000,
      IDLE_AFTER_MS: 300_000,
      STUCK_CONSECUTIVE_ERRORS: 3,
      STUCK_FAILING_MS: 300_000,
    });
  });

  it('prefixes every topic and names the changelog after the group', () => {
    const config = loadAggregatorConfig({ TOPIC_PREFIX: 'staging.', AGGREGATOR_GROUP_ID: 'agg-2' });
    expect(config.EVENTS_TOPIC).toBe('staging.learning.events.v1');
    expect(config.AGGREGATOR_STATE_TOPIC).toBe('staging.agg-2.state.v1');
    expect(config.AGGREGATOR_TRANSACTIONAL_ID_PREFIX).toBe('agg-2');
  });

  it('fails fast on a topic that is not the contract topic, or a lateness longer than the idle threshold', () => {
    expect(() => loadAggregatorConfig({ CLASS_AGGREGATES_TOPIC: 'aggregates' })).toThrow(
      /CLASS_AGGREGATES_TOPIC/,
    );
    expect(() => loadAggregatorConfig({ ALLOWED_LATENESS_MS: '400000' })).toThrow(/ALLOWED_LATENESS_MS/);
  });

  it('reads the error-burst thresholds (0 students turns the rule off) into the rule settings', () => {
    expect(ruleSettings(loadAggregatorConfig({}))).toMatchObject({
      errorBurstMinStudents: 5,
      errorBurstWindowMs: 60_000,
    });
    const config = loadAggregatorConfig({ ERROR_BURST_MIN_STUDENTS: '0', ERROR_BURST_WINDOW_MS: '30000' });
    expect(ruleSettings(config)).toMatchObject({ errorBurstMinStudents: 0, errorBurstWindowMs: 30_000 });
    expect(() => loadAggregatorConfig({ ERROR_BURST_WINDOW_MS: '0' })).toThrow(/ERROR_BURST_WINDOW_MS/);
    expect(() => loadAggregatorConfig({ ERROR_BURST_MIN_STUDENTS: '-1' })).toThrow(
      /ERROR_BURST_MIN_STUDENTS/,
    );
  });
});

describe('error catalogue', () => {
  it('documents every code in README.md', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const code of Object.keys(errorCatalogue)) expect(readme).toContain(`\`${code}\``);
    for (const code of Object.keys(errorCatalogue)) expect(code).toMatch(/^AGG_[A-Z_]+$/);
  });
});
