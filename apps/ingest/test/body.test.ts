import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readBody } from '../src/http/body.js';

const limits = { maxBytes: 1_000, maxCompressedBytes: 100 };
const stream = (data: Buffer) => Readable.from([data.subarray(0, 7), data.subarray(7)]);

describe('readBody', () => {
  it('reads plain and gzip bodies', async () => {
    const text = JSON.stringify([{ a: 'é' }]);
    await expect(readBody(stream(Buffer.from(text)), {}, limits)).resolves.toBe(text);
    await expect(readBody(stream(gzipSync(text)), { 'content-encoding': 'gzip' }, limits)).resolves.toBe(
      text,
    );
    await expect(readBody(stream(gzipSync(text)), { 'content-encoding': 'X-GZIP' }, limits)).resolves.toBe(
      text,
    );
  });

  it('stops inflating a gzip bomb at the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(limits.maxCompressedBytes * 200);
    await expect(
      readBody(
        stream(bomb),
        { 'content-encoding': 'gzip' },
        { maxBytes: 1_000, maxCompressedBytes: 1_000_000 },
      ),
    ).rejects.toMatchObject({ code: 'INGEST_PAYLOAD_TOO_LARGE', status: 413 });
  });

  it('inflates large gzip bodies off the event loop with the same limits', async () => {
    // Incompressible, so the gzip is over the size inflated in the calling thread.
    const json = JSON.stringify([{ code: randomBytes(48 * 1024).toString('base64') }]);
    const large = gzipSync(json);
    expect(large.length).toBeGreaterThan(32 * 1024);
    const roomy = { maxBytes: 1_000_000, maxCompressedBytes: 1_000_000 };
    await expect(readBody(stream(large), { 'content-encoding': 'gzip' }, roomy)).resolves.toBe(json);
    await expect(
      readBody(stream(large), { 'content-encoding': 'gzip' }, { ...roomy, maxBytes: 1_000 }),
    ).rejects.toMatchObject({ code: 'INGEST_PAYLOAD_TOO_LARGE', status: 413 });
  });

  it('refuses a Content-Length over the limit before reading, and counts when there is none', async () => {
    await expect(
      readBody(stream(Buffer.from('[]')), { 'content-length': '5000' }, limits),
    ).rejects.toMatchObject({ code: 'INGEST_PAYLOAD_TOO_LARGE' });
    await expect(readBody(stream(Buffer.alloc(2_000, 0x20)), {}, limits)).rejects.toMatchObject({
      code: 'INGEST_PAYLOAD_TOO_LARGE',
    });
    await expect(
      readBody(
        stream(gzipSync(Buffer.from(Array.from({ length: 500 }, (_, i) => i).join(',')))),
        { 'content-encoding': 'gzip' },
        limits,
      ),
    ).rejects.toMatchObject({ code: 'INGEST_PAYLOAD_TOO_LARGE' });
  });

  it('refuses bytes that are not UTF-8 (400), plain or inside gzip, instead of storing U+FFFD', async () => {
    const invalid = Buffer.concat([
      Buffer.from('[{"userId":"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}]'),
    ]);
    await expect(readBody(stream(invalid), {}, limits)).rejects.toMatchObject({
      code: 'INGEST_INVALID_UTF8',
      status: 400,
    });
    await expect(
      readBody(stream(gzipSync(invalid)), { 'content-encoding': 'gzip' }, limits),
    ).rejects.toMatchObject({ code: 'INGEST_INVALID_UTF8', status: 400 });
    expect(await readBody(stream(Buffer.from('["é ✓ 𝄞"]')), {}, limits)).toBe('["é ✓ 𝄞"]');
  });

  it('refuses corrupt gzip (400) and other encodings (415)', async () => {
    await expect(
      readBody(stream(Buffer.from('not gzip')), { 'content-encoding': 'gzip' }, limits),
    ).rejects.toMatchObject({
      code: 'INGEST_INVALID_GZIP',
      status: 400,
    });
    await expect(
      readBody(stream(Buffer.from('[]')), { 'content-encoding': 'br' }, limits),
    ).rejects.toMatchObject({
      code: 'INGEST_UNSUPPORTED_ENCODING',
      status: 415,
    });
  });
});
