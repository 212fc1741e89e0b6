// TCP between two stacks over an in-memory link: handshake and option negotiation, data
// both ways, the ways a connection ends, and the RST rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimPair } from '../iface/sim.js';
import { TcpSocket, TcpState } from './tcp.js';
import { connectPair, inject, pattern, segment, transfer } from '../testkit.js';
import { TcpFlag } from '../wire/tcp.js';

test('tcp: handshake, transfer both ways, orderly close, TIME-WAIT', () => {
  const sim = new SimPair();
  const { client, server } = connectPair(sim);
  const up = pattern(200_000, 1);
  const down = pattern(150_000, 2);
  assert.deepEqual(transfer(sim, client, server, up), up);
  assert.deepEqual(transfer(sim, server, client, down), down);
  client.close();
  const buf = new Uint8Array(16);
  assert.ok(sim.runUntil(() => server.recv(buf) === 'finished'));
  assert.equal(server.state, TcpState.CloseWait);
  assert.ok(sim.runUntil(() => client.state === TcpState.FinWait2));
  server.close();
  assert.ok(sim.runUntil(() => client.state === TcpState.TimeWait && server.state === TcpState.Closed));
  assert.equal(server.error, null);
  sim.runFor(59_000);
  assert.equal(client.state, TcpState.TimeWait);
  sim.runFor(2_000);
  assert.equal(client.state, TcpState.Closed);
  assert.equal(client.error, null);
});

test('tcp: options are negotiated — MSS, window scale, SACK, timestamps', () => {
  const sim = new SimPair();
  const { client, server } = connectPair(sim, 80, { rxBufferSize: 1 << 20, txBufferSize: 1 << 20, mss: 1000 }, { rxBufferSize: 32_768, mss: 1460 });
  assert.equal(client.sndMss, 1000);
  assert.equal(server.sndMss, 1000);
  assert.equal(server.rcvShift, 5); // 1 MiB needs a shift of 5 to fit 16 bits
  assert.equal(client.sndShift, 5);
  assert.equal(client.rcvShift, 0);
  assert.ok(client.sackOk && server.sackOk && client.tsOk && server.tsOk);
  // A peer without window scaling turns it off for both.
  const sim2 = new SimPair();
  const p = connectPair(sim2, 80, { rxBufferSize: 1 << 20, windowScaling: true, timestamps: false }, { windowScaling: false, sack: false });
  assert.equal(p.server.rcvShift, 0);
  assert.equal(p.server.sndShift, 0);
  assert.ok(!p.server.tsOk && !p.server.sackOk);
  const data = pattern(300_000);
  assert.deepEqual(transfer(sim2, p.client, p.server, data), data);
});

test('tcp: connecting to a closed port is refused by a RST', () => {
  const sim = new SimPair();
  const c = sim.a.sockets.add(new TcpSocket());
  c.connect(sim.b.addr, 81, 40000);
  assert.ok(sim.runUntil(() => c.state === TcpState.Closed));
  assert.equal(c.error, 'refused');
  assert.equal(sim.b.iface.stats.tcp.dropped('no-socket'), 1);
  assert.equal(sim.b.iface.stats.tcp.count('rst-sent'), 1);
});

test('tcp: simultaneous open (no listener on either side)', () => {
  // A link delay makes the two SYNs cross.
  const sim = new SimPair({ faults: { delay: 5 } });
  const a = sim.a.sockets.add(new TcpSocket());
  const b = sim.b.sockets.add(new TcpSocket());
  a.connect(sim.b.addr, 7000, 7001);
  b.connect(sim.a.addr, 7001, 7000);
  assert.ok(sim.runUntil(() => a.state === TcpState.Established && b.state === TcpState.Established));
  assert.equal(sim.a.iface.stats.tcp.count('simultaneous-open') + sim.b.iface.stats.tcp.count('simultaneous-open'), 2);
  const data = pattern(50_000);
  assert.deepEqual(transfer(sim, a, b, data), data);
  assert.deepEqual(transfer(sim, b, a, data), data);
});

