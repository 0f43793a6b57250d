import type { NotificationsUpdate } from './feed.js';
import type { StudentNotification } from './notification.js';

export type ToastType = 'info' | 'success' | 'warning';

export interface Toast {
  message: string;
  type: ToastType;
}

/** JupyterLab truncates a notification's text at 140 characters; cut it ourselves, on a word. */
const MAX_TOAST_CHARS = 140;
/** Notifications sent while the student was away are toasted only if this recent... */
const REPLAY_WINDOW_MS = 7 * 24 * 3_600_000;
/** ...and at most this many (the panel lists them all), so an old browser is not flooded. */
const MAX_REPLAYED_TOASTS = 3;

/** What a notification says in a JupyterLab toast: its headline, then the feedback or text. */
export function toastFor(notification: StudentNotification): Toast {
  const type: ToastType =
    notification.kind === 'assignment_graded'
      ? 'success'
      : notification.kind === 'assignment_returned'
        ? 'warning'
        : 'info';
  const headline = notification.title || defaultTitle(notification);
  const body = notification.message.trim();
  return { type, message: shorten(body ? `${headline}: ${body}` : headline) };
}

/** Which of an update's notifications to toast: every live one, the newest few replayed ones. */
export function toastsToShow(update: NotificationsUpdate, now = Date.now()): StudentNotification[] {
  if (!update.replayed) return update.fresh;
  return update.fresh
    .filter((notification) => notification.createdAt >= now - REPLAY_WINDOW_MS)
    .sort((a, b) => a.createdAt - b.createdAt)
    .slice(-MAX_REPLAYED_TOASTS);
}

/** Grades change what the assignments panel shows: it reloads them when one arrives. */
export function changesSubmissions(notifications: readonly StudentNotification[]): boolean {
  return notifications.some((n) => n.kind === 'assignment_graded' || n.kind === 'assignment_returned');
}

function defaultTitle(notification: StudentNotification): string {
  switch (notification.kind) {
    case 'assignment_graded':
      return notification.score === null
        ? 'Assignment graded'
        : `Assignment graded: ${notification.score}${notification.maxScore === null ? '' : ` / ${notification.maxScore}`}`;
    case 'assignment_returned':
      return 'Assignment returned for another attempt';
    case 'system_message':
      return 'Message from your instructor';
  }
}

function shorten(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  if (flat.length <= MAX_TOAST_CHARS) return flat;
  const cut = flat.slice(0, MAX_TOAST_CHARS - 1);
  const lastSpace = cut.lastIndexOf(' ');
  return `${lastSpace > MAX_TOAST_CHARS / 2 ? cut.slice(0, lastSpace) : cut}…`;
}
