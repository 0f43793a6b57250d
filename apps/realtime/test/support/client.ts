import WebSocket from 'ws';

// biome-ignore lint/suspicious/noExplicitAny: messages are JSON whose shape each test checks
export type Message = Record<string, any> & { type: string };

/** A dashboard as the tests drive it: a `ws` client that records every message it receives. */
export class TestClient {
  readonly received: Message[] = [];
  /** When each message of `received` arrived (Date.now()), by index. */
  readonly receivedAt: number[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      this.receivedAt.push(Date.now());
      this.received.push(JSON.parse(data.toString()) as Message);
      this.notify();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.notify();
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on('error', () => undefined);
  }

  static connect(url: string): Promise<TestClient> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TestClient(ws)));
      ws.once('error', reject);
    });
  }

  /** Connects, authenticates and waits for `authenticated`. */
  static async authenticated(url: string, token: string): Promise<TestClient> {
    const client = await TestClient.connect(url);
    client.send({ type: 'auth', token });
    await client.waitFor((message) => message.type === 'authenticated');
    return client;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Subscribes and resolves with the snapshot answered. */
  async subscribe(classId: string): Promise<Message> {
    const before = this.received.length;
    this.send({ type: 'subscribe', classId });
    return this.waitFor(
      (message, index) => index >= before && message.type === 'snapshot' && message.classId === classId,
    );
  }

  /** Subscribes to a channel (`progress:<userId>`, ...) and resolves with the snapshot answered. */
  async subscribeChannel(channel: string): Promise<Message> {
    const before = this.received.length;
    this.send({ type: 'subscribe', channel });
    return this.waitFor(
      (message, index) => index >= before && message.type === 'snapshot' && message.channel === channel,
      { what: `the snapshot of ${channel}` },
    );
  }

  /** The answer to a subscribe that should be refused: the next error about that channel. */
  async refusedOn(channel: string): Promise<Message> {
    const before = this.received.length;
    this.send({ type: 'subscribe', channel });
    return this.waitFor(
      (message, index) => index >= before && (message.channel === channel || message.type === 'snapshot'),
      { what: `an answer about ${channel}` },
    );
  }

  /** Milliseconds from `sentAt` to the arrival of `message` (one of `received`). */
  delayOf(message: Message, sentAt: number): number {
    return (this.receivedAt[this.received.indexOf(message)] ?? Number.NaN) - sentAt;
  }

  /** Messages streamed on a channel (snapshots excluded), in arrival order. */
  onChannel(channel: string): Message[] {
    return this.received.filter((message) => message.channel === channel && message.type !== 'snapshot');
  }

  /** The first message (ever received) matching `predicate`, waiting for it when needed. */
  waitFor(
    predicate: (message: Message, index: number) => boolean,
    { timeoutMs = 10_000, what = 'a matching message' } = {},
  ): Promise<Message> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.received.find(predicate);
        if (found) {
          finish();
          resolve(found);
          return true;
        }
        if (this.ws.readyState === WebSocket.CLOSED) {
          finish();
          reject(new Error(`connection closed while waiting for ${what}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new Error(
            `${what} not received within ${timeoutMs} ms; got ${JSON.stringify(this.received.map((m) => m.type))}`,
          ),
        );
      }, timeoutMs);
      const waiter = () => {
        check();
      };
      const finish = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((entry) => entry !== waiter);
      };
      if (!check()) this.waiters.push(waiter);
    });
  }

  /** Messages of one type (and class) in arrival order. */
  ofType(type: string, classId?: string): Message[] {
    return this.received.filter(
      (message) => message.type === type && (classId === undefined || message.classId === classId),
    );
  }

  /** Stops reading from the socket: the kernel buffers fill, then the server's. */
  pauseReading(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  resumeReading(): void {
    (this.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  }

  close(): void {
    this.ws.close();
  }

  terminate(): void {
    this.ws.terminate();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
