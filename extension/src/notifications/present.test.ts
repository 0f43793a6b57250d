import { describe, expect, it } from 'vitest';
import type { StudentNotification } from './notification.js';
import { changesSubmissions, toastFor, toastsToShow } from './present.js';
import { SeenNotifications } from './seen.js';

const DAY = 24 * 3_600_000;
const NOW = 100 * DAY;

function notification(overrides: Partial<StudentNotification> = {}): StudentNotification {
  return {
    notificationId: crypto.randomUUID(),
    kind: 'assignment_graded',
    classId: '7',
    userId: 'ada',
    createdAt: NOW,
    senderId: 'teacher',
    title: 'Week 1: Variables graded: 8 / 10',
    message: 'Good work',
    assignmentId: '3',
    submissionId: '11',
    score: 8,
    maxScore: 10,
    ...overrides,
  };
}

describe('toastFor', () => {
  it('shows the headline and the feedback, typed by kind', () => {
    expect(toastFor(notification())).toEqual({
      type: 'success',
      message: 'Week 1: Variables graded: 8 / 10: Good work',
    });
    expect(
      toastFor(notification({ kind: 'assignment_returned', title: 'Week 1 returned', message: '' })),
    ).toEqual({
      type: 'warning',
      message: 'Week 1 returned',
    });
    expect(
      toastFor(notification({ kind: 'system_message', title: 'Break', message: 'Back at 10' })).type,
    ).toBe('info');
  });

  it('writes a headline when the notification has none', () => {
    expect(toastFor(notification({ title: '', message: '' })).message).toBe('Assignment graded: 8 / 10');
    expect(toastFor(notification({ kind: 'system_message', title: '', message: 'Hi' })).message).toBe(
      'Message from your instructor: Hi',
    );
  });

  it('cuts long feedback at a word, within the 140 characters JupyterLab shows', () => {
    const message = toastFor(notification({ message: 'word '.repeat(100) })).message;
    expect(message.length).toBeLessThanOrEqual(140);
    expect(message.endsWith('word…')).toBe(true);
  });
});

describe('toastsToShow', () => {
  it('toasts every fresh live notification', () => {
    const fresh = [notification(), notification()];
    expect(toastsToShow({ recent: fresh, arrived: fresh, fresh, replayed: false }, NOW)).toEqual(fresh);
  });

  it('toasts only the newest three replayed ones of the last week, oldest first', () => {
    const old = notification({ createdAt: NOW - 8 * DAY });
    const recent = [1, 2, 3, 4].map((hours) => notification({ createdAt: NOW - hours * 3_600_000 }));
    const fresh = [old, ...recent];
    const shown = toastsToShow({ recent: fresh, arrived: fresh, fresh, replayed: true }, NOW);
    expect(shown).toEqual([recent[2], recent[1], recent[0]]);
  });
});

describe('changesSubmissions', () => {
  it('is true for grades and returns, not for class messages', () => {
    expect(changesSubmissions([notification({ kind: 'system_message' })])).toBe(false);
    expect(changesSubmissions([notification({ kind: 'system_message' }), notification()])).toBe(true);
    expect(changesSubmissions([notification({ kind: 'assignment_returned' })])).toBe(true);
  });
});

describe('SeenNotifications', () => {
  it('forgets the oldest ids past its limit, and survives a storage that throws', () => {
    const seen = new SeenNotifications('ada', undefined, 3);
    expect(seen.add(['a', 'b', 'c', 'a'])).toEqual(['a', 'b', 'c']);
    expect(seen.add(['d'])).toEqual(['d']);
    expect(seen.has('a')).toBe(false);
    expect(seen.has('d')).toBe(true);
    const broken = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('full');
      },
    };
    const fallback = new SeenNotifications('ada', broken);
    expect(fallback.add(['x'])).toEqual(['x']);
    expect(fallback.has('x')).toBe(true);
  });
});
