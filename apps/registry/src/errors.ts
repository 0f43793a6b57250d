import { CellstreamError, type ErrorOptions } from '@cellstream/shared';

/**
 * Every error the registry answers with, in one table. `errorCode` is the number Confluent's
 * Schema Registry puts in `{"error_code": N, "message": "..."}`; the HTTP status is its first
 * three digits. `code` is our stable name for logs and branching. A retired entry keeps its
 * place: codes are never reused (a test keeps both columns unique).
 */
export const errorCatalogue = {
  BAD_REQUEST: { code: 'REG_BAD_REQUEST', errorCode: 400, retriable: false },
  ROUTE_NOT_FOUND: { code: 'REG_ROUTE_NOT_FOUND', errorCode: 404, retriable: false },
  PAYLOAD_TOO_LARGE: { code: 'REG_PAYLOAD_TOO_LARGE', errorCode: 413, retriable: false },
  UNSUPPORTED_MEDIA_TYPE: { code: 'REG_UNSUPPORTED_MEDIA_TYPE', errorCode: 415, retriable: false },
  UNPROCESSABLE: { code: 'REG_UNPROCESSABLE', errorCode: 422, retriable: false },
  SUBJECT_NOT_FOUND: { code: 'REG_SUBJECT_NOT_FOUND', errorCode: 40401, retriable: false },
  VERSION_NOT_FOUND: { code: 'REG_VERSION_NOT_FOUND', errorCode: 40402, retriable: false },
  SCHEMA_NOT_FOUND: { code: 'REG_SCHEMA_NOT_FOUND', errorCode: 40403, retriable: false },
  SUBJECT_SOFT_DELETED: { code: 'REG_SUBJECT_SOFT_DELETED', errorCode: 40404, retriable: false },
  SUBJECT_NOT_SOFT_DELETED: { code: 'REG_SUBJECT_NOT_SOFT_DELETED', errorCode: 40405, retriable: false },
  VERSION_SOFT_DELETED: { code: 'REG_VERSION_SOFT_DELETED', errorCode: 40406, retriable: false },
  VERSION_NOT_SOFT_DELETED: { code: 'REG_VERSION_NOT_SOFT_DELETED', errorCode: 40407, retriable: false },
  SUBJECT_CONFIG_NOT_FOUND: { code: 'REG_SUBJECT_CONFIG_NOT_FOUND', errorCode: 40408, retriable: false },
  INCOMPATIBLE_SCHEMA: { code: 'REG_INCOMPATIBLE_SCHEMA', errorCode: 409, retriable: false },
  INVALID_SCHEMA: { code: 'REG_INVALID_SCHEMA', errorCode: 42201, retriable: false },
  INVALID_VERSION: { code: 'REG_INVALID_VERSION', errorCode: 42202, retriable: false },
  INVALID_COMPATIBILITY_LEVEL: {
    code: 'REG_INVALID_COMPATIBILITY_LEVEL',
    errorCode: 42203,
    retriable: false,
  },
  INTERNAL_ERROR: { code: 'REG_INTERNAL_ERROR', errorCode: 500, retriable: false },
  STORE_ERROR: { code: 'REG_STORE_ERROR', errorCode: 50001, retriable: true },
  OPERATION_TIMEOUT: { code: 'REG_OPERATION_TIMEOUT', errorCode: 50002, retriable: true },
  /** Confluent's code for a follower that cannot reach its leader; kept so it is never reused. */
  FORWARDING_ERROR: { code: 'REG_FORWARDING_ERROR', errorCode: 50003, retriable: true },
} as const satisfies Record<string, { code: string; errorCode: number; retriable: boolean }>;

export type ErrorKind = keyof typeof errorCatalogue;

/** `40401` → 404, `409` → 409. */
export function httpStatusOf(errorCode: number): number {
  return errorCode >= 1000 ? Number(String(errorCode).slice(0, 3)) : errorCode;
}

export class RegistryError extends CellstreamError {
  readonly kind: ErrorKind;
  /** The Confluent `error_code`. */
  readonly errorCode: number;

  constructor(kind: ErrorKind, message: string, options: Omit<ErrorOptions, 'status' | 'retriable'> = {}) {
    const entry = errorCatalogue[kind];
    super(entry.code, message, {
      ...options,
      status: httpStatusOf(entry.errorCode),
      retriable: entry.retriable,
    });
    this.kind = kind;
    this.errorCode = entry.errorCode;
  }

  /** The body Confluent clients expect. */
  toBody(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export const isRegistryError = (error: unknown, kind?: ErrorKind): error is RegistryError =>
  error instanceof RegistryError && (kind === undefined || error.kind === kind);
