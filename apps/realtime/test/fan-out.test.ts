import { describe, expect, it } from 'vitest';
import { FanOut, type FanOutSocket } from '../src/fan-out.js';
import type { Update } from '../src/pending-updates.js';

/** A socket whose buffer the test controls, and a fake uWS pub/sub in front of it. */
class FakeSocket implements FanOutSocket {
  buffered = 0;
  readonly sent: string[] = [];
  readonly topics = new Set<string>();
  closedWith: number | undefined;
  constructor(private readonly hub: Hub) {}
  send(message: string) {
    this.sent.push(message);
    this.buffered += message.length;
    return 1;
  }
  getBufferedAmount() {
    return this.buffered;
  }
  subscribe(topic: string) {
    this.topics.add(topic);
    return true;
  }
  unsubscribe(topic: string) {
    return this.topics.delete(topic);
  }
  end(code?: number) {
    this.closedWith = code;
    const member = this.hub.members.get(this);
    if (member) this.hub.fanOut.leave(member);
  }
}

class Hub {
  readonly sockets: FakeSocket[] = [];
  readonly members = new Map<FakeSocket, ReturnType<FanOut['join']>>();
  now = 0;
  readonly fanOut = new FanOut({
    publish: (topic, message) => {
      for (const socket of this.sockets) if (socket.topics.has(topic)) socket.send(message);
    },
    snapshot: (classId) => `snapshot:${classId}`,
    slowBufferBytes: 100,
    slowTimeoutMs: 1_000,
    maxQueuedAlerts: 2,
    clock: () => this.now,
  });
  connect() {
    const socket = new FakeSocket(this);
    this.sockets.push(socket);
    const member = this.fanOut.join(socket);
    this.members.set(socket, member);
    return { socket, member };
  }
  publish(classId: string, kind: Update['kind'], key: string, message: string) {
    this.fanOut.publish(classId, kind, key, () => message);
  }
}

describe('FanOut', () => {
  it('sends the snapshot on subscribe, then every update of the class through the topic', () => {
    const hub = new Hub();
    const { socket, member } = hub.connect();
    hub.fanOut.subscribe(member, 'c1');
    hub.publish('c1', 'class_aggregate', 'c1', 'a1');
    hub.publish('c2', 'class_aggregate', 'c2', 'other');
    expect(socket.sent).toEqual(['snapshot:c1', 'a1']);
    hub.fanOut.unsubscribe(member, 'c1');
    hub.publish('c1', 'class_aggregate', 'c1', 'a2');
    expect(socket.sent).toEqual(['snapshot:c1', 'a1']);
    expect(hub.fanOut.stats().subscriptions.size).toBe(0);
  });

  it('coalesces the updates of a slow client per key, sends them on drain, then rejoins the topic', () => {
    const hub = new Hub();
    const fast = hub.connect();
    const slow = hub.connect();
    hub.fanOut.subscribe(fast.member, 'c1');
    hub.fanOut.subscribe(slow.member, 'c1');
    slow.socket.buffered = 150; // over the bound: the next publish notices
    hub.publish('c1', 'student_status', 'alice', 's1');
    expect(hub.fanOut.isSlow(slow.member)).toBe(true);
    expect(hub.fanOut.isSlow(fast.member)).toBe(false);

    hub.publish('c1', 'student_status', 'alice', 's2');
    hub.publish('c1', 'student_status', 'bob', 'b1');
    hub.publish('c1', 'student_status', 'alice', 's3');
    hub.publish('c1', 'alert', 'x', 'alert1');
    hub.publish('c1', 'alert', 'y', 'alert2');
    hub.publish('c1', 'alert', 'z', 'alert3'); // past maxQueuedAlerts: alert1 dropped
    expect(fast.socket.sent.slice(1)).toEqual(['s1', 's2', 'b1', 's3', 'alert1', 'alert2', 'alert3']);
    expect(slow.socket.sent.slice(1)).toEqual(['s1']);

    slow.socket.buffered = 0;
    hub.fanOut.drain(slow.member);
    expect(slow.socket.sent.slice(2)).toEqual(['b1', 's3', 'alert2', 'alert3']);
    expect(hub.fanOut.isSlow(slow.member)).toBe(false);

    slow.socket.buffered = 0;
    hub.publish('c1', 'student_status', 'alice', 's4');
    expect(slow.socket.sent.at(-1)).toBe('s4');
  });

  it('stops flushing at the bound and stays slow until the buffer is half empty', () => {
    const hub = new Hub();
    const { socket, member } = hub.connect();
    hub.fanOut.subscribe(member, 'c1');
    socket.buffered = 101;
    hub.publish('c1', 'student_status', 'a', 'x'.repeat(10));
    for (const key of ['b', 'c', 'd']) hub.publish('c1', 'student_status', key, 'y'.repeat(40));
    socket.buffered = 30;
    hub.fanOut.drain(member); // 30 → 70 → 110: stops, one left
    expect(socket.sent.filter((message) => message.startsWith('y'))).toHaveLength(2);
    expect(hub.fanOut.isSlow(member)).toBe(true);
    socket.buffered = 60;
    hub.fanOut.drain(member); // sends the last (100), not under half: still slow
    expect(hub.fanOut.isSlow(member)).toBe(true);
    socket.buffered = 40;
    hub.fanOut.drain(member);
    expect(hub.fanOut.isSlow(member)).toBe(false);
  });

  it('answers a subscribe while slow with a snapshot built when the socket drains', () => {
    const hub = new Hub();
    const { socket, member } = hub.connect();
    hub.fanOut.subscribe(member, 'c1');
    socket.buffered = 200;
    hub.publish('c1', 'class_aggregate', 'c1', 'a1');
    hub.fanOut.subscribe(member, 'c2');
    hub.publish('c2', 'class_aggregate', 'c2', 'covered by the snapshot');
    socket.buffered = 0;
    hub.fanOut.drain(member);
    expect(socket.sent.slice(2)).toEqual(['snapshot:c2']);
  });

  it('closes a client that stays slow past the limit with 4008', () => {
    const hub = new Hub();
    const { socket, member } = hub.connect();
    hub.fanOut.subscribe(member, 'c1');
    socket.buffered = 200;
    hub.publish('c1', 'class_aggregate', 'c1', 'a1');
    hub.now = 999;
    hub.fanOut.sweep();
    expect(socket.closedWith).toBeUndefined();
    hub.now = 1_000;
    hub.fanOut.sweep();
    expect(socket.closedWith).toBe(4008);
    expect(hub.fanOut.stats()).toMatchObject({ slow: 0, connections: 0 });
    hub.publish('c1', 'class_aggregate', 'c1', 'a2');
  });
});
