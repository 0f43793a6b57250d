import { describe, expect, it } from 'vitest';
import { SendCoalescer } from '../src/kafka/coalescer.js';

/** A send whose calls the test completes by hand. */
function manualSend() {
  const calls: { messages: number[]; resolve(): void; reject(error: Error): void }[] = [];
  const send = (messages: number[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ messages, resolve, reject });
    });
  return { calls, send };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SendCoalescer', () => {
  it('sends the first submission at once and coalesces the ones that arrive meanwhile', async () => {
    const { calls, send } = manualSend();
    const coalescer = new SendCoalescer<number>(send, { maxBytes: 1_000, sizeOf: () => 1 });
    const first = coalescer.submit([1, 2]);
    await tick();
    const second = coalescer.submit([3]);
    const third = coalescer.submit([4, 5]);
    await tick();
    expect(calls.map((call) => call.messages)).toEqual([[1, 2]]);
    calls[0]?.resolve();
    await first.done;
    await tick();
    expect(calls.map((call) => call.messages)).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    let settled = false;
    void second.done.then(() => {
      settled = true;
    });
    await tick();
    expect(settled).toBe(false); // not acknowledged before its own call is
    calls[1]?.resolve();
    await Promise.all([second.done, third.done]);
    await coalescer.idle();
  });

  it('fails every submission of a failed call, and only those', async () => {
    const { calls, send } = manualSend();
    const coalescer = new SendCoalescer<number>(send, { maxBytes: 1_000, sizeOf: () => 1 });
    const first = coalescer.submit([1]);
    await tick();
    const second = coalescer.submit([2]);
    const third = coalescer.submit([3]);
    calls[0]?.resolve();
    await first.done;
    await tick();
    calls[1]?.reject(new Error('broker gone'));
    await expect(second.done).rejects.toThrow('broker gone');
    await expect(third.done).rejects.toThrow('broker gone');
  });

  it('splits a submission larger than maxBytes over several calls and settles it after the last', async () => {
    const { calls, send } = manualSend();
    const coalescer = new SendCoalescer<number>(send, { maxBytes: 10, sizeOf: (n) => n });
    const big = coalescer.submit([6, 4, 5, 5, 9]);
    await tick();
    expect(calls.map((call) => call.messages)).toEqual([[6, 4]]);
    calls[0]?.resolve();
    await tick();
    expect(calls.map((call) => call.messages)).toEqual([
      [6, 4],
      [5, 5],
    ]);
    calls[1]?.resolve();
    await tick();
    calls[2]?.resolve();
    await big.done;
    expect(calls.map((call) => call.messages)).toEqual([[6, 4], [5, 5], [9]]);
  });

  it('withdraws a queued submission on cancel, so it is never sent', async () => {
    const { calls, send } = manualSend();
    const coalescer = new SendCoalescer<number>(send, { maxBytes: 1_000, sizeOf: () => 1 });
    const first = coalescer.submit([1]);
    const queued = coalescer.submit([2]);
    expect(coalescer.queued).toBe(1);
    expect(queued.cancel()).toBe(true);
    expect(first.cancel()).toBe(false); // already handed to Kafka
    await tick();
    calls[0]?.resolve();
    await coalescer.idle();
    expect(calls.map((call) => call.messages)).toEqual([[1]]);
  });
});
