import { describe, expect, it } from 'vitest';
import { scrollToRow, visibleRange } from './window';

describe('visibleRange', () => {
  it('covers the viewport plus the overscan, clamped to the list', () => {
    expect(visibleRange(0, 500, 50, 1000, 5)).toEqual({ start: 0, end: 16 });
    expect(visibleRange(5_000, 500, 50, 1000, 5)).toEqual({ start: 95, end: 116 });
    expect(visibleRange(49_900, 500, 50, 1000, 5)).toEqual({ start: 993, end: 1000 });
    expect(visibleRange(999_999, 500, 50, 1000, 5)).toEqual({ start: 994, end: 1000 });
  });

  it('handles short and empty lists and odd inputs', () => {
    expect(visibleRange(0, 500, 50, 3, 5)).toEqual({ start: 0, end: 3 });
    expect(visibleRange(0, 500, 50, 0, 5)).toEqual({ start: 0, end: 0 });
    expect(visibleRange(-20, -1, 50, 10, 0)).toEqual({ start: 0, end: 1 });
  });
});

describe('scrollToRow', () => {
  it('scrolls just enough to show the row, up or down', () => {
    // Rows of 50 px under a 40 px header, a 400 px viewport scrolled to 1000.
    expect(scrollToRow(25, 1_000, 400, 50, 40)).toBeUndefined();
    expect(scrollToRow(10, 1_000, 400, 50, 40)).toBe(500);
    expect(scrollToRow(40, 1_000, 400, 50, 40)).toBe(40 + 41 * 50 - 400);
  });
});
