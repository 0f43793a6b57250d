import { baseConfigSchema, loadConfig } from '@cellstream/shared';

/** Where the tests find the stack: the same variables and defaults as the apps. */
export const testEnv = loadConfig(baseConfigSchema.extend({}), process.env);
