import {
  avroSchema,
  type LearningEvent,
  type LearningEventHttp,
  learningEventAliases,
  learningEventServerFields,
  logicalTypeOf,
  parseRfc3339,
  unwrapNullable,
} from '@cellstream/schemas';

/**
 * `toLearningEventRecord` of @cellstream/schemas with its per-field decisions taken once.
 *
 * The schemas package derives, for every event, each field's handling from LearningEvent.avsc
 * (server-set, timestamp, optional, default, aliases) and deep-copies objects. That is about
 * 13 µs per event, the largest cost of ingest after Kafka's own encoding (see README,
 * "Performance"). Here the same derivation runs once, from the same schema and the same tables
 * of the schemas package, and the per-event work is a loop over a prepared plan. Values are not
 * copied: the parsed request body is ours and is dropped after the answer.
 *
 * The semantics are those of `toLearningEventRecord` (a test compares both on every kind of
 * field); it must only be called on events that passed `learningEventJsonSchema()`. Should the
 * schemas package ever precompute its plan, use its function again and delete this file.
 */
type FieldPlan =
  | { name: string; kind: 'server' }
  | { name: string; kind: 'timestamp'; optional: boolean }
  | {
      name: string;
      kind: 'value';
      optional: boolean;
      /** The Avro default for absent or null values; objects are created afresh per record. */
      fallback: () => unknown;
      aliases: Readonly<Record<string, string>> | undefined;
    };

export type RecordConverter = (event: LearningEventHttp, receivedAt: number) => LearningEvent;

/** Thrown for a value the JSON schema should have refused; `field` names it. */
export class RecordConversionError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export function compileRecordConverter(): RecordConverter {
  const serverFields: readonly string[] = learningEventServerFields;
  const aliasTable = learningEventAliases as Readonly<Record<string, Readonly<Record<string, string>>>>;
  const plan: FieldPlan[] = avroSchema('LearningEvent').fields.map((field): FieldPlan => {
    if (serverFields.includes(field.name)) return { name: field.name, kind: 'server' };
    const { nullable, type } = unwrapNullable(field.type);
    const optional = nullable || field.default !== undefined;
    const logical = logicalTypeOf(type);
    if (logical === 'timestamp-millis' || logical === 'timestamp-micros') {
      return { name: field.name, kind: 'timestamp', optional };
    }
    const fallbackValue = field.default ?? null;
    const fallback =
      typeof fallbackValue === 'object' && fallbackValue !== null
        ? () => structuredClone(fallbackValue)
        : () => fallbackValue;
    return { name: field.name, kind: 'value', optional, fallback, aliases: aliasTable[field.name] };
  });

  return (event, receivedAt) => {
    const input = event as unknown as Record<string, unknown>;
    const record: Record<string, unknown> = {};
    for (const field of plan) {
      if (field.kind === 'server') {
        record[field.name] = receivedAt;
        continue;
      }
      const value = input[field.name];
      if (value === undefined || value === null) {
        if (!field.optional) throw new RecordConversionError(field.name, `The event has no ${field.name}`);
        record[field.name] = field.kind === 'value' ? field.fallback() : null;
      } else if (field.kind === 'timestamp') {
        const millis = typeof value === 'string' ? parseRfc3339(value) : undefined;
        if (millis === undefined) {
          throw new RecordConversionError(field.name, `${field.name} is not an RFC 3339 date-time`);
        }
        record[field.name] = millis;
      } else {
        const aliased =
          typeof value === 'string' && field.aliases && Object.hasOwn(field.aliases, value)
            ? field.aliases[value]
            : undefined;
        record[field.name] = aliased ?? value;
      }
    }
    return record as unknown as LearningEvent;
  };
}
