import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback, gunzipSync } from 'node:zlib';
import { IngestError } from '../errors.js';

const gunzip = promisify(gunzipCallback);

/**
 * Gzip bodies up to this size are inflated in the calling thread: the extension's batches are a
 * few KiB, and for them zlib's stream and thread-pool round trip cost more than the inflation
 * (about a fifth of ingest's CPU per request in a profile of 2-event batches). Inflation stops at
 * `maxBytes` however far the body would expand, which bounds the event loop's pause to inflating
 * that much (about a millisecond per MiB); larger bodies still go to the thread pool.
 */
const INFLATE_IN_THREAD_MAX_BYTES = 32 * 1024;

export interface BodyLimits {
  /** Largest body once decompressed (and largest plain body). */
  maxBytes: number;
  /** Largest gzip body on the wire. */
  maxCompressedBytes: number;
}

type Coding = 'identity' | 'gzip';

/** `Content-Encoding` as one coding we can undo; anything else is a 415. */
export function contentCoding(header: string | string[] | undefined): Coding {
  const value = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim().toLowerCase();
  if (value === '' || value === 'identity') return 'identity';
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  throw new IngestError(
    'INGEST_UNSUPPORTED_ENCODING',
    `Content-Encoding ${JSON.stringify(value)} is not supported; send gzip or nothing.`,
  );
}

/**
 * Reads a request body into a string with two limits that hold whatever the client claims:
 * the bytes on the wire (a Content-Length beyond it is refused before anything is read; without
 * one, reading stops as soon as it is passed), and the bytes once decompressed. Gzip is inflated
 * in one call bounded by `maxOutputLength`: zlib stops at the limit, so a gzip bomb costs at most
 * `maxBytes` of memory and a 413, never the whole inflation. (One call rather than a stream: a
 * batch is a few KiB of gzip; see INFLATE_IN_THREAD_MAX_BYTES for where that call runs.)
 */
export async function readBody(
  payload: Readable,
  headers: { 'content-encoding'?: string | string[]; 'content-length'?: string },
  limits: BodyLimits,
): Promise<string> {
  const coding = contentCoding(headers['content-encoding']);
  const wireLimit = coding === 'gzip' ? limits.maxCompressedBytes : limits.maxBytes;
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > wireLimit) {
    payload.resume(); // let the socket drain what the client sends anyway
    throw tooLarge(coding === 'gzip' ? 'compressed' : 'plain', wireLimit);
  }
  const wire = await readWire(payload, wireLimit, coding);
  if (coding === 'identity') return decodeUtf8(wire);
  let inflated: Buffer;
  try {
    inflated =
      wire.length <= INFLATE_IN_THREAD_MAX_BYTES
        ? gunzipSync(wire, { maxOutputLength: limits.maxBytes })
        : await gunzip(wire, { maxOutputLength: limits.maxBytes });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw tooLarge('decompressed', limits.maxBytes);
    }
    throw new IngestError('INGEST_INVALID_GZIP', 'The body is not valid gzip.', { cause });
  }
  return decodeUtf8(inflated);
}

/** Strict: `Buffer.toString` would turn bad bytes into U+FFFD and store text nobody sent. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    throw new IngestError(
      'INGEST_INVALID_UTF8',
      'The body is not valid UTF-8: send the JSON encoded as UTF-8.',
      { cause },
    );
  }
}

function readWire(payload: Readable, limit: number, coding: Coding): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (error?: IngestError) => {
      if (settled) return;
      settled = true;
      payload.removeListener('data', onData);
      if (error) {
        payload.resume(); // discard the rest: nothing of it is kept
        reject(error);
      } else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge(coding === 'gzip' ? 'compressed' : 'plain', limit));
      else chunks.push(chunk);
    };
    payload.on('data', onData);
    payload.once('end', () => finish());
    payload.once('error', (cause) =>
      finish(new IngestError('INGEST_BAD_REQUEST', 'The body could not be read.', { cause })),
    );
  });
}

function tooLarge(what: 'plain' | 'compressed' | 'decompressed', limit: number): IngestError {
  const subject = {
    plain: 'The body exceeds',
    compressed: 'The gzip body exceeds',
    decompressed: 'The body, decompressed, exceeds',
  }[what];
  return new IngestError(
    'INGEST_PAYLOAD_TOO_LARGE',
    `${subject} ${limit} bytes; send fewer events per request.`,
    {
      context: { limit, what },
    },
  );
}
