export {
  avroDirectory,
  avroSchema,
  avroSchemaText,
  avroType,
  listAvroSchemaNames,
  parseAvroType,
  readAvroSchemaFile,
} from './avro.js';
export * from './avro-model.js';
export {
  type EnsuredTopic,
  type EnsureTopicsOptions,
  ensureTopics,
  type TopicAdmin,
} from './ensure-topics.js';
export { SchemasError, type SchemasErrorCode, schemasErrorCatalogue } from './errors.js';
export * from './generated/types.gen.js';
export {
  type FieldLimit,
  type HttpEventType,
  type JsonSchema,
  type LearningEventHttp,
  type LearningEventJsonSchemaOptions,
  learningEventAliases,
  learningEventFieldLimits,
  learningEventJsonSchema,
  learningEventServerFields,
  toLearningEventRecord,
  unknownLearningEventFields,
} from './learning-event-http.js';
export { parseRfc3339 } from './rfc3339.js';
export {
  decodeWire,
  encodeWire,
  MAGIC_BYTE,
  type RegistryClient,
  registerSchemas,
  TopicSerde,
  type TopicSerdeOptions,
  WIRE_HEADER_BYTES,
} from './serde.js';
export * from './topics.js';
