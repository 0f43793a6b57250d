import { createTestBucket, eventually, type TestBucket, testEnv } from '@cellstream/testkit';
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('InfluxDB write and Flux query through @influxdata/influxdb-client', () => {
  let bucket: TestBucket;
  const influx = new InfluxDB({ url: testEnv.INFLUX_URL, token: testEnv.INFLUX_TOKEN });

  beforeAll(async () => {
    bucket = await createTestBucket('foundation_influx');
  });

  afterAll(async () => {
    await bucket.drop();
  });

  it('reads back with Flux the points written through the 2.x write API', async () => {
    const writer = influx.getWriteApi(testEnv.INFLUX_ORG, bucket.bucket, 'ms');
    const start = Date.now() - 60_000;
    for (let i = 0; i < 5; i++) {
      writer.writePoint(
        new Point('student_progress')
          .tag('userId', 'student-1')
          .tag('classId', '42')
          .tag('event', i % 2 ? 'cell_execution_error' : 'cell_execution_complete')
          .intField('executionCount', i + 1)
          .booleanField('success', i % 2 === 0)
          .floatField('duration', 10 * i)
          .timestamp(start + i * 1_000),
      );
    }
    await writer.close();

    const query = influx.getQueryApi(testEnv.INFLUX_ORG);
    const flux = `from(bucket: "${bucket.bucket}")
      |> range(start: -1h)
      |> filter(fn: (r) => r._measurement == "student_progress" and r._field == "executionCount")
      |> group()
      |> sort(columns: ["_time"])`;
    const rows = await eventually(
      async () => {
        const found = await query.collectRows<{ _value: number; event: string; userId: string }>(flux);
        return found.length === 5 ? found : undefined;
      },
      { what: 'five points queryable' },
    );
    expect(rows.map((row) => row._value)).toEqual([1, 2, 3, 4, 5]);
    expect(rows.map((row) => row.event)).toEqual([
      'cell_execution_complete',
      'cell_execution_error',
      'cell_execution_complete',
      'cell_execution_error',
      'cell_execution_complete',
    ]);
    expect(new Set(rows.map((row) => row.userId))).toEqual(new Set(['student-1']));
  });
});
