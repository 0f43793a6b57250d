export {
  type AppName,
  AppProcess,
  type AppProcessOptions,
  appPortVariables,
  freePort,
} from './app-process.js';
export { testEnv } from './env.js';
export { createTestBucket, type TestBucket } from './influx.js';
export { createTestTopics, testKafka } from './kafka.js';
export { uniqueIdentifier, uniqueName } from './names.js';
export { createTestDatabase, type TestDatabase } from './postgres.js';
export { ensureStack } from './stack.js';
export { eventually } from './wait.js';