test('tcp: simultaneous close goes through CLOSING to TIME-WAIT on both sides', () => {
  const sim = new SimPair();
  const { client, server } = connectPair(sim);
  client.close();
  server.close();
  assert.equal(client.state, TcpState.FinWait1);
  assert.ok(sim.runUntil(() => client.state === TcpState.TimeWait && server.state === TcpState.TimeWait));
  sim.runFor(61_000);
  assert.equal(client.state, TcpState.Closed);
  assert.equal(server.state, TcpState.Closed);
});

test('tcp: abort sends a RST and the peer sees a reset', () => {
  const sim = new SimPair();
  const { client, server } = connectPair(sim);
  server.abort();
  assert.ok(sim.runUntil(() => client.state === TcpState.Closed));
  assert.equal(client.error, 'reset');
  assert.equal(client.recv(new Uint8Array(4)), 'invalid-state');
  assert.ok(client.readiness & 8);
});

test('tcp: RST with a wrong sequence number earns a challenge ACK, not a reset (RFC 5961)', () => {
  const sim = new SimPair();
  const { client, server } = connectPair(sim);
  const before = server.rcvNxt;
  // From A to B, in B's window but not at RCV.NXT.
  inject(sim, sim.a, sim.b, segment({ srcPort: client.localPort, dstPort: 80, seq: (before + 100) >>> 0, flags: TcpFlag.Rst }));
  sim.runFor(10);
  assert.equal(server.state, TcpState.Established);
  assert.equal(sim.b.iface.stats.tcp.count('challenge-ack'), 1);
  // Out of window entirely: dropped, the connection is untouched.
  inject(sim, sim.a, sim.b, segment({ srcPort: client.localPort, dstPort: 80, seq: (before + 10_000_000) >>> 0, flags: TcpFlag.Rst }));
  sim.runFor(10);
  assert.equal(server.state, TcpState.Established);
  assert.equal(sim.b.iface.stats.tcp.dropped('out-of-window'), 1);
  // Exactly at RCV.NXT: the connection is reset.
  inject(sim, sim.a, sim.b, segment({ srcPort: client.localPort, dstPort: 80, seq: server.rcvNxt, flags: TcpFlag.Rst }));
  sim.runFor(10);
  assert.equal(server.state, TcpState.Closed);
  assert.equal(server.error, 'reset');
});

test('tcp: a SYN on an established connection gets a challenge ACK', () => {
  const sim = new SimPair();
  const { client, server } = connectPair(sim);
  inject(sim, sim.a, sim.b, segment({ srcPort: client.localPort, dstPort: 80, seq: server.rcvNxt, flags: TcpFlag.Syn }));
  sim.runFor(10);
  assert.equal(server.state, TcpState.Established);
  assert.equal(sim.b.iface.stats.tcp.dropped('syn-in-window'), 1);
  const data = pattern(10_000);
  assert.deepEqual(transfer(sim, client, server, data), data);
});

test('tcp: an ACK to a listener is answered by a RST; a stray RST is ignored', () => {
  const sim = new SimPair();
  const l = sim.b.sockets.add(new TcpSocket());
  l.listen(80);
  inject(sim, sim.a, sim.b, segment({ srcPort: 1234, dstPort: 80, seq: 5, ack: 77, flags: TcpFlag.Ack }));
  inject(sim, sim.a, sim.b, segment({ srcPort: 1234, dstPort: 80, seq: 5, flags: TcpFlag.Rst }));
  sim.runFor(10);
  const st = sim.b.iface.stats.tcp;
  assert.equal(st.dropped('reset-peer'), 1);
  assert.equal(st.count('rst-sent'), 1);
  assert.equal(st.dropped('rst-to-listener'), 1);
  // A's stack has no such connection, and does not answer the RST (no RST for a RST).
  assert.equal(sim.a.iface.stats.tcp.dropped('no-socket'), 1);
  assert.equal(sim.a.iface.stats.tcp.count('rst-sent'), 0);
});

