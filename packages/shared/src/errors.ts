/**
 * The base of every Cellstream error: a stable code callers can branch on, the
 * HTTP status it maps to, whether retrying may help, and context for logs.
 * Each package keeps its own catalogue of codes in its own `errors.ts`.
 */
export interface ErrorOptions {
  status?: number;
  retriable?: boolean;
  cause?: unknown;
  context?: Record<string, unknown>;
}

export class CellstreamError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retriable: boolean;
  readonly context: Record<string, unknown>;

  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 500;
    this.retriable = options.retriable ?? false;
    this.context = options.context ?? {};
  }

  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Configuration that cannot be used: the process must not start. */
export class ConfigError extends CellstreamError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('CONFIG_INVALID', message, { status: 500, context });
  }
}

export function isRetriable(error: unknown): boolean {
  return error instanceof CellstreamError
    ? error.retriable
    : typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}
