import { describe, expect, it } from 'vitest';
import { statusText } from './status-text.js';

describe('statusText', () => {
  const base = { queued: 0, dropped: 0, rejected: 0 };
  it('says connected, queued, or the error and the retry countdown', () => {
    expect(statusText(undefined)).toBe('Cellstream: off');
    expect(statusText({ ...base, state: 'connected' })).toBe('Cellstream: connected');
    expect(statusText({ ...base, state: 'connected', queued: 4 })).toBe('Cellstream: 4 queued');
    expect(
      statusText(
        {
          ...base,
          state: 'retrying',
          queued: 7,
          dropped: 2,
          lastError: { code: 'CS_NETWORK', message: 'down' },
          nextAttemptAt: 10_500,
        },
        1_000,
      ),
    ).toBe('Cellstream: CS_NETWORK, 7 queued, retry in 10 s (2 dropped)');
  });
});
