import { describe, expect, it } from 'vitest';
import { backoffDelay, CellstreamError, retry } from '../src/index.js';

const transient = () => new CellstreamError('TEST_TRANSIENT', 'try again', { retriable: true });
const permanent = () => new CellstreamError('TEST_PERMANENT', 'do not retry');

describe('retry', () => {
  it('retries retriable errors until the task succeeds', async () => {
    let calls = 0;
    const result = await retry(
      async () => {
        calls++;
        if (calls < 3) throw transient();
        return 'done';
      },
      { initialDelayMs: 1, maxDelayMs: 2 },
    );
    expect(result).toBe('done');
    expect(calls).toBe(3);
  });

  it('gives up at once on an error that is not retriable', async () => {
    let calls = 0;
    await expect(
      retry(async () => {
        calls++;
        throw permanent();
      }),
    ).rejects.toMatchObject({ code: 'TEST_PERMANENT' });
    expect(calls).toBe(1);
  });

  it('stops after the configured attempts and rethrows the last error', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw transient();
        },
        { attempts: 4, initialDelayMs: 1, maxDelayMs: 1 },
      ),
    ).rejects.toMatchObject({ code: 'TEST_TRANSIENT' });
    expect(calls).toBe(4);
  });

  it('keeps every delay within the exponential ceiling', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const delay = backoffDelay(attempt, { initialDelayMs: 100, maxDelayMs: 5_000 });
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(Math.min(5_000, 100 * 2 ** attempt));
    }
  });
});
