import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { brokerCountFile, loadStackSettings } from '../src/settings.js';

describe('stack settings: the number of Kafka brokers', () => {
  const dirs: string[] = [];
  const stateDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-brokers-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('is one broker on KAFKA_PORT by default', () => {
    const settings = loadStackSettings({ CELLSTREAM_STATE_DIR: stateDir(), KAFKA_PORT: '19092' });
    expect(settings.kafkaBrokerCount).toBe(1);
    expect(settings.KAFKA_BROKERS).toEqual(['127.0.0.1:19092']);
  });

  it('lists every broker of a cluster, one every KAFKA_PORT_STEP ports', () => {
    const settings = loadStackSettings({ CELLSTREAM_STATE_DIR: stateDir(), KAFKA_BROKER_COUNT: '3' });
    expect(settings.KAFKA_BROKERS).toEqual(['127.0.0.1:9092', '127.0.0.1:9102', '127.0.0.1:9112']);
  });

  it('keeps KAFKA_BROKERS when it is set', () => {
    const settings = loadStackSettings({
      CELLSTREAM_STATE_DIR: stateDir(),
      KAFKA_BROKER_COUNT: '3',
      KAFKA_BROKERS: '10.0.0.1:9092',
    });
    expect(settings.KAFKA_BROKERS).toEqual(['10.0.0.1:9092']);
  });

  it('remembers how many brokers the cluster was created with', () => {
    const dir = stateDir();
    mkdirSync(join(dir, 'kafka'), { recursive: true });
    writeFileSync(brokerCountFile(dir), '3\n');
    const settings = loadStackSettings({ CELLSTREAM_STATE_DIR: dir, KAFKA_PORT_STEP: '2' });
    expect(settings.kafkaBrokerCount).toBe(3);
    expect(settings.KAFKA_BROKERS).toEqual(['127.0.0.1:9092', '127.0.0.1:9094', '127.0.0.1:9096']);
  });

  it('refuses more than nine brokers', () => {
    expect(() => loadStackSettings({ KAFKA_BROKER_COUNT: '12' })).toThrow(/KAFKA_BROKER_COUNT/);
  });
});
