export { buildRegistryApp, type RegistryAppDeps } from './app.js';
export { normalizeAvroSchema, parsingCanonicalForm } from './canonical.js';
export {
  type CompatibilityLevel,
  type CompatibilityResult,
  checkCompatibility,
  compatibilityLevels,
  defaultCompatibilityLevel,
  isCompatibilityLevel,
} from './compatibility.js';
export { type RegistryConfig, registryConfigSchema } from './config.js';
export { errorCatalogue, RegistryError } from './errors.js';
export { KafkaRegistryStore, type KafkaRegistryStoreOptions } from './kafka-store.js';
export { MemoryRegistryStore, type RegistryStore, type StoreStatus } from './store.js';
