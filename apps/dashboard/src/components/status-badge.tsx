import type { RowStatus } from '../state/students';
import { statusLabels } from '../state/students';
import { Icon, type IconName } from './icon';

/** Status by colour AND icon AND word: colour is never the only signal. */
const icons: Record<RowStatus, IconName> = {
  stuck: 'stop',
  erroring: 'warning',
  active: 'check',
  idle: 'moon',
  not_started: 'circle',
  unknown: 'question',
};

export function StatusBadge({ status }: { status: RowStatus }) {
  return (
    <span class={`badge status-${status}`} data-status={status}>
      <Icon name={icons[status]} />
      {statusLabels[status]}
    </span>
  );
}

export function HelpBadge() {
  return (
    <span class="badge status-help" data-help="true">
      <Icon name="hand" />
      Help<span class="sr-only"> requested</span>
    </span>
  );
}
