export { loadPersisterConfig, type PersisterConfig, persisterConfigSchema, type SinkName } from './config.js';
export { errorCatalogue, PersisterError, type PersisterErrorCode } from './errors.js';
export {
  ROLLUP_MEASUREMENT,
  ROLLUP_MINUTE_MS,
  recountActivity,
  type TouchedMinutes,
  touchedMinutes,
} from './influx/activity-rollup.js';
export {
  ACTIVITY_MEASUREMENT,
  activityLine,
  activityPointTime,
  MEASUREMENT,
  nanosecondOffset,
  pointTime,
  toLine,
  toLines,
} from './influx/point-mapper.js';
export { type RunningPersister, type StartOptions, startPersister } from './start.js';
