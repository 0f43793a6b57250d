/**
 * The benchmark's baseline (forked by bench.ts): the same fan-out with a bare uWS publish, no
 * Kafka, no Avro, no state. Clients speak the same protocol (auth is acknowledged unchecked,
 * subscribe answered with a small snapshot); updates of the same shapes and sizes are built and
 * published at the same rate, in the same ticks, stamped `updatedAt` at publish.
 * argv: port rate tickMs classes studentsPerClass
 */
import uWS from 'uWebSockets.js';
import { aggregateUpdate, statusUpdate } from './bench-records.js';

const [port = 0, rate = 1000, tickMs = 20, classes = 250, students = 20] = process.argv.slice(2).map(Number);
const app = uWS.App();

app.ws<{ subscribed: boolean }>('/ws', {
  idleTimeout: 32,
  sendPingsAutomatically: true,
  maxBackpressure: 8 * 1024 * 1024,
  upgrade: (res, req, context) =>
    res.upgrade(
      { subscribed: false },
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      context,
    ),
  message: (ws, data) => {
    const message = JSON.parse(Buffer.from(data).toString()) as { type: string; classId?: string };
    if (message.type === 'auth') ws.send('{"type":"authenticated"}');
    if (message.type === 'subscribe' && message.classId) {
      ws.subscribe(`class/${message.classId}`);
      ws.send(
        JSON.stringify({
          type: 'snapshot',
          classId: message.classId,
          aggregate: null,
          students: [],
          alerts: [],
        }),
      );
    }
  },
});

app.get('/ready', (res) => {
  res.end('{"status":"ready"}');
});

app.listen('127.0.0.1', port, (socket) => {
  if (!socket) process.exit(1);
  process.send?.({ cmd: 'listening' });
});

let sequence = 0;
const startedAt = Date.now();
setInterval(() => {
  // As many updates as the rate asks for by now, whatever the timer's drift.
  const count = Math.floor(((Date.now() - startedAt) * rate) / 1000) - sequence;
  for (let i = 0; i < count; i++) {
    sequence++;
    const classId = String(sequence % classes);
    const now = Date.now();
    const message =
      sequence % 5 === 0
        ? JSON.stringify({ type: 'class_aggregate', ...aggregateUpdate(classId, sequence, now) })
        : JSON.stringify({
            type: 'student_status',
            ...statusUpdate(classId, `s${sequence % students}`, sequence, now),
          });
    app.publish(`class/${classId}`, message);
  }
}, tickMs);
