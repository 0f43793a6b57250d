import { CellstreamError } from '@cellstream/shared';

/**
 * Every error the persister raises or writes into a dead letter's `dlq.error.code` header, by
 * stable code. A code is never reused for another meaning; callers branch on `code` or
 * `retriable`, never on the message. A test keeps README.md documenting each.
 */
export const errorCatalogue = {
  PERSISTER_INVALID_EVENT: {
    retriable: false,
    description:
      'A decoded event the sink can never store (e.g. a notebook access without notebookPath, an eventTime outside the range InfluxDB can store); it is dead-lettered.',
  },
  PERSISTER_PG_REJECTED: {
    retriable: false,
    description:
      'PostgreSQL refused an event with a data or integrity error (SQLSTATE class 22 or 23, e.g. a NUL character in a text, a timestamp out of range); the event is isolated and dead-lettered, the SQLSTATE is in the reason.',
  },
  PERSISTER_PG_UNAVAILABLE: {
    retriable: true,
    description:
      'PostgreSQL did not answer, refused the connection, timed out or aborted the transaction; the partitions are paused and the batch retried.',
  },
  PERSISTER_INFLUX_REJECTED: {
    retriable: false,
    description:
      'InfluxDB refused a point with a 4xx answer (e.g. a line it cannot parse, beyond the retention policy); the point is isolated and dead-lettered.',
  },
  PERSISTER_INFLUX_UNAVAILABLE: {
    retriable: true,
    description:
      'InfluxDB did not answer, timed out, or answered 5xx, 429, 401, 403 or 404 (auth and bucket problems are fixed by people, not by dropping data); the partitions are paused and the batch retried.',
  },
  PERSISTER_DLQ_FAILED: {
    retriable: true,
    description:
      'A dead letter could not be produced to learning.events.dlq.v1; offsets are not committed past it and the batch is retried.',
  },
  PERSISTER_BATCH_ABANDONED: {
    retriable: false,
    description:
      'A batch was given up unfinished because the consumer is stopping or the partition was revoked or sought; nothing past it is committed, so it is read again.',
  },
} as const satisfies Record<string, { retriable: boolean; description: string }>;

export type PersisterErrorCode = keyof typeof errorCatalogue;

export class PersisterError extends CellstreamError {
  declare readonly code: PersisterErrorCode;

  constructor(
    code: PersisterErrorCode,
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(code, message, { ...options, status: 500, retriable: errorCatalogue[code].retriable });
  }
}
