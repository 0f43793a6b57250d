export { type AppDeps, buildApp, type LmsApp } from './app.js';
export { ensureAdmin } from './bootstrap.js';
export { type LmsConfig, lmsConfigSchema, loadLmsConfig } from './config.js';
export { errorCatalogue, LmsError, type LmsErrorCode } from './errors.js';
export { applyRetention } from './queries/privacy.js';
export { DEMO, seedDemo } from './seed.js';
