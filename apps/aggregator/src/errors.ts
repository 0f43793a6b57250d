import { CellstreamError } from '@cellstream/shared';

/**
 * Every error the aggregator raises, by stable code: whether retrying may help and what it means.
 * A code is never reused for another meaning; callers branch on `code` or `retriable`, never on
 * the message. A test keeps README.md documenting each.
 */
export const errorCatalogue = {
  AGG_TRANSACTION_FAILED: {
    retriable: true,
    description:
      'A Kafka transaction could not be committed; it was aborted, the partition state is restored from the changelog and its input is read again.',
  },
  AGG_PRODUCER_FENCED: {
    retriable: false,
    description:
      'Another instance took over the partition (same transactional id, newer epoch): this instance drops the partition.',
  },
  AGG_PARTITION_CLOSED: {
    retriable: false,
    description: 'Work was asked of a partition this instance no longer owns (revoked or shutting down).',
  },
  AGG_RESTORE_FAILED: {
    retriable: true,
    description: 'The changelog of a partition could not be read to its end; the restore is retried.',
  },
  AGG_CHANGELOG_CORRUPT: {
    retriable: false,
    description:
      'A changelog record is not in the format the aggregator writes; it is skipped with a log line.',
  },
  AGG_INVALID_TRANSITION: {
    retriable: false,
    description: 'A student status or transaction state change outside its transition table (a bug).',
  },
  AGG_EMPTY_RECORD: {
    retriable: false,
    description: 'Dead-letter code (dlq.error.code): an input record without a value.',
  },
  AGG_UNDECODABLE: {
    retriable: false,
    description:
      'Dead-letter code: an input record that failed for a reason without a code of its own (a bug in the rules, logged).',
  },
  AGG_INJECTED_FAILURE: {
    retriable: true,
    description: 'A failure injected by a test hook before a commit.',
  },
} as const satisfies Record<string, { retriable: boolean; description: string }>;

export type AggregatorErrorCode = keyof typeof errorCatalogue;

export class AggregatorError extends CellstreamError {
  declare readonly code: AggregatorErrorCode;

  constructor(
    code: AggregatorErrorCode,
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(code, message, { ...options, status: 500, retriable: errorCatalogue[code].retriable });
  }
}