test('tcp: a retransmitted FIN in TIME-WAIT is acknowledged again', () => {
  const sim = new SimPair();
  const { client, server } = connectPair(sim);
  client.close();
  server.close();
  assert.ok(sim.runUntil(() => server.state === TcpState.TimeWait || client.state === TcpState.TimeWait));
  assert.ok(sim.runUntil(() => client.state === TcpState.TimeWait));
  const acksBefore = sim.a.iface.stats.tcp.tx;
  inject(sim, sim.b, sim.a, segment({ srcPort: 80, dstPort: client.localPort, seq: (client.rcvNxt - 1) >>> 0, ack: client.sndNxt, flags: TcpFlag.Fin | TcpFlag.Ack, window: 100 }));
  sim.runFor(10);
  assert.equal(sim.a.iface.stats.tcp.tx, acksBefore + 1);
  assert.equal(client.state, TcpState.TimeWait);
});

test('tcp: listen backlog bounds half-open connections (SYN flood)', () => {
  const sim = new SimPair();
  const l = sim.b.sockets.add(new TcpSocket({ backlog: 4, rxBufferSize: 4096, txBufferSize: 4096 }));
  l.listen(80);
  for (let i = 0; i < 100; i++) {
    inject(sim, sim.a, sim.b, segment({ srcPort: 10_000 + i, dstPort: 80, seq: i * 1000, flags: TcpFlag.Syn, window: 1000 }));
  }
  // A's stack answers each SYN,ACK with a RST (it never sent those SYNs), which frees a
  // place; meanwhile the backlog never holds more than its bound.
  let most = 0;
  sim.runUntil(() => {
    most = Math.max(most, l.backlog.length, sim.b.sockets.tcp.length - 1);
    return false;
  }, 100);
  assert.equal(most, 4);
  const st = sim.b.iface.stats.tcp;
  assert.equal(st.dropped('backlog-full') + st.count('passive-open'), 100);
  assert.ok(st.dropped('backlog-full') >= 90);
  assert.equal(l.backlog.length, 0);
  assert.equal(sim.b.sockets.tcp.length, 1);
  const c = sim.a.sockets.add(new TcpSocket());
  c.connect(sim.b.addr, 80, 40000);
  assert.ok(sim.runUntil(() => l.accept() !== null));
});

test('tcp: accept hands out connections in order, readiness says when', () => {
  const sim = new SimPair();
  const l = sim.b.sockets.add(new TcpSocket());
  l.listen(80);
  assert.equal(l.readiness, 0);
  const cs = [1, 2, 3].map((i) => {
    const c = sim.a.sockets.add(new TcpSocket());
    c.connect(sim.b.addr, 80, 40000 + i);
    return c;
  });
  assert.ok(sim.runUntil(() => cs.every((c) => c.state === TcpState.Established)));
  assert.equal(l.readiness & 1, 1);
  const got = [l.accept(), l.accept(), l.accept()].map((s) => s!.remotePort);
  assert.deepEqual(got.sort(), [40001, 40002, 40003]);
  assert.equal(l.accept(), null);
  assert.equal(l.readiness, 0);
});

test('tcp: Nagle coalesces small writes while data is unacknowledged; noDelay does not', () => {
  const segmentsFor = (noDelay: boolean) => {
    const sim = new SimPair({ faults: { delay: 5 } });
    const { client, server } = connectPair(sim, 80, {}, { noDelay });
    const before = sim.a.iface.stats.tcp.tx;
    for (let i = 0; i < 100; i++) {
      client.send(new Uint8Array([i]));
      sim.step();
      sim.now += 1;
    }
    const got = new Uint8Array(100);
    let n = 0;
    assert.ok(sim.runUntil(() => {
      const r = server.recv(got.subarray(n));
      if (typeof r === 'number') n += r;
      return n === 100 && client.sendQueue === 0;
    }));
    assert.deepEqual([...got], Array.from({ length: 100 }, (_, i) => i));
    return sim.a.iface.stats.tcp.tx - before;
  };
  const nagle = segmentsFor(false);
  const eager = segmentsFor(true);
  assert.ok(nagle <= 10, `Nagle sent ${nagle} segments`);
  assert.ok(eager >= 90, `noDelay sent ${eager} segments`);
});

