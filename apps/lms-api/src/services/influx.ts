import { InfluxQl } from '@cellstream/shared';
import { LmsError } from '../errors.js';

/** lms-api's InfluxDB client (INFLUX_URL, INFLUX_TOKEN, INFLUX_BUCKET); failures answer 503. */
export function influxFromConfig(config: {
  INFLUX_URL: string;
  INFLUX_TOKEN: string;
  INFLUX_BUCKET: string;
}) {
  return new InfluxQl({
    url: config.INFLUX_URL,
    token: config.INFLUX_TOKEN,
    bucket: config.INFLUX_BUCKET,
    timeoutMs: 10_000,
    failure: influxUnavailable,
  });
}

export function influxUnavailable(reason: string, cause?: unknown): LmsError {
  return new LmsError('LMS_INFLUX_UNAVAILABLE', `InfluxDB did not answer (${reason}); retry shortly.`, {
    cause,
  });
}
