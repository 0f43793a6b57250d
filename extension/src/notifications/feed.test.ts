import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FeedSocket, type FeedState, NotificationFeed, realtimeSocketUrl } from './feed.js';
import { SeenNotifications } from './seen.js';

/** A socket the test drives: it records what the feed sends and plays the server's part. */
class FakeSocket implements FeedSocket {
  readonly sent: Record<string, unknown>[] = [];
  closedWith: number | undefined;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(code = 1000): void {
    this.closedWith = code;
  }

  open(): void {
    this.onopen?.({});
  }

  serve(message: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  drop(code: number, reason = ''): void {
    this.onclose?.({ code, reason });
  }
}

const graded = (id: string, createdAt = 1_000) => ({
  notificationId: id,
  kind: 'assignment_graded',
  classId: '7',
  userId: 'ada',
  createdAt,
  senderId: 'teacher',
  title: 'Week 1 graded: 8 / 10',
  message: 'Good work',
  assignmentId: '3',
  submissionId: '11',
  score: 8,
  maxScore: 10,
});

function memoryStorage() {
  const map = new Map<string, string>();
  return {
    getItem: (key: string) => map.get(key) ?? null,
    setItem: (key: string, value: string) => void map.set(key, value),
  };
}

describe('NotificationFeed', () => {
  let sockets: FakeSocket[];
  let updates: Parameters<ConstructorParameters<typeof NotificationFeed>[0]['onNotifications']>[0][];
  let states: [FeedState, string | undefined][];
  let storage: ReturnType<typeof memoryStorage>;

  const feed = () =>
    new NotificationFeed({
      url: 'ws://realtime/ws',
      token: 'student-token',
      seen: new SeenNotifications('ada', storage),
      openSocket: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      onNotifications: (update) => updates.push(update),
      onState: (state, detail) => states.push([state, detail]),
    });
  /** Opens the newest socket and answers auth as realtime does for a student of classes 7 and 9. */
  const authenticate = (socket = sockets.at(-1) as FakeSocket) => {
    socket.open();
    socket.serve({
      type: 'authenticated',
      userId: 'ada',
      role: 'student',
      classes: ['7', '9'],
      expiresAt: null,
    });
    return socket;
  };

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    updates = [];
    states = [];
    storage = memoryStorage();
  });
  afterEach(() => vi.useRealTimers());

  it("authenticates, then subscribes to the student's notifications and each class's broadcasts", () => {
    feed().start();
    const socket = authenticate();
    expect(socket.sent).toEqual([
      { type: 'auth', token: 'student-token' },
      { type: 'subscribe', channel: 'notifications:ada' },
      { type: 'subscribe', channel: 'broadcast:7' },
      { type: 'subscribe', channel: 'broadcast:9' },
    ]);
    expect(states.map(([state]) => state)).toEqual(['connecting', 'live']);
  });

  it('does not ask for own notifications with a token that is not a student', () => {
    feed().start();
    const socket = sockets[0] as FakeSocket;
    socket.open();
    socket.serve({ type: 'authenticated', userId: 'teacher', role: 'instructor', classes: ['7'] });
    expect(socket.sent.slice(1)).toEqual([{ type: 'subscribe', channel: 'broadcast:7' }]);
  });

  it('reports a snapshot as replayed and a live notification as fresh, each only once', () => {
    feed().start();
    const socket = authenticate();
    socket.serve({
      type: 'snapshot',
      channel: 'notifications:ada',
      notifications: [graded('n1'), graded('n2', 2_000)],
    });
    socket.serve({ type: 'assignment_graded', channel: 'notifications:ada', ...graded('n3', 3_000) });
    // The same notification again (a redelivery, or another channel's copy): not fresh twice.
    socket.serve({ type: 'assignment_graded', channel: 'notifications:ada', ...graded('n3', 3_000) });
    expect(updates.map((u) => [u.replayed, u.fresh.map((n) => n.notificationId)])).toEqual([
      [true, ['n1', 'n2']],
      [false, ['n3']],
      [false, []],
    ]);
    expect(updates.at(-1)?.recent.map((n) => n.notificationId)).toEqual(['n1', 'n2', 'n3']);
    expect(updates[1]?.fresh[0]).toMatchObject({ kind: 'assignment_graded', score: 8, maxScore: 10 });
  });

