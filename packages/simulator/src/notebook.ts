import type { CellType } from './events.js';

/** A wrong version of a cell and what Python says about it. */
export interface ErrorVariant {
  errorName: string;
  errorMessage: string;
  /** The buggy source the student ran. */
  code: string;
}

export interface NotebookCell {
  /** The nbformat cell id: stable across runs, so events of several runs name the same cell. */
  cellId: string;
  cellType: CellType;
  source: string;
  /** What the cell shows when it runs without error (code cells). */
  result?: string;
  /** Median run time in the kernel, in milliseconds. */
  durationMs: number;
  /** Median time a student spends reading or typing before running it, in milliseconds. */
  thinkMs: number;
  /** Hard cells fail more often, and again and again; stuck students get stuck on one. */
  hard?: boolean;
  /** Slow cells are the ones students interrupt. */
  slow?: boolean;
  errors: readonly ErrorVariant[];
}

export interface Notebook {
  path: string;
  cells: readonly NotebookCell[];
}

const md = (cellId: string, source: string, thinkMs: number): NotebookCell => ({
  cellId,
  cellType: 'markdown',
  source,
  durationMs: 3,
  thinkMs,
  errors: [],
});

/**
 * "Lists and loops", the notebook of the demo class's assignment (lms-api's seed names
 * `lists-and-loops.ipynb`): 12 cells, 8 of them code, two hard and one slow.
 */
