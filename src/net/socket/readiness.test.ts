// The socket API as netd will use it: an echo service driven only by readiness masks and the
// non-blocking calls, serving many clients at once, with edges for data, buffer space, end of
// stream and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimPair } from '../iface/sim.js';
import { TcpSocket, TcpState } from './tcp.js';
import { Readiness } from './readiness.js';
import { UdpSocket } from './udp.js';
import { pattern } from '../testkit.js';

test('readiness: an echo service for 50 clients driven by readiness alone', () => {
  const sim = new SimPair({ faults: { loss: 0.01, delay: 1 }, seed: 5 });
  const opts = { rxBufferSize: 4096, txBufferSize: 4096 };
  const listener = sim.b.sockets.add(new TcpSocket(opts));
  listener.listen(7);
  const conns: TcpSocket[] = [];
  const buf = new Uint8Array(2048);
  // The service: accept on Read, echo what fits on Read|Write, close on end of stream.
  const serve = () => {
    while (listener.readiness & Readiness.Read) conns.push(listener.accept()!);
    for (const c of conns) {
      const r = c.readiness;
      if (r & Readiness.Read && r & Readiness.Write) {
        const room = Math.min(buf.length, c.tx.window);
        const n = c.recv(buf.subarray(0, room));
        if (n === 'finished') c.close();
        else if (typeof n === 'number' && n > 0) assert.equal(c.send(buf.subarray(0, n)), n);
      } else if (r & Readiness.Read && c.recv(new Uint8Array(0)) === 'finished' && c.maySend) {
        c.close();
      }
    }
  };
  const clients = Array.from({ length: 50 }, (_, i) => {
    const s = sim.a.sockets.add(new TcpSocket(opts));
    s.connect(sim.b.addr, 7, 20_000 + i);
    return { s, data: pattern(10_000 + i * 100, i + 1), sent: 0, got: [] as Uint8Array[], n: 0 };
  });
  const rbuf = new Uint8Array(4096);
  const ok = sim.runUntil(() => {
    serve();
    for (const c of clients) {
      const r = c.s.readiness;
      if (r & Readiness.Write && c.sent < c.data.length) c.sent += c.s.send(c.data.subarray(c.sent)) as number;
      if (c.sent === c.data.length && !c.s.finQueued) c.s.close();
      if (r & Readiness.Read) {
        const n = c.s.recv(rbuf);
        if (typeof n === 'number' && n > 0) {
          c.got.push(rbuf.slice(0, n));
          c.n += n;
        }
      }
    }
    return clients.every((c) => c.n === c.data.length && c.s.readiness & Readiness.Hangup);
  }, 3_600_000);
  assert.ok(ok, `echoed ${clients.filter((c) => c.n === c.data.length).length}/50`);
  for (const c of clients) assert.deepEqual(Buffer.concat(c.got), Buffer.from(c.data));
  assert.equal(conns.length, 50);
  sim.runFor(61_000);
  assert.ok(conns.every((c) => c.state === TcpState.Closed && c.error === null));
});

test('readiness: the edges a daemon sees over one connection\'s life', () => {
  const sim = new SimPair();
  const l = sim.b.sockets.add(new TcpSocket({ rxBufferSize: 2048 }));
  l.listen(80);
  const c = sim.a.sockets.add(new TcpSocket({ txBufferSize: 4096 }));
  c.connect(sim.b.addr, 80, 30000);
  assert.equal(c.readiness, 0); // connecting: nothing to do yet
  assert.ok(sim.runUntil(() => (l.readiness & Readiness.Read) !== 0));
  const s = l.accept()!;
  assert.ok(sim.runUntil(() => c.state === TcpState.Established));
  assert.equal(c.readiness, Readiness.Write);
  assert.equal(s.readiness, Readiness.Write);
  // Fill the client's send buffer while the server does not read: Write goes off.
  c.send(pattern(4096));
  sim.runFor(5000);
  assert.equal(c.send(pattern(10_000)), 2048); // the server's 2 kB went; 2 kB of room came back
  sim.runFor(5000);
  assert.equal(c.readiness & Readiness.Write, 0);
  assert.ok(s.readiness & Readiness.Read);
  // Draining turns it back on.
  const buf = new Uint8Array(8192);
  assert.ok(sim.runUntil(() => {
    s.recv(buf);
    return (c.readiness & Readiness.Write) !== 0 && c.sendQueue === 0;
  }));
  // The peer's FIN: Read (end of stream) then Hangup once we close too.
  c.close();
  assert.ok(sim.runUntil(() => s.recv(buf) === 'finished'));
  assert.ok(s.readiness & Readiness.Read);
  assert.equal(s.readiness & Readiness.Hangup, 0);
  s.close();
  assert.ok(s.readiness & Readiness.Hangup);
  // A reset shows as Error.
  const sim2 = new SimPair();
  const l2 = sim2.b.sockets.add(new TcpSocket());
  l2.listen(80);
  const c2 = sim2.a.sockets.add(new TcpSocket());
  c2.connect(sim2.b.addr, 80, 30001);
  assert.ok(sim2.runUntil(() => l2.readiness !== 0 && c2.state === TcpState.Established));
  l2.accept()!.abort();
  assert.ok(sim2.runUntil(() => (c2.readiness & Readiness.Error) !== 0));
  assert.equal(c2.error, 'reset');
});

test('readiness: UDP is readable with a datagram queued, writable while the queue has room', () => {
  const u = new UdpSocket({ txSlots: 1 });
  assert.equal(u.readiness, 0); // unbound
  u.bind(53);
  assert.equal(u.readiness, Readiness.Write);
  u.sendTo(new Uint8Array(10), 1, 53);
  assert.equal(u.readiness, 0);
  u.deliver(new Uint8Array(3), 2, 9);
  assert.equal(u.readiness, Readiness.Read);
});
