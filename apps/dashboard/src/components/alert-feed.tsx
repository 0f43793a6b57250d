import type { Alert, AlertKind } from '../realtime/messages';
import { clockTime } from '../state/format';
import { Icon, type IconName } from './icon';

const kinds: Record<AlertKind, { icon: IconName; label: string }> = {
  stuck: { icon: 'stop', label: 'Stuck' },
  idle: { icon: 'moon', label: 'Idle' },
  error_burst: { icon: 'bolt', label: 'Error burst' },
  help_requested: { icon: 'hand', label: 'Help' },
  unknown: { icon: 'question', label: 'Alert' },
};

interface Props {
  alerts: readonly Alert[];
  names: ReadonlyMap<string, string>;
  onOpenStudent: (userId: string) => void;
}

/** The aggregator's recent alerts for the class, newest first; messages shown as text. */
export function AlertFeed({ alerts, names, onOpenStudent }: Props) {
  const shown = alerts.slice(0, 20);
  return (
    <section class="panel" aria-labelledby="alerts-title" data-testid="alerts">
      <h2 id="alerts-title">Recent alerts</h2>
      {shown.length === 0 ? (
        <p class="empty">No alerts.</p>
      ) : (
        <ol class="alerts">
          {shown.map((alert) => {
            const kind = kinds[alert.kind] ?? kinds.unknown;
            return (
              <li key={alert.alertId} class={`alert alert-${alert.severity}`}>
                <Icon name={kind.icon} /> <strong>{kind.label}</strong>{' '}
                <time dateTime={new Date(alert.raisedAt).toISOString()}>{clockTime(alert.raisedAt)}</time>{' '}
                <span class="muted">({alert.severity})</span>
                <div>{alert.message}</div>
                {alert.userId && (
                  <button
                    type="button"
                    class="link-button"
                    onClick={() => alert.userId && onOpenStudent(alert.userId)}
                  >
                    Open {names.get(alert.userId) ?? alert.userId}
                  </button>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
