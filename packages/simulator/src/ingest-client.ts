import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { SimulatorError } from './errors.js';
import type { SimEvent } from './events.js';
import { type FetchLike, joinUrl, parseRetryAfter, readErrorBody } from './http.js';

const gzipAsync = promisify(gzip);

export interface Rejection {
  index: number;
  eventId: string | null;
  error: { code: string; message: string; field?: string };
}

export interface IngestAnswer {
  accepted: number;
  rejected: Rejection[];
}

export interface EncodedBatch {
  body: Uint8Array | string;
  gzipped: boolean;
  bytes: number;
}

/**
 * Encodes a batch as the extension does: a JSON array, gzip-compressed when it is at least
 * `gzipMinBytes` long (small batches are not worth the CPU on either side).
 */
export async function encodeBatch(events: readonly SimEvent[], gzipMinBytes: number): Promise<EncodedBatch> {
  const json = JSON.stringify(events);
  if (Buffer.byteLength(json) < gzipMinBytes)
    return { body: json, gzipped: false, bytes: Buffer.byteLength(json) };
  const compressed = await gzipAsync(json);
  return { body: new Uint8Array(compressed), gzipped: true, bytes: compressed.length };
}

/**
 * `POST /api/v1/events` (CONTRACT.md "Event ingestion"): one attempt, its answer turned into a
 * typed result or a SimulatorError that says whether to retry and what `Retry-After` asked.
 */
export class IngestClient {
  private readonly url: string;

  constructor(
    baseUrl: string,
    private readonly fetchImpl: FetchLike = fetch,
  ) {
    this.url = joinUrl(baseUrl, '/api/v1/events');
  }

  async post(batch: EncodedBatch, token: string, signal?: AbortSignal): Promise<IngestAnswer> {
    let response: Response;
    try {
      response = await this.fetchImpl(this.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...(batch.gzipped ? { 'content-encoding': 'gzip' } : {}),
        },
        body: batch.body,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw new SimulatorError('SIM_ABORTED', 'stopped while posting', { cause: error });
      throw new SimulatorError('SIM_INGEST_UNREACHABLE', `ingest did not answer at ${this.url}`, {
        cause: error,
      });
    }
    if (response.status === 202) {
      const body = (await response.json()) as Partial<IngestAnswer>;
      return { accepted: body.accepted ?? 0, rejected: body.rejected ?? [] };
    }
    const { code, message } = await readErrorBody(response);
    const detail = `ingest answered ${response.status} ${code ?? ''}: ${message ?? ''}`.trim();
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    const options = {
      status: response.status,
      context: { ingestCode: code },
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
    if (response.status === 429) throw new SimulatorError('SIM_INGEST_RATE_LIMITED', detail, options);
    if (response.status === 503) throw new SimulatorError('SIM_INGEST_UNAVAILABLE', detail, options);
    if (response.status === 401 && code === 'AUTH_TOKEN_EXPIRED') {
      throw new SimulatorError('SIM_INGEST_TOKEN_EXPIRED', detail, options);
    }
    if (response.status === 401 || response.status === 403) {
      throw new SimulatorError('SIM_INGEST_UNAUTHORIZED', detail, options);
    }
    if (response.status >= 500) throw new SimulatorError('SIM_INGEST_SERVER_ERROR', detail, options);
    throw new SimulatorError('SIM_INGEST_REFUSED', detail, options);
  }
}
