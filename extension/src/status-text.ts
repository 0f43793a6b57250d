import type { DeliveryStatus } from './delivery/delivery.js';

/** The status bar's word on delivery: off, connected, N queued, or the last error. */
export function statusText(status: DeliveryStatus | undefined, now = Date.now()): string {
  if (!status) return 'Cellstream: off';
  const extras = [
    status.dropped > 0 ? `${status.dropped} dropped` : '',
    status.rejected > 0 ? `${status.rejected} rejected` : '',
  ].filter(Boolean);
  const suffix = extras.length ? ` (${extras.join(', ')})` : '';
  if (status.state === 'retrying' && status.lastError) {
    const seconds = Math.max(0, Math.ceil(((status.nextAttemptAt ?? now) - now) / 1000));
    return `Cellstream: ${status.lastError.code}, ${status.queued} queued, retry in ${seconds} s${suffix}`;
  }
  if (status.queued > 0) return `Cellstream: ${status.queued} queued${suffix}`;
  return `Cellstream: ${status.state === 'connected' ? 'connected' : 'ready'}${suffix}`;
}
