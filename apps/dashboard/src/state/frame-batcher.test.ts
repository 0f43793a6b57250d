import { describe, expect, it } from 'vitest';
import { FrameBatcher } from './frame-batcher';

function manualFrames() {
  const pending: (() => void)[] = [];
  return {
    schedule: (callback: () => void) => pending.push(callback),
    frame: () => {
      for (const callback of pending.splice(0)) callback();
    },
    pending,
  };
}

describe('FrameBatcher', () => {
  it('hands over everything pushed within a frame as one batch, scheduling one frame', () => {
    const frames = manualFrames();
    const batches: number[][] = [];
    const batcher = new FrameBatcher<number>((items) => batches.push(items), frames.schedule);
    for (let i = 0; i < 1000; i++) batcher.push(i);
    expect(frames.pending).toHaveLength(1);
    expect(batches).toHaveLength(0);
    frames.frame();
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(1000);
    batcher.push(1000);
    frames.frame();
    expect(batches[1]).toEqual([1000]);
  });

  it('drops what is queued once closed', () => {
    const frames = manualFrames();
    const batches: number[][] = [];
    const batcher = new FrameBatcher<number>((items) => batches.push(items), frames.schedule);
    batcher.push(1);
    batcher.close();
    batcher.push(2);
    frames.frame();
    expect(batches).toEqual([]);
  });
});