  it('remembers what was shown across feeds (a reload), through the storage', () => {
    feed().start();
    authenticate().serve({ type: 'snapshot', channel: 'notifications:ada', notifications: [graded('n1')] });
    feed().start();
    authenticate().serve({
      type: 'snapshot',
      channel: 'notifications:ada',
      notifications: [graded('n1'), graded('n2')],
    });
    expect(updates.map((u) => u.fresh.map((n) => n.notificationId))).toEqual([['n1'], ['n2']]);
  });

  it('ignores what it cannot read: other message types, unknown kinds, records without ids', () => {
    feed().start();
    const socket = authenticate();
    socket.onmessage?.({ data: 'not json' });
    socket.serve({ type: 'pong' });
    socket.serve({ type: 'student_status', classId: '7', userId: 'ada' });
    socket.serve({
      type: 'snapshot',
      channel: 'broadcast:7',
      notifications: [{ ...graded('x'), kind: 'unknown' }, { title: 'no id' }],
    });
    expect(updates).toEqual([]);
  });

  it('reconnects with backoff after a drop, and subscribes again', () => {
    feed().start();
    authenticate().drop(1006);
    expect(states.at(-1)).toEqual(['retrying', 'closed (1006)']);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1_000); // the first retry waits at most baseBackoffMs
    expect(sockets).toHaveLength(2);
    const again = authenticate();
    expect(again.sent.map((m) => m.channel ?? m.type)).toEqual([
      'auth',
      'notifications:ada',
      'broadcast:7',
      'broadcast:9',
    ]);
    expect(states.at(-1)?.[0]).toBe('live');
  });

  it('stops retrying when realtime refuses the token, and says why', () => {
    feed().start();
    const socket = sockets[0] as FakeSocket;
    socket.open();
    socket.serve({ type: 'error', code: 'token_revoked', message: 'lms-api revoked this token.' });
    socket.drop(4401, 'token_revoked');
    vi.advanceTimersByTime(120_000);
    expect(sockets).toHaveLength(1);
    expect(states.at(-1)).toEqual(['refused', 'token_revoked: lms-api revoked this token.']);
  });

  it('pings while live and gives up on a link that stopped answering', () => {
    feed().start();
    const socket = authenticate();
    vi.advanceTimersByTime(25_000);
    expect(socket.sent.at(-1)).toEqual({ type: 'ping' });
    socket.serve({ type: 'pong' });
    vi.advanceTimersByTime(25_000);
    expect(socket.closedWith).toBeUndefined();
    // No pong to that ping: the next tick closes and schedules a reconnect.
    vi.advanceTimersByTime(25_000);
    expect(socket.closedWith).toBe(4000);
    expect(states.at(-1)).toEqual(['retrying', 'realtime stopped answering']);
    vi.advanceTimersByTime(2_000);
    expect(sockets).toHaveLength(2);
  });

  it('stop closes the socket and never reconnects', () => {
    const running = feed();
    running.start();
    const socket = authenticate();
    running.stop();
    expect(socket.closedWith).toBe(1000);
    socket.drop(1000);
    vi.advanceTimersByTime(120_000);
    expect(sockets).toHaveLength(1);
    expect(states.at(-1)?.[0]).toBe('stopped');
  });
});

describe('realtimeSocketUrl', () => {
  it('keeps a ws(s) URL and turns an http(s) base into the /ws socket', () => {
    expect(realtimeSocketUrl('ws://127.0.0.1:8002/ws')).toBe('ws://127.0.0.1:8002/ws');
    expect(realtimeSocketUrl('https://realtime.school.example')).toBe('wss://realtime.school.example/ws');
    expect(realtimeSocketUrl('http://127.0.0.1:8002/')).toBe('ws://127.0.0.1:8002/ws');
    expect(realtimeSocketUrl('https://school.example/cellstream/ws')).toBe(
      'wss://school.example/cellstream/ws',
    );
  });

  it('refuses what is not a URL or another scheme', () => {
    expect(realtimeSocketUrl('realtime:8002')).toBeUndefined();
    expect(realtimeSocketUrl('not a url')).toBeUndefined();
    expect(realtimeSocketUrl('ftp://x/ws')).toBeUndefined();
  });
});
