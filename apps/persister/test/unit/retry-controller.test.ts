import { describe, expect, it, vi } from 'vitest';
import { PersisterError } from '../../src/errors.js';
import { type BatchControl, type RetryEvents, untilDone } from '../../src/pipeline/retry-controller.js';

const policy = { initialDelayMs: 1, maxDelayMs: 5, heartbeatIntervalMs: 2 };

function control(overrides: Partial<BatchControl> = {}) {
  const state = { paused: 0, resumed: 0, heartbeats: 0 };
  const batch: BatchControl = {
    partition: 2,
    heartbeat: async () => {
      state.heartbeats++;
    },
    pause: () => {
      state.paused++;
      return () => {
        state.resumed++;
      };
    },
    isRunning: () => true,
    isStale: () => false,
    ...overrides,
  };
  return { batch, state };
}

const events = (): RetryEvents & { calls: string[] } => {
  const calls: string[] = [];
  return {
    calls,
    onRetry: (dependency, _error, attempt) => calls.push(`retry ${dependency} ${attempt}`),
    onPause: (partition) => calls.push(`pause ${partition}`),
    onResume: (partition, failures, recovered) => calls.push(`resume ${partition} ${failures} ${recovered}`),
  };
};

const transient = () => new PersisterError('PERSISTER_PG_UNAVAILABLE', 'down');

describe('untilDone', () => {
  it('pauses once, retries transient failures with back-off, and resumes after success', async () => {
    const { batch, state } = control();
    const hooks = events();
    const step = vi
      .fn()
      .mockRejectedValueOnce(transient())
      .mockRejectedValueOnce(transient())
      .mockResolvedValue('ok');
    await expect(untilDone(batch, 'postgres', policy, hooks, step)).resolves.toBe('ok');
    expect(step).toHaveBeenCalledTimes(3);
    expect(state).toMatchObject({ paused: 1, resumed: 1 });
    expect(hooks.calls).toEqual(['pause 2', 'retry postgres 1', 'retry postgres 2', 'resume 2 2 true']);
  });

  it('neither pauses nor retries a success or a non-retriable error', async () => {
    const { batch, state } = control();
    await expect(untilDone(batch, 'x', policy, events(), async () => 1)).resolves.toBe(1);
    const bug = new TypeError('bug');
    await expect(untilDone(batch, 'x', policy, events(), () => Promise.reject(bug))).rejects.toBe(bug);
    expect(state.paused).toBe(0);
  });

  it('gives the batch up when the consumer stops, and resumes the partition', async () => {
    let running = true;
    // The consumer is asked to stop while the step waits for its retry.
    const { batch, state } = control({
      isRunning: () => running,
      heartbeat: async () => {
        running = false;
      },
    });
    const hooks = events();
    const step = vi.fn(() => Promise.reject(transient()));
    await expect(untilDone(batch, 'postgres', policy, hooks, step)).rejects.toMatchObject({
      code: 'PERSISTER_BATCH_ABANDONED',
    });
    expect(state).toMatchObject({ paused: 1, resumed: 1 });
    expect(hooks.calls[0]).toBe('pause 2');
    expect(hooks.calls.at(-1)).toBe(`resume 2 ${step.mock.calls.length} false`);
  });

  it('heartbeats while waiting, and lets a rebalance reported by the heartbeat through', async () => {
    const rebalance = Object.assign(new Error('rebalance'), { type: 'REBALANCE_IN_PROGRESS' });
    const { batch } = control({ heartbeat: () => Promise.reject(rebalance) });
    await expect(
      untilDone(batch, 'postgres', { ...policy, initialDelayMs: 50, maxDelayMs: 50 }, events(), () =>
        Promise.reject(transient()),
      ),
    ).rejects.toBe(rebalance);
  });
});
