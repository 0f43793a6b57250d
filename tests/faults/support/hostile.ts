import { randomBytes } from 'node:crypto';
import { createGzip, gzipSync } from 'node:zlib';

/** One hostile request: raw bytes of a body and headers sent as they are. */
export interface HostileRequest {
  category: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** A gzip body that inflates to `inflatedBytes` of spaces: the classic zip bomb, built by streaming. */
export async function gzipBomb(inflatedBytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  const block = Buffer.alloc(1 << 20, 0x20);
  for (let written = 0; written < inflatedBytes; written += block.length) {
    if (!gzip.write(block)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
  return Buffer.concat(chunks);
}

/** A valid event of `userId` in `classId`, the base the generators spoil. */
export function validEvent(userId: string, classId: string): Record<string, unknown> {
  return {
    eventId: `hostile-${randomBytes(6).toString('hex')}`,
    eventType: 'cell_execution_complete',
    eventTime: new Date().toISOString(),
    userId,
    classId,
    cellType: 'code',
  };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const jsonHeaders = { 'content-type': 'application/json' };

/**
 * The generators of hostile requests, by category (issue #12 item 6). Each returns a new request
 * every call (random parts differ), authenticated as a real student unless the category is about
 * the headers. `bomb` is a gzip bomb built once.
 */
export function hostileGenerators(
  student: { userId: string; classId: string },
  bomb: Buffer,
): Record<string, () => HostileRequest> {
  const event = () => validEvent(student.userId, student.classId);
  const make = (category: string, body: Buffer, headers: Record<string, string> = jsonHeaders) => ({
    category,
    headers,
    body,
  });
  // The large bodies are built once: building them is not what is measured.
  const deepArrays = Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
  const tooLarge = json([{ ...event(), code: 'x'.repeat(3 * 1024 * 1024) }]);
  const duplicateKeys = Buffer.from(
    `[{${Array.from({ length: 100_000 }, (_, i) => `"k${i % 50}":"${'lol'.repeat(4)}"`).join(',')}}]`,
  );
  const repetition = gzipSync(Buffer.from(`[${Array.from({ length: 400_000 }, () => '"lol"').join(',')}]`));
  const bigBatch = json(Array.from({ length: 10_000 }, () => ({ a: 1 })));
  return {
    'invalid JSON (truncated)': () => make('invalid JSON (truncated)', json([event()]).subarray(0, 40)),
    'invalid JSON (random bytes)': () => make('invalid JSON (random bytes)', randomBytes(256)),
    'invalid JSON (trailing garbage)': () =>
      make('invalid JSON (trailing garbage)', Buffer.concat([json([event()]), Buffer.from('}}{{')])),
    'wrong top-level type': () =>
      make('wrong top-level type', json(['events', 42, null, true, 1.5e308][Math.floor(Math.random() * 5)])),
    'object instead of array': () => make('object instead of array', json(event())),
    'empty array': () => make('empty array', json([])),
    'wrong field types': () =>
      make(
        'wrong field types',
        json([
          { ...event(), eventId: 42 },
          { ...event(), eventTime: 'yesterday' },
          { ...event(), eventType: 'rm -rf' },
          { ...event(), cellIndex: 'one' },
          { ...event(), metadata: { nested: { deep: true } } },
          { ...event(), hasError: 'yes' },
          null,
          [],
        ]),
      ),
    'huge strings (over the field limits)': () =>
      make(
        'huge strings (over the field limits)',
        json([
          { ...event(), code: 'x'.repeat(70 * 1024) },
          { ...event(), errorMessage: 'y'.repeat(17 * 1024) },
          { ...event(), eventId: 'z'.repeat(200_000) },
        ]),
      ),
    'body over MAX_BODY_BYTES': () => make('body over MAX_BODY_BYTES', tooLarge),
    'deep nesting (100k arrays)': () => make('deep nesting (100k arrays)', deepArrays),
    'deep nesting (in an event)': () =>
      make(
        'deep nesting (in an event)',
        Buffer.from(
          `[{"eventId":"deep","eventType":"cell_execution_complete","eventTime":"${new Date().toISOString()}","userId":"${student.userId}","metadata":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}]`,
        ),
      ),
    'invalid UTF-8': () =>
      make(
        'invalid UTF-8',
        Buffer.concat([
          Buffer.from(`[{"eventId":"`),
          Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
          Buffer.from(
            `","eventType":"cell_execution_complete","eventTime":"${new Date().toISOString()}","userId":"${student.userId}"}]`,
          ),
        ]),
      ),
    'gzip bomb': () => make('gzip bomb', bomb, { ...jsonHeaders, 'content-encoding': 'gzip' }),
    'gzip header on a plain body': () =>
      make('gzip header on a plain body', json([event()]), { ...jsonHeaders, 'content-encoding': 'gzip' }),
    'billion-laughs style (many duplicate keys)': () =>
      make('billion-laughs style (many duplicate keys)', duplicateKeys),
    'billion-laughs style (gzipped repetition)': () =>
      make('billion-laughs style (gzipped repetition)', repetition, {
        ...jsonHeaders,
        'content-encoding': 'gzip',
      }),
    'oversized batch (101 events)': () =>
      make('oversized batch (101 events)', json(Array.from({ length: 101 }, event))),
    'oversized batch (10,000 events)': () => make('oversized batch (10,000 events)', bigBatch),
    'another student’s events': () =>
      make('another student’s events', json([{ ...event(), userId: 'someone-else' }])),
    'another class’s events': () => make('another class’s events', json([{ ...event(), classId: '999999' }])),
    'header abuse (wrong content-type)': () =>
      make('header abuse (wrong content-type)', json([event()]), { 'content-type': 'text/plain' }),
    'header abuse (unknown content-encoding)': () =>
      make('header abuse (unknown content-encoding)', json([event()]), {
        ...jsonHeaders,
        'content-encoding': 'br, compress, x-evil',
      }),
    'header abuse (huge header)': () =>
      make('header abuse (huge header)', json([event()]), { ...jsonHeaders, 'x-filler': 'a'.repeat(20_000) }),
    'header abuse (many headers)': () =>
      make('header abuse (many headers)', json([event()]), {
        ...jsonHeaders,
        ...Object.fromEntries(Array.from({ length: 2_500 }, (_, i) => [`x-h${i}`, 'v'])),
      }),
    'header abuse (bad authorization)': () =>
      make('header abuse (bad authorization)', json([event()]), {
        ...jsonHeaders,
        authorization: `Bearer ${'A'.repeat(8_000)}.${'B'.repeat(100)}.`,
      }),
  };
}

/** Categories sent without the student's token (the header itself is what is under test). */
export const unauthenticatedCategories = new Set(['header abuse (bad authorization)']);
