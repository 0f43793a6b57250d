import { tokenClaims } from '../config.js';
import { type FeedSocket, type FeedState, NotificationFeed, realtimeSocketUrl } from './feed.js';
import type { StudentNotification } from './notification.js';
import { changesSubmissions, type Toast, toastFor, toastsToShow } from './present.js';
import { type KeyValueStorage, SeenNotifications } from './seen.js';

export interface NotificationsDeps {
  /** Shows one toast (JupyterLab's Notification in the extension). */
  toast: (toast: Toast, notification: StudentNotification) => void;
  /** The recent notifications changed (the assignments panel lists them). */
  onRecent: (recent: StudentNotification[]) => void;
  /** A grade or return arrived: the student's submissions changed. */
  onSubmissionsChanged: () => void;
  onState: (state: FeedState, detail?: string) => void;
  storage?: KeyValueStorage;
  openSocket?: (url: string) => FeedSocket;
  now?: () => number;
}

/**
 * Keeps one notification feed for the current realtime URL and token, replacing it when either
 * changes (settings edited, a login in the panel), and turns what arrives into toasts, the
 * panel's list and a reload of the student's submissions.
 */
export class StudentNotifications {
  private feed: NotificationFeed | undefined;
  private current = '';

  constructor(private readonly deps: NotificationsDeps) {}

  apply(realtimeSetting: string, token: string): void {
    const url = realtimeSetting ? realtimeSocketUrl(realtimeSetting) : undefined;
    const userId = token ? tokenClaims(token)?.sub : undefined;
    const wanted = url && userId ? `${url}\n${token}` : '';
    if (wanted !== '' && wanted === this.current) return;
    this.feed?.stop();
    this.feed = undefined;
    this.current = wanted;
    this.deps.onRecent([]);
    if (!url || !userId) {
      this.deps.onState(
        'stopped',
        realtimeSetting && !url ? `"${realtimeSetting}" is not a ws(s):// or http(s):// URL` : undefined,
      );
      return;
    }
    this.feed = new NotificationFeed({
      url,
      token,
      seen: new SeenNotifications(userId, this.deps.storage),
      openSocket: this.deps.openSocket,
      onState: this.deps.onState,
      log: (message, detail) => console.warn(`[cellstream] ${message}`, detail ?? ''),
      onNotifications: (update) => {
        this.deps.onRecent(update.recent);
        for (const notification of toastsToShow(update, (this.deps.now ?? Date.now)())) {
          this.deps.toast(toastFor(notification), notification);
        }
        // Live: even when another tab showed it first, this tab's list is stale now.
        if (changesSubmissions(update.replayed ? update.fresh : update.arrived)) {
          this.deps.onSubmissionsChanged();
        }
      },
    });
    this.feed.start();
  }

  stop(): void {
    this.feed?.stop();
    this.feed = undefined;
    this.current = '';
  }
}