test('tcp: a lone segment is acknowledged after the delayed-ACK timeout, two at once', () => {
  const ackTime = (ackDelay: number, bytes: number) => {
    const sim = new SimPair();
    const { client } = connectPair(sim, 80, { ackDelay });
    client.send(pattern(bytes));
    const t0 = sim.now;
    assert.ok(sim.runUntil(() => client.sendQueue === 0));
    return sim.now - t0;
  };
  assert.equal(ackTime(40, 100), 40);
  assert.equal(ackTime(0, 100), 0);
  assert.equal(ackTime(40, 2 * 1448), 0); // the second full segment is acknowledged at once
});

test('tcp: sequence numbers wrap past 2^32 without a hitch', () => {
  const sim = new SimPair();
  const l = sim.b.sockets.add(new TcpSocket());
  l.listen(80);
  const c = sim.a.sockets.add(new TcpSocket());
  c.connect(sim.b.addr, 80, 40000);
  // Choose the ISS by hand, 100 kB below the wrap.
  c.iss = c.sndUna = c.sndNxt = c.sndMax = 0x1_0000_0000 - 100_000;
  c.issChosen = true;
  let s: TcpSocket | null = null;
  assert.ok(sim.runUntil(() => (s ??= l.accept()) !== null && c.state === TcpState.Established));
  const data = pattern(300_000, 12);
  assert.deepEqual(transfer(sim, c, s!, data), data);
  assert.ok(c.sndUna < 300_000); // wrapped
  c.close();
  assert.ok(sim.runUntil(() => s!.recv(new Uint8Array(1)) === 'finished'));
  s!.close();
  assert.ok(sim.runUntil(() => c.state === TcpState.TimeWait && s!.state === TcpState.Closed));
});

test('tcp: PAWS drops a segment with an old timestamp (RFC 7323)', () => {
  const sim = new SimPair();
  const { client, server } = connectPair(sim);
  transfer(sim, client, server, pattern(5000));
  const rcvNxt = server.rcvNxt;
  inject(sim, sim.a, sim.b, segment({
    srcPort: client.localPort, dstPort: 80, seq: rcvNxt, ack: server.sndNxt, flags: TcpFlag.Ack | TcpFlag.Psh, window: 1000,
    hasTimestamp: true, tsVal: (server.tsRecent - 1000) >>> 0, tsEcr: 0,
  }), new Uint8Array([1, 2, 3]));
  sim.runFor(10);
  assert.equal(sim.b.iface.stats.tcp.dropped('paws'), 1);
  assert.equal(server.rcvNxt, rcvNxt);
  assert.equal(server.recvQueue, 0);
});

test('tcp: 500 concurrent connections to one listener, each with its own bytes', () => {
  const sim = new SimPair({ capacity: 4096 });
  const small = { rxBufferSize: 4096, txBufferSize: 4096 };
  const l = sim.b.sockets.add(new TcpSocket({ ...small, backlog: 64 }));
  l.listen(80);
  const clients = Array.from({ length: 500 }, (_, i) => {
    const c = sim.a.sockets.add(new TcpSocket(small));
    c.connect(sim.b.addr, 80, 10_000 + i);
    return { c, data: pattern(3000, i + 1), sent: 0 };
  });
  const served = new Map<number, { s: TcpSocket; got: Uint8Array; n: number }>();
  const buf = new Uint8Array(4096);
  assert.ok(sim.runUntil(() => {
    for (let s = l.accept(); s; s = l.accept()) served.set(s.remotePort, { s, got: new Uint8Array(3000), n: 0 });
    for (const x of clients) if (x.c.state === TcpState.Established && x.sent < 3000) x.sent += x.c.send(x.data.subarray(x.sent)) as number;
    for (const v of served.values()) {
      for (let n = v.s.recv(buf); typeof n === 'number' && n > 0; n = v.s.recv(buf)) v.got.set(buf.subarray(0, n), (v.n += n) - n);
    }
    return served.size === 500 && [...served.values()].every((v) => v.n === 3000);
  }, 600_000));
  for (const x of clients) assert.deepEqual(served.get(x.c.localPort)!.got, x.data);
});

