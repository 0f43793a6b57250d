export { loadPersisterConfig, type PersisterConfig, persisterConfigSchema, type SinkName } from './config.js';
export { errorCatalogue, PersisterError, type PersisterErrorCode } from './errors.js';
export { MEASUREMENT, nanosecondOffset, pointTime, toLine } from './influx/point-mapper.js';
export { type RunningPersister, type StartOptions, startPersister } from './start.js';
