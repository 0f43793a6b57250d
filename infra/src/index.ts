export type { ServiceStatus, StackService } from './services/service.js';
export { loadStackSettings, type StackSettings } from './settings.js';
export { createStack, downAll, type Stack, upInfrastructure } from './stack.js';