test('tcp: a socket can be used again after it closed', () => {
  const sim = new SimPair();
  const { client, server } = connectPair(sim);
  client.abort();
  assert.ok(sim.runUntil(() => server.state === TcpState.Closed));
  assert.equal(client.connect(sim.b.addr, 80, 41000), null);
  assert.equal(client.error, null);
  assert.equal(client.cc.cwnd, 10 * 536); // nothing carried over (MSS not yet negotiated)
  const l = sim.b.sockets.tcp.find((s) => s.state === TcpState.Listen)!;
  let s: TcpSocket | null = null;
  assert.ok(sim.runUntil(() => (s ??= l.accept()) !== null && client.state === TcpState.Established));
  const data = pattern(20_000);
  assert.deepEqual(transfer(sim, client, s!, data), data);
});

test('tcp: a new SYN for a four-tuple in TIME-WAIT on the server ends up connected', () => {
  const sim = new SimPair();
  const { client, server, listener } = connectPair(sim);
  const port = client.localPort;
  // The server closes first, so the server's side holds TIME-WAIT.
  server.close();
  assert.ok(sim.runUntil(() => client.recv(new Uint8Array(1)) === 'finished'));
  client.close();
  assert.ok(sim.runUntil(() => server.state === TcpState.TimeWait && client.state === TcpState.Closed));
  sim.a.sockets.remove(client);
  const again = sim.a.sockets.add(new TcpSocket());
  again.connect(sim.b.addr, 80, port);
  let s: TcpSocket | null = null;
  assert.ok(sim.runUntil(() => (s ??= listener.accept()) !== null && again.state === TcpState.Established, sim.now + 30_000));
  assert.equal(server.state, TcpState.Closed);
  const data = pattern(5000);
  assert.deepEqual(transfer(sim, again, s!, data), data);
});

test('tcp: a flood of tiny out-of-order segments is absorbed in bounded state', () => {
  const sim = new SimPair();
  const { client, server } = connectPair(sim);
  const base = server.rcvNxt;
  // 1000 one-byte segments, each leaving a hole before it: each would need its own range.
  for (let i = 0; i < 1000; i++) {
    inject(sim, sim.a, sim.b, segment({ srcPort: client.localPort, dstPort: 80, seq: (base + 2 + 2 * i) >>> 0, ack: server.sndNxt, flags: TcpFlag.Ack, window: 1000 }), new Uint8Array([i & 255]));
    if (i % 200 === 199) sim.runFor(1);
  }
  sim.runFor(10);
  assert.equal(server.assembler.rangeCount, 8); // TCP_ASSEMBLER_RANGES
  assert.equal(sim.b.iface.stats.tcp.dropped('out-of-order-full'), 992);
  assert.equal(server.recvQueue, 0);
  // The real data still gets through (the client's bytes overwrite the injected ones).
  const data = pattern(50_000);
  assert.deepEqual(transfer(sim, client, server, data), data);
});

test('tcp: peek leaves data for recv; buffers resize mid-connection without losing queued bytes', () => {
  const sim = new SimPair();
  const { client, server } = connectPair(sim, 80, { rxBufferSize: 8192, txBufferSize: 8192 }, { rxBufferSize: 8192, txBufferSize: 8192 });
  assert.equal(client.send(new TextEncoder().encode('hello world')), 11);
  assert.ok(sim.runUntil(() => server.recvQueue === 11));
  const five = new Uint8Array(5);
  assert.equal(server.peek(five), 5);
  assert.equal(new TextDecoder().decode(five), 'hello');
  assert.equal(server.recvQueue, 11, 'peeking consumes nothing');

  // Growing with data queued keeps it; shrinking below what is queued is refused.
  assert.deepEqual(server.resizeBuffers(65536, 4096), { rx: 65536, tx: 4096 });
  assert.deepEqual(server.resizeBuffers(8, 0), { rx: 65536, tx: 4096 });
  const all = new Uint8Array(64);
  assert.equal(server.recv(all), 11);
  assert.equal(new TextDecoder().decode(all.subarray(0, 11)), 'hello world');
  // A larger send buffer with unacknowledged data in it: the transfer still arrives whole.
  client.resizeBuffers(0, 100_000);
  const data = pattern(300_000, 3);
  assert.deepEqual(transfer(sim, client, server, data), data);
  assert.equal(client.options.txBufferSize, 100_000, 'what a listener resizes, its children inherit');
});
