import { deliveryDefaults, parseRetryAfter } from './backoff.js';
import { DeliveryError } from './errors.js';
import type { LearningEvent } from './events.js';

/** One event ingest refused, as in its 202 answer; it will never be accepted, so it is dropped. */
export interface Rejection {
  index: number;
  eventId?: string;
  error: string;
}

export interface Accepted {
  accepted: number;
  rejected: Rejection[];
}

export interface TransportConfig {
  /** Ingest's base URL, e.g. `https://ingest.school.example`. */
  ingestUrl: string;
  token: string;
  /** gzip the body with CompressionStream (when the browser has it). */
  gzip: boolean;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export type Transport = (events: LearningEvent[], options?: { keepalive?: boolean }) => Promise<Accepted>;

export async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export function eventsUrl(ingestUrl: string): string {
  return `${ingestUrl.replace(/\/+$/, '')}/api/v1/events`;
}

/**
 * POSTs one batch to ingest (CONTRACT.md, "Event ingestion") and sorts the answer: a 202 comes
 * back as `Accepted`; anything else throws a DeliveryError whose code says what to do
 * (retriable ones carry `retryAfterMs` when the server sent `Retry-After`).
 * Keepalive requests (page closing) are not compressed: compression is asynchronous and the
 * request must start before the page goes.
 */
export function httpTransport(config: TransportConfig): Transport {
  const doFetch = config.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  return async (events, options = {}) => {
    const json = JSON.stringify(events);
    const compress = config.gzip && !options.keepalive && typeof CompressionStream === 'function';
    const headers: Record<string, string> = {
      authorization: `Bearer ${config.token}`,
      'content-type': 'application/json',
    };
    if (compress) headers['content-encoding'] = 'gzip';
    const body: BodyInit = compress ? ((await gzip(json)) as Uint8Array<ArrayBuffer>) : json;
    let response: Response;
    try {
      response = await doFetch(eventsUrl(config.ingestUrl), {
        method: 'POST',
        headers,
        body,
        keepalive: options.keepalive ?? false,
        signal: options.keepalive
          ? undefined
          : AbortSignal.timeout(config.timeoutMs ?? deliveryDefaults.requestTimeoutMs),
      });
    } catch (cause) {
      throw new DeliveryError('CS_NETWORK', `ingest unreachable: ${(cause as Error).message}`, {
        retriable: true,
        cause,
      });
    }
    const text = await response.text().catch(() => '');
    if (response.status === 202) {
      const answer = parseJson(text) as Partial<Accepted> | undefined;
      return {
        accepted: typeof answer?.accepted === 'number' ? answer.accepted : events.length,
        rejected: Array.isArray(answer?.rejected) ? answer.rejected : [],
      };
    }
    throw errorFor(response, text);
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorFor(response: Response, text: string): DeliveryError {
  const status = response.status;
  const body = parseJson(text) as { code?: string; message?: string } | undefined;
  const detail = body?.message ? `${body.code ?? status}: ${body.message}` : `HTTP ${status}`;
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  const options = { status, retryAfterMs };
  switch (status) {
    case 429:
      return new DeliveryError('CS_RATE_LIMITED', detail, { ...options, retriable: true });
    case 503:
      return new DeliveryError('CS_UNAVAILABLE', detail, { ...options, retriable: true });
    case 401:
      // Kept and retried: a renewed token (settings change) lets the queue go out.
      return new DeliveryError('CS_UNAUTHORIZED', detail, { ...options, retriable: true });
    case 403:
      return new DeliveryError('CS_FORBIDDEN', detail, { ...options, retriable: true });
    case 413:
      return new DeliveryError('CS_TOO_LARGE', detail, options);
    case 400:
      return new DeliveryError('CS_BAD_BATCH', detail, options);
    default:
      // 5xx and proxies' odd answers: the server may recover.
      return new DeliveryError('CS_UNEXPECTED_STATUS', detail, { ...options, retriable: status >= 500 });
  }
}
