import { testEnv } from './env.js';
import { uniqueIdentifier } from './names.js';

export interface TestBucket {
  /** The bucket (an InfluxDB 1.8 database) to write to and query from. */
  bucket: string;
  drop(): Promise<void>;
}

/**
 * Creates a bucket of the test's own. InfluxDB 1.8 has no bucket API, so this uses InfluxQL's
 * CREATE DATABASE; against 2.x the tests would be given a bucket by URL and token instead.
 */
export async function createTestBucket(label: string): Promise<TestBucket> {
  const bucket = uniqueIdentifier(label);
  await influxQuery(`CREATE DATABASE "${bucket}"`);
  return { bucket, drop: () => influxQuery(`DROP DATABASE "${bucket}"`) };
}

async function influxQuery(q: string): Promise<void> {
  const response = await fetch(new URL('/query', testEnv.INFLUX_URL), {
    method: 'POST',
    body: new URLSearchParams({ q }),
    headers: testEnv.INFLUX_TOKEN ? { Authorization: `Token ${testEnv.INFLUX_TOKEN}` } : {},
  });
  if (!response.ok) throw new Error(`InfluxDB refused ${q}: ${response.status} ${await response.text()}`);
}
