import WebSocket from 'ws';

export interface RealtimeMessage {
  type: string;
  [field: string]: unknown;
}

/**
 * A dashboard on realtime's WebSocket (CONTRACT.md, "Realtime"): authenticates, subscribes to
 * one class and keeps every message, for tests to wait on.
 */
export class RealtimeClient {
  readonly messages: RealtimeMessage[] = [];

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as RealtimeMessage);
    });
  }

  static async connect(url: string, token: string, classId: string): Promise<RealtimeClient> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const client = new RealtimeClient(socket);
    socket.send(JSON.stringify({ type: 'auth', token }));
    socket.send(JSON.stringify({ type: 'subscribe', classId }));
    return client;
  }

  /** The newest aggregate seen (from a snapshot or a class_aggregate message). */
  latestAggregate(): Record<string, unknown> | undefined {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const message = this.messages[i];
      if (message?.type === 'class_aggregate') return message;
      if (message?.type === 'snapshot' && message.aggregate)
        return message.aggregate as Record<string, unknown>;
    }
    return undefined;
  }

  close(): void {
    this.socket.close();
  }
}
