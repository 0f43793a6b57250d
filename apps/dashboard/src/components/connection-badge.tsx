import type { ComponentChildren } from 'preact';
import type { ConnectionState } from '../realtime/client';
import { relativeTime } from '../state/format';
import { Icon } from './icon';

interface Props {
  state: ConnectionState;
  now: number;
  lastUpdateAt: number | null;
  onRetry: () => void;
  onLogin: () => void;
}

/** Where the live stream stands, in words and an icon (colour is a third signal, never the only one). */
export function ConnectionBadge({ state, now, lastUpdateAt, onRetry, onLogin }: Props) {
  const updated = lastUpdateAt === null ? '' : ` · updated ${relativeTime(lastUpdateAt, now)}`;
  let body: ComponentChildren;
  switch (state.kind) {
    case 'live':
      body = (
        <>
          <Icon name="live" /> Live{updated}
        </>
      );
      break;
    case 'connecting':
      body = (
        <>
          <Icon name="refresh" /> {state.attempt === 0 ? 'Connecting…' : 'Reconnecting…'}
        </>
      );
      break;
    case 'reconnecting': {
      const seconds = Math.max(0, Math.ceil((state.retryAt - now) / 1000));
      body = (
        <>
          <Icon name="warning" /> Offline: retrying in {seconds} s (attempt {state.attempt}){' '}
          <button type="button" class="link-button" onClick={onRetry}>
            Retry now
          </button>
        </>
      );
      break;
    }
    case 'unauthorized':
      body = (
        <>
          <Icon name="warning" /> Session expired.{' '}
          <button type="button" class="link-button" onClick={onLogin}>
            Log in again
          </button>
        </>
      );
      break;
    case 'forbidden':
      body = (
        <>
          <Icon name="stop" /> You may not watch this class live.
        </>
      );
      break;
    case 'stopped':
      body = 'Not connected';
      break;
  }
  return (
    <div class={`connection connection-${state.kind}`} role="status" data-connection={state.kind}>
      {body}
    </div>
  );
}
