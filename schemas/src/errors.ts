import { CellstreamError } from '@cellstream/shared';

/**
 * Every error this package throws, by stable code. A code is never reused for a
 * different meaning; callers branch on `code` or `retriable`, never on the message.
 */
export const schemasErrorCatalogue = {
  SCHEMAS_UNKNOWN_SCHEMA: {
    status: 500,
    retriable: false,
    description: 'No .avsc file of that name ships with the package.',
  },
  SCHEMAS_INVALID_SCHEMA_FILE: {
    status: 500,
    retriable: false,
    description:
      'An .avsc file is not valid Avro or breaks a rule of this package (docs, shared named types).',
  },
  SCHEMAS_INVALID_RECORD: {
    status: 500,
    retriable: false,
    description:
      'A record to encode does not match its topic schema; the paths of the bad fields are in context.',
  },
  SCHEMAS_INVALID_EVENT: {
    status: 400,
    retriable: false,
    description:
      'An HTTP event cannot be turned into a LearningEvent (it skipped validation or is malformed).',
  },
  SCHEMAS_WIRE_FORMAT: {
    status: 500,
    retriable: false,
    description: 'A message is not in the Confluent wire format (too short or wrong magic byte).',
  },
  SCHEMAS_WRITER_INCOMPATIBLE: {
    status: 500,
    retriable: false,
    description: "A message's writer schema cannot be read with this package's schema for the topic.",
  },
  SCHEMAS_CORRUPT_PAYLOAD: {
    status: 500,
    retriable: false,
    description: 'The Avro body of a message cannot be decoded with its writer schema.',
  },
  SCHEMAS_REGISTRY_FAILED: {
    status: 503,
    retriable: true,
    description: 'The schema registry did not answer or answered with a server error.',
  },
  SCHEMAS_REGISTRY_REJECTED: {
    status: 500,
    retriable: false,
    description:
      'The schema registry refused a request (unknown schema id, incompatible schema, level mismatch).',
  },
  SCHEMAS_TOPIC_SETUP_FAILED: {
    status: 500,
    retriable: true,
    description: 'Creating or updating a topic failed.',
  },
} as const satisfies Record<string, { status: number; retriable: boolean; description: string }>;

export type SchemasErrorCode = keyof typeof schemasErrorCatalogue;

export class SchemasError extends CellstreamError {
  constructor(
    code: SchemasErrorCode,
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown>; retriable?: boolean } = {},
  ) {
    const entry = schemasErrorCatalogue[code];
    super(code, message, {
      status: entry.status,
      retriable: options.retriable ?? entry.retriable,
      cause: options.cause,
      context: options.context ?? {},
    });
  }
}