export const LISTS_AND_LOOPS: Notebook = {
  path: 'lists-and-loops.ipynb',
  cells: [
    md(
      'intro',
      '# Lists and loops\nIn this notebook you build a list, walk through it, and compute averages.',
      6_000,
    ),
    {
      cellId: 'make-list',
      cellType: 'code',
      source: 'numbers = [3, 1, 4, 1, 5, 9, 2, 6]\nnumbers',
      result: '[3, 1, 4, 1, 5, 9, 2, 6]',
      durationMs: 4,
      thinkMs: 15_000,
      errors: [
        {
          errorName: 'SyntaxError',
          errorMessage: 'invalid syntax. Perhaps you forgot a comma?',
          code: 'numbers = [3, 1, 4 1, 5, 9, 2, 6]\nnumbers',
        },
      ],
    },
    md('indexing', '## Indexing\nPython counts from 0; negative indices count from the end.', 5_000),
    {
      cellId: 'first-last',
      cellType: 'code',
      source: 'first = numbers[0]\nlast = numbers[-1]\nprint(first, last)',
      result: '3 6',
      durationMs: 5,
      thinkMs: 20_000,
      errors: [
        {
          errorName: 'IndexError',
          errorMessage: 'list index out of range',
          code: 'first = numbers[0]\nlast = numbers[8]\nprint(first, last)',
        },
        {
          errorName: 'NameError',
          errorMessage: "name 'number' is not defined",
          code: 'first = number[0]\nlast = number[-1]\nprint(first, last)',
        },
      ],
    },
    {
      cellId: 'sum-loop',
      cellType: 'code',
      source: 'total = 0\nfor n in numbers:\n    total += n\ntotal',
      result: '31',
      durationMs: 6,
      thinkMs: 30_000,
      errors: [
        {
          errorName: 'NameError',
          errorMessage: "name 'totl' is not defined",
          code: 'total = 0\nfor n in numbers:\n    totl += n\ntotal',
        },
        {
          errorName: 'SyntaxError',
          errorMessage: "expected ':'",
          code: 'total = 0\nfor n in numbers\n    total += n\ntotal',
        },
        {
          errorName: 'TypeError',
          errorMessage: "unsupported operand type(s) for +=: 'int' and 'str'",
          code: "total = 0\nfor n in numbers + ['7']:\n    total += n\ntotal",
        },
      ],
    },
    md('averages', '## Averages\nThe mean is the total divided by how many numbers there are.', 5_000),
    {
      cellId: 'average',
      cellType: 'code',
      source: 'average = total / len(numbers)\naverage',
      result: '3.875',
      durationMs: 5,
      thinkMs: 35_000,
      hard: true,
      errors: [
        {
          errorName: 'ZeroDivisionError',
          errorMessage: 'division by zero',
          code: 'values = []\naverage = total / len(values)\naverage',
        },
        {
          errorName: 'TypeError',
          errorMessage: "object of type 'int' has no len()",
          code: 'average = total / len(total)\naverage',
        },
        {
          errorName: 'NameError',
          errorMessage: "name 'lenght' is not defined",
          code: 'average = total / lenght(numbers)\naverage',
        },
      ],
    },
    {
      cellId: 'squares',
      cellType: 'code',
      source: 'squares = [n ** 2 for n in numbers]\nsquares',
      result: '[9, 1, 16, 1, 25, 81, 4, 36]',
      durationMs: 6,
      thinkMs: 25_000,
      errors: [
        {
          errorName: 'SyntaxError',
          errorMessage: 'invalid syntax',
          code: 'squares = [n ** 2 for n numbers]\nsquares',
        },
        {
          errorName: 'NameError',
          errorMessage: "name 'x' is not defined",
          code: 'squares = [x ** 2 for n in numbers]\nsquares',
        },
      ],
    },
    {
      cellId: 'slow-sum',
      cellType: 'code',
      source:
        'def slow_sum(values):\n    result = 0\n    i = 0\n    while i < len(values):\n        result += values[i]\n        i += 1\n    return result\n\nslow_sum(list(range(10_000_000)))',
      result: '49999995000000',
      durationMs: 1_800,
      thinkMs: 40_000,
      slow: true,
      errors: [
        {
          errorName: 'IndexError',
          errorMessage: 'list index out of range',
          code: 'def slow_sum(values):\n    result = 0\n    i = 0\n    while i <= len(values):\n        result += values[i]\n        i += 1\n    return result\n\nslow_sum(list(range(10_000_000)))',
        },
      ],
    },
    md('challenge', '## Challenge: running mean\nReturn the mean of the first 1, 2, 3... numbers.', 8_000),
    {
      cellId: 'running-mean',
      cellType: 'code',
      source:
        'def running_mean(values):\n    means = []\n    for i, v in enumerate(values):\n        means.append(sum(values[:i + 1]) / (i + 1))\n    return means\n\nrunning_mean(numbers)',
      result: '[3.0, 2.0, 2.6666666666666665, 2.25, 2.8, 3.8333333333333335, 3.5714285714285716, 3.875]',
      durationMs: 8,
      thinkMs: 60_000,
      hard: true,
      errors: [
        {
          errorName: 'ZeroDivisionError',
          errorMessage: 'division by zero',
          code: 'def running_mean(values):\n    means = []\n    for i, v in enumerate(values):\n        means.append(sum(values[:i]) / i)\n    return means\n\nrunning_mean(numbers)',
        },
        {
          errorName: 'TypeError',
          errorMessage: "unsupported operand type(s) for /: 'list' and 'int'",
          code: 'def running_mean(values):\n    means = []\n    for i, v in enumerate(values):\n        means.append(values[:i + 1] / (i + 1))\n    return means\n\nrunning_mean(numbers)',
        },
        {
          errorName: 'IndexError',
          errorMessage: 'list index out of range',
          code: 'def running_mean(values):\n    means = []\n    for i in range(len(values) + 1):\n        means.append(sum(values[:i + 1]) / values[i])\n    return means\n\nrunning_mean(numbers)',
        },
        {
          errorName: 'NameError',
          errorMessage: "name 'mean' is not defined",
          code: 'def running_mean(values):\n    means = []\n    for i, v in enumerate(values):\n        mean.append(sum(values[:i + 1]) / (i + 1))\n    return means\n\nrunning_mean(numbers)',
        },
      ],
    },
    {
      cellId: 'check',
      cellType: 'code',
      source: "assert running_mean([2, 4]) == [2.0, 3.0]\nprint('All checks passed!')",
      result: 'All checks passed!',
      durationMs: 4,
      thinkMs: 10_000,
      errors: [
        {
          errorName: 'NameError',
          errorMessage: "name 'runing_mean' is not defined",
          code: "assert runing_mean([2, 4]) == [2.0, 3.0]\nprint('All checks passed!')",
        },
        {
          errorName: 'TypeError',
          errorMessage: 'running_mean() takes 1 positional argument but 2 were given',
          code: "assert running_mean(2, 4) == [2.0, 3.0]\nprint('All checks passed!')",
        },
      ],
    },
  ],
};
