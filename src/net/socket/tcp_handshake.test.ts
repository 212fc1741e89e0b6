// Handshake edge cases with one chosen segment lost: the SYN, the SYN,ACK, the final ACK
// (with and without data behind it), and a peer that forgot the connection (half-open).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimPair, type Host } from '../iface/sim.js';
import type { Device } from '../iface/device.js';
import { TcpSocket, TcpState } from './tcp.js';
import { TcpFlag } from '../wire/tcp.js';
import { connectPair, pattern, transfer } from '../testkit.js';

/** Drops, once, the first TCP segment arriving at `host` whose flags are exactly `flags`. */
function dropOnce(host: Host, flags: number, withPayload = false): { dropped: boolean } {
  const inner = host.device;
  const state = { dropped: false };
  const dev: Device = {
    caps: inner.caps,
    transmit: (now, f) => inner.transmit(now, f),
    receive: (now) => {
      const f = inner.receive(now);
      if (f && !state.dropped && f.length >= 54 && f[12] === 0x08 && f[13] === 0 && f[23] === 6) {
        const tcp = 14 + (f[14]! & 0x0f) * 4;
        const hasPayload = f.length > tcp + (f[tcp + 12]! >> 4) * 4;
        if (f[tcp + 13] === flags && hasPayload === withPayload) {
          state.dropped = true;
          return dev.receive(now);
        }
      }
      return f;
    },
  };
  host.device = dev;
  return state;
}

function handshake(sim: SimPair): { client: TcpSocket; server: TcpSocket } {
  const l = sim.b.sockets.add(new TcpSocket());
  l.listen(80);
  const client = sim.a.sockets.add(new TcpSocket());
  client.connect(sim.b.addr, 80, 40000);
  let server: TcpSocket | null = null;
  assert.ok(sim.runUntil(() => (server ??= l.accept()) !== null && client.state === TcpState.Established, 60_000));
  return { client, server: server! };
}

test('handshake: a lost SYN is sent again after the initial RTO', () => {
  const sim = new SimPair();
  const d = dropOnce(sim.b, TcpFlag.Syn);
  const { client, server } = handshake(sim);
  assert.ok(d.dropped);
  assert.ok(sim.now >= 1000 && sim.now < 2000, `established at ${sim.now}`);
  assert.equal(sim.a.iface.stats.tcp.count('retransmit-timeout'), 1);
  const data = pattern(10_000);
  assert.deepEqual(transfer(sim, client, server, data), data);
});

test('handshake: a lost SYN,ACK — the client\'s SYN again, and the server answers once more', () => {
  const sim = new SimPair();
  const d = dropOnce(sim.a, TcpFlag.Syn | TcpFlag.Ack);
  const { client, server } = handshake(sim);
  assert.ok(d.dropped);
  assert.equal(server.state, TcpState.Established);
  const data = pattern(10_000);
  assert.deepEqual(transfer(sim, server, client, data), data);
});

test('handshake: a lost final ACK is made good by the client\'s first data segment', () => {
  const sim = new SimPair();
  const d = dropOnce(sim.b, TcpFlag.Ack);
  const l = sim.b.sockets.add(new TcpSocket());
  l.listen(80);
  const client = sim.a.sockets.add(new TcpSocket());
  client.connect(sim.b.addr, 80, 40000);
  assert.ok(sim.runUntil(() => client.state === TcpState.Established));
  assert.ok(d.dropped);
  assert.equal(l.backlog[0]!.state, TcpState.SynReceived); // the server still waits
  client.send(new TextEncoder().encode('hello'));
  let server: TcpSocket | null = null;
  assert.ok(sim.runUntil(() => (server ??= l.accept()) !== null && server.recvQueue === 5));
  assert.ok(sim.now < 100, 'no timeout was needed');
});

test('handshake: a lost final ACK with nothing following — the server resends its SYN,ACK', () => {
  const sim = new SimPair();
  dropOnce(sim.b, TcpFlag.Ack);
  const l = sim.b.sockets.add(new TcpSocket());
  l.listen(80);
  const client = sim.a.sockets.add(new TcpSocket());
  client.connect(sim.b.addr, 80, 40000);
  let server: TcpSocket | null = null;
  assert.ok(sim.runUntil(() => (server ??= l.accept()) !== null, 10_000));
  assert.ok(sim.now >= 1000, 'it took the server\'s retransmission timer');
  assert.equal(sim.b.iface.stats.tcp.count('retransmit-timeout'), 1);
});

test('half-open: a peer that lost its state is reset when it connects again', () => {
  const sim = new SimPair();
  const { client, server } = connectPair(sim);
  const port = client.localPort;
  // The client "reboots": its socket vanishes without a word.
  sim.a.sockets.remove(client);
  const again = sim.a.sockets.add(new TcpSocket());
  again.connect(sim.b.addr, 80, port);
  // Its SYN meets the old connection and is answered by an ACK (the SYN is out of the window,
  // or in it and challenged, RFC 5961); that ACK makes no sense to the client, whose RST
  // clears the old connection; the SYN's retransmission then finds the listener.
  const l = sim.b.sockets.tcp.find((s) => s.state === TcpState.Listen)!;
  let fresh: TcpSocket | null = null;
  assert.ok(sim.runUntil(() => (fresh ??= l.accept()) !== null && again.state === TcpState.Established, 30_000));
  assert.equal(server.state, TcpState.Closed);
  assert.equal(server.error, 'reset');
  const st = sim.b.iface.stats.tcp;
  assert.ok(st.dropped('out-of-window') + st.count('challenge-ack') >= 1);
  assert.equal(st.count('rst-received'), 1);
  const data = pattern(5000);
  assert.deepEqual(transfer(sim, again, fresh!, data), data);
});
