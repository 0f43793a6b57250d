import { Widget } from '@lumino/widgets';
import type { DeliveryStatus } from './delivery/delivery.js';
import { statusText } from './status-text.js';

export class StatusItem extends Widget {
  private status: DeliveryStatus | undefined;
  private readonly ticker: ReturnType<typeof setInterval>;

  constructor() {
    super();
    this.addClass('cs-status');
    this.node.textContent = statusText(undefined);
    // Refresh the retry countdown.
    this.ticker = setInterval(() => this.render(), 1_000);
  }

  setStatus(status?: DeliveryStatus): void {
    this.status = status;
    this.render();
  }

  private render(): void {
    this.node.textContent = statusText(this.status);
    this.node.title = this.status?.lastError
      ? this.status.lastError.message
      : 'Cellstream learning analytics';
    this.node.dataset.state = this.status?.state ?? 'off';
  }

  override dispose(): void {
    clearInterval(this.ticker);
    super.dispose();
  }
}
