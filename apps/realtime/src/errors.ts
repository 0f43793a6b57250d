import type { Target } from './protocol.js';

/**
 * Every error code and close code realtime sends, in one table each. An error reaches the client
 * as `{"type":"error","code","message"}` (plus `classId` or `channel` when it is about one); when the
 * entry has a `close` code, the connection is then closed with it. Codes are stable: a client
 * branches on them, never on the message. A code is never reused for another meaning once
 * released; retire it instead. A test keeps the codes unique and checks README.md documents each.
 */
export const closeCodes = {
  /** The server is shutting down (or restarting): reconnect, to this or another instance. */
  GOING_AWAY: { code: 1001, reason: 'server shutting down' },
  /** The token could not be checked because lms-api's keys could not be fetched: retry later. */
  TRY_AGAIN_LATER: { code: 1013, reason: 'try again later' },
  /** The client fell behind for longer than SLOW_CLIENT_TIMEOUT_MS: reconnect and resubscribe. */
  TOO_SLOW: { code: 4008, reason: 'too slow' },
  /** No valid token: log in again for a fresh token, then reconnect. */
  UNAUTHORIZED: { code: 4401, reason: 'unauthorized' },
} as const;

export type CloseCode = keyof typeof closeCodes;

export const errorCatalogue = {
  auth_required: {
    close: 'UNAUTHORIZED',
    description: 'A message other than `auth` came before the connection was authenticated.',
  },
  auth_timeout: {
    close: 'UNAUTHORIZED',
    description: 'No `auth` message within AUTH_TIMEOUT_MS of opening the connection.',
  },
  unauthorized: {
    close: 'UNAUTHORIZED',
    description:
      'The token is malformed, tampered with, not signed by a key lms-api publishes, lacks the claims, or is an ingest token of someone other than a student.',
  },
  token_expired: {
    close: 'UNAUTHORIZED',
    description: 'The token has expired, at `auth` or later while connected.',
  },
  token_revoked: {
    close: 'UNAUTHORIZED',
    description:
      'The token (an ingest token of the JupyterLab extension) was revoked in lms-api, at `auth` or later while connected.',
  },
  auth_unavailable: {
    close: 'TRY_AGAIN_LATER',
    description: "lms-api's keys (JWKS) could not be fetched, so the token could not be checked.",
  },
  forbidden: {
    close: null,
    description:
      'The token may not see this channel: a student its own progress and notifications and the broadcasts of its classes; an instructor the class and broadcast channels of the classes it teaches; an admin everything. The connection stays open.',
  },
  bad_request: {
    close: null,
    description: 'A message after `auth` is not JSON, not text, or not one of the messages of the protocol.',
  },
  too_many_subscriptions: {
    close: null,
    description: 'The connection already has MAX_SUBSCRIPTIONS channels; unsubscribe from one first.',
  },
} as const satisfies Record<string, { close: CloseCode | null; description: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** A refusal to send to a client: its code, a readable message and the channel it is about. */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly target?: Target,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }

  /** The close code to end the connection with after the error, or null to keep it open. */
  get close(): (typeof closeCodes)[CloseCode] | null {
    const close = errorCatalogue[this.code].close;
    return close === null ? null : closeCodes[close];
  }
}
