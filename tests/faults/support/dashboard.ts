import WebSocket from 'ws';

/**
 * An instructor's dashboard as the browser runs it: one WebSocket to realtime, authenticated and
 * subscribed to a class, reconnecting (after 500 ms) whenever the connection drops. It keeps the
 * class's latest totals from the snapshot and the class_aggregate updates.
 */
export class Dashboard {
  connections = 0;
  snapshots = 0;
  totals: { executions: number; errors: number } | undefined;
  private ws: WebSocket | undefined;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly token: string,
    readonly classId: string,
  ) {}

  start(): this {
    this.connect();
    return this;
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  private connect(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.on('open', () => {
      this.connections++;
      ws.send(JSON.stringify({ type: 'auth', token: this.token }));
    });
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Record<string, unknown> & { type: string };
      if (message.type === 'authenticated')
        ws.send(JSON.stringify({ type: 'subscribe', classId: this.classId }));
      if (message.type === 'snapshot') {
        this.snapshots++;
        const aggregate = message.aggregate as Record<string, unknown> | null;
        if (aggregate) this.take(aggregate);
      }
      if (message.type === 'class_aggregate' && message.classId === this.classId) this.take(message);
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      if (!this.stopped) setTimeout(() => this.connect(), 500);
    });
  }

  private take(aggregate: Record<string, unknown>): void {
    this.totals = { executions: Number(aggregate.totalExecutions), errors: Number(aggregate.totalErrors) };
  }

  stop(): void {
    this.stopped = true;
    this.ws?.close();
  }
}
