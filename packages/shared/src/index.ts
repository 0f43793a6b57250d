export * from './config.js';
export * from './errors.js';
export * from './kafka.js';
export * from './logger.js';
export * from './metrics.js';
export * from './retry.js';
export * from './tokens.js';
export * from './version.js';
