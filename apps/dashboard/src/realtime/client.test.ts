import { describe, expect, it } from 'vitest';
import { aggregate, status } from '../testing/fixtures';
import { type ConnectionState, RealtimeClient, type SocketLike, type Timers } from './client';
import type { LiveMessage } from './messages';

class FakeSocket implements SocketLike {
  sent: unknown[] = [];
  closed: { code?: number; reason?: string } | null = null;
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;

  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code?: number, reason?: string) {
    this.closed = { code, reason };
  }
  open() {
    this.onopen?.({});
  }
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  serverClose(code: number, reason = '') {
    this.onclose?.({ code, reason });
  }
}

/** Timers run by hand: `advance(ms)` fires what is due. */
class FakeTimers implements Timers {
  now = 0;
  private next = 1;
  private tasks = new Map<number, { at: number; callback: () => void; every?: number }>();
  setTimeout(callback: () => void, ms: number) {
    const id = this.next++;
    this.tasks.set(id, { at: this.now + ms, callback });
    return id;
  }
  clearTimeout(handle: unknown) {
    this.tasks.delete(handle as number);
  }
  setInterval(callback: () => void, ms: number) {
    const id = this.next++;
    this.tasks.set(id, { at: this.now + ms, callback, every: ms });
    return id;
  }
  clearInterval(handle: unknown) {
    this.tasks.delete(handle as number);
  }
  advance(ms: number) {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.tasks.entries()]
        .filter(([, task]) => task.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      const [id, task] = due;
      this.now = task.at;
      if (task.every) task.at += task.every;
      else this.tasks.delete(id);
      task.callback();
    }
    this.now = end;
  }
  get pending() {
    return this.tasks.size;
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const states: ConnectionState[] = [];
  const messages: LiveMessage[] = [];
  const timers = new FakeTimers();
  const client = new RealtimeClient({
    url: 'ws://realtime.test/ws',
    token: 'jwt',
    classId: '7',
    onMessage: (message) => messages.push(message),
    onState: (state) => states.push(state),
    createSocket: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    timers,
    now: () => timers.now,
    random: () => 0,
    heartbeatMs: 1_000,
    staleAfterMs: 2_500,
  });
  const snapshot = {
    type: 'snapshot',
    classId: '7',
    aggregate: aggregate(),
    students: [status('ada')],
    alerts: [],
  };
  return { client, sockets, states, messages, timers, snapshot };
}

describe('RealtimeClient', () => {
  it('authenticates and subscribes as soon as the socket opens, and is live on the snapshot', () => {
    const { client, sockets, states, messages, snapshot } = setup();
    client.start();
    expect(states.at(-1)).toEqual({ kind: 'connecting', attempt: 0 });
    const socket = sockets[0] as FakeSocket;
    socket.open();
    expect(socket.sent).toEqual([
      { type: 'auth', token: 'jwt' },
      { type: 'subscribe', classId: '7' },
    ]);
    socket.receive({
      type: 'authenticated',
      userId: 'teacher',
      role: 'instructor',
      classes: ['7'],
      expiresAt: null,
    });
    socket.receive(snapshot);
    expect(states.at(-1)?.kind).toBe('live');
    socket.receive({ type: 'student_status', ...status('bob') });
    socket.receive({ type: 'student_status', ...status('zed', { classId: '8' }) });
    socket.receive({ type: 'class_aggregate', ...aggregate() });
    expect(messages.map((m) => m.type)).toEqual(['snapshot', 'student_status', 'class_aggregate']);
  });

  it('ignores frames that are not JSON or not a known message', () => {
    const { client, sockets, messages } = setup();
    client.start();
    const socket = sockets[0] as FakeSocket;
    socket.open();
    socket.onmessage?.({ data: 'not json' });
    socket.receive({ type: 'surprise' });
    socket.receive({ type: 'snapshot', classId: '7' });
    expect(messages).toEqual([]);
  });

  it('reconnects with growing backoff and resubscribes; a snapshot resets the backoff', () => {
    const { client, sockets, states, timers, snapshot } = setup();
    client.start();
    (sockets[0] as FakeSocket).open();
    (sockets[0] as FakeSocket).receive(snapshot);
    (sockets[0] as FakeSocket).serverClose(1001, 'server shutting down');
    expect(states.at(-1)).toMatchObject({ kind: 'reconnecting', attempt: 1, retryAt: 250 });

    timers.advance(250);
    expect(sockets).toHaveLength(2);
    (sockets[1] as FakeSocket).serverClose(1006);
    expect(states.at(-1)).toMatchObject({ kind: 'reconnecting', attempt: 2, retryAt: 250 + 500 });
    timers.advance(499);
    expect(sockets).toHaveLength(2);
    timers.advance(1);
    expect(sockets).toHaveLength(3);

    const third = sockets[2] as FakeSocket;
    third.open();
    expect(third.sent).toEqual([
      { type: 'auth', token: 'jwt' },
      { type: 'subscribe', classId: '7' },
    ]);
    third.receive(snapshot);
    third.serverClose(4008, 'too slow');
    // Back to the first delay: the connection had worked.
    expect(states.at(-1)).toMatchObject({ kind: 'reconnecting', attempt: 1 });
  });

  it('stops for good on 4401 (session over) and on forbidden', () => {
    const first = setup();
    first.client.start();
    (first.sockets[0] as FakeSocket).open();
    (first.sockets[0] as FakeSocket).serverClose(4401, 'token_expired');
    expect(first.states.at(-1)).toEqual({ kind: 'unauthorized', message: 'token_expired' });
    first.timers.advance(60_000);
    expect(first.sockets).toHaveLength(1);

    const second = setup();
    second.client.start();
    const socket = second.sockets[0] as FakeSocket;
    socket.open();
    socket.receive({ type: 'error', code: 'forbidden', message: 'not your class', classId: '7' });
    expect(second.states.at(-1)).toEqual({ kind: 'forbidden', message: 'not your class' });
    expect(socket.closed?.code).toBe(1000);
    second.timers.advance(60_000);
    expect(second.sockets).toHaveLength(1);
  });

  it('pings, and drops a connection that has gone silent', () => {
    const { client, sockets, states, timers, snapshot } = setup();
    client.start();
    const socket = sockets[0] as FakeSocket;
    socket.open();
    socket.receive(snapshot);
    timers.advance(1_000);
    expect(socket.sent.at(-1)).toEqual({ type: 'ping' });
    socket.receive({ type: 'pong' });
    timers.advance(2_000);
    expect(states.at(-1)?.kind).toBe('live');
    timers.advance(2_000);
    expect(states.map((state) => state.kind).slice(-2)).toEqual(['reconnecting', 'connecting']);
    expect(socket.closed?.code).toBe(4000);
    expect(sockets).toHaveLength(2);
    // Its late close event changes nothing.
    socket.serverClose(1006);
    expect(states.filter((state) => state.kind === 'reconnecting')).toHaveLength(1);
  });

  it('stop() closes the socket and cancels a pending retry', () => {
    const { client, sockets, states, timers } = setup();
    client.start();
    (sockets[0] as FakeSocket).serverClose(1006);
    client.stop();
    expect(states.at(-1)).toEqual({ kind: 'stopped' });
    timers.advance(60_000);
    expect(sockets).toHaveLength(1);
    expect(timers.pending).toBe(0);
  });

  it('retryNow() skips the wait', () => {
    const { client, sockets } = setup();
    client.start();
    (sockets[0] as FakeSocket).serverClose(1006);
    client.retryNow();
    expect(sockets).toHaveLength(2);
  });
});
