export { type AggregatorConfig, aggregatorConfigSchema, loadAggregatorConfig } from './config.js';
export { AggregatorError, type AggregatorErrorCode, errorCatalogue } from './errors.js';
export { type AggregatorHooks, type RunningAggregator, type StartOptions, startAggregator } from './start.js';
