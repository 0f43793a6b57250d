import { describe, expect, it, vi } from 'vitest';
import { StudentNotifications } from './controller.js';
import type { FeedSocket } from './feed.js';

function jwt(claims: object): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'ES256' })}.${encode(claims)}.signature`;
}

function harness() {
  const sockets: (FeedSocket & { url: string; sent: string[] })[] = [];
  const deps = {
    toast: vi.fn(),
    onRecent: vi.fn(),
    onSubmissionsChanged: vi.fn(),
    onState: vi.fn(),
    now: () => 10_000,
    openSocket: (url: string) => {
      const socket = {
        url,
        sent: [] as string[],
        send: (data: string) => socket.sent.push(data),
        close: () => undefined,
        onopen: null,
        onmessage: null,
        onclose: null,
        onerror: null,
      } as FeedSocket & { url: string; sent: string[] };
      sockets.push(socket);
      return socket;
    },
  };
  const serve = (message: object) => sockets.at(-1)?.onmessage?.({ data: JSON.stringify(message) });
  return { deps, sockets, serve, notifications: new StudentNotifications(deps) };
}

const graded = {
  type: 'assignment_graded',
  channel: 'notifications:ada',
  notificationId: 'n1',
  kind: 'assignment_graded',
  classId: '7',
  userId: 'ada',
  createdAt: 9_000,
  title: 'Week 1 graded: 8 / 10',
  message: 'Good work',
  score: 8,
  maxScore: 10,
};

describe('StudentNotifications', () => {
  it('toasts a live grade, lists it and reloads the submissions', () => {
    const { deps, sockets, serve, notifications } = harness();
    notifications.apply('http://127.0.0.1:8002', jwt({ sub: 'ada', role: 'student' }));
    expect(sockets[0]?.url).toBe('ws://127.0.0.1:8002/ws');
    sockets[0]?.onopen?.({});
    serve({ type: 'authenticated', userId: 'ada', role: 'student', classes: ['7'] });
    serve(graded);
    expect(deps.toast).toHaveBeenCalledTimes(1);
    expect(deps.toast.mock.calls[0]?.[0]).toEqual({
      type: 'success',
      message: 'Week 1 graded: 8 / 10: Good work',
    });
    expect(deps.onRecent).toHaveBeenLastCalledWith([expect.objectContaining({ notificationId: 'n1' })]);
    expect(deps.onSubmissionsChanged).toHaveBeenCalledTimes(1);
  });

  it('keeps its feed while the URL and token stay, and replaces it when either changes', () => {
    const { sockets, notifications } = harness();
    const token = jwt({ sub: 'ada', role: 'student' });
    notifications.apply('ws://rt/ws', token);
    notifications.apply('ws://rt/ws', token);
    expect(sockets).toHaveLength(1);
    notifications.apply('ws://rt/ws', jwt({ sub: 'ada', role: 'student', exp: 1 }));
    expect(sockets).toHaveLength(2);
  });

  it('runs no feed without a URL or a token with a subject, and says why for a bad URL', () => {
    const { deps, sockets, notifications } = harness();
    notifications.apply('', jwt({ sub: 'ada' }));
    notifications.apply('ws://rt/ws', 'not-a-token');
    notifications.apply('realtime.school.example', jwt({ sub: 'ada' }));
    expect(sockets).toHaveLength(0);
    expect(deps.onState).toHaveBeenLastCalledWith(
      'stopped',
      '"realtime.school.example" is not a ws(s):// or http(s):// URL',
    );
  });
});
