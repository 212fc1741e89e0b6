// Helpers shared by the stack's tests: connected socket pairs in a SimPair, bulk transfers
// that check every byte, crafted segments injected straight onto a host's link, and the ICMP
// error rate limit of either family.
import assert from 'node:assert/strict';
import { SimPair, type Host } from './iface/sim.js';
import { LinkEnd } from './iface/device.js';
import { TcpSocket, TcpState, type TcpOptions } from './socket/tcp.js';
import { UdpSocket } from './socket/udp.js';
import type { ProtoStats } from './stats.js';
import type { IpAddress } from './wire/address.js';
import { TcpRepr } from './wire/tcp.js';
import { emitIpv4Header, IpProtocol } from './wire/ipv4.js';
import { EthernetFrame, EtherType } from './wire/ethernet.js';

export function pattern(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** A client on A connected to a listener on B; returns both ends and the listener. */
export function connectPair(sim: SimPair, port = 80, opts: TcpOptions = {}, clientOpts: TcpOptions = opts): { client: TcpSocket; server: TcpSocket; listener: TcpSocket } {
  const listener = sim.b.sockets.add(new TcpSocket(opts));
  assert.equal(listener.listen(port), null);
  const client = sim.a.sockets.add(new TcpSocket(clientOpts));
  assert.equal(client.connect(sim.b.addr, port, sim.a.sockets.ephemeralPort()), null);
  let server: TcpSocket | null = null;
  assert.ok(sim.runUntil(() => (server ??= listener.accept()) !== null && client.state === TcpState.Established), 'handshake');
  return { client, server: server!, listener };
}

/**
 * Sends `data` from one socket to the other, reading as it arrives, and returns what was
 * received. Fails the test if the world stalls first.
 */
export function transfer(sim: SimPair, from: TcpSocket, to: TcpSocket, data: Uint8Array, limit = sim.now + 3_600_000): Uint8Array {
  const got = new Uint8Array(data.length);
  let sent = 0;
  let received = 0;
  const buf = new Uint8Array(65_536);
  const ok = sim.runUntil(() => {
    if (sent < data.length) {
      const n = from.send(data.subarray(sent));
      if (typeof n === 'number') sent += n;
    }
    for (;;) {
      const n = to.recv(buf);
      if (typeof n !== 'number' || n === 0) break;
      got.set(buf.subarray(0, Math.min(n, data.length - received)), received);
      received += n;
    }
    return received >= data.length;
  }, limit);
  assert.ok(ok, `transfer stalled at ${received}/${data.length} bytes`);
  assert.equal(received, data.length);
  return got;
}

/** Puts a crafted TCP segment from `src` host into `dst` host's receive queue. */
export function inject(sim: SimPair, src: Host, dst: Host, repr: TcpRepr, payload: Uint8Array = new Uint8Array(0)): void {
  const hl = repr.headerLen;
  const frame = new Uint8Array(14 + 20 + hl + payload.length);
  const eth = EthernetFrame.unchecked(frame);
  eth.dst = dst.iface.hardwareAddr;
  eth.src = src.iface.hardwareAddr;
  eth.etherType = EtherType.Ipv4;
  frame.set(payload, 34 + hl);
  repr.emit(frame.subarray(34), payload.length, src.addr, dst.addr);
  emitIpv4Header(frame.subarray(14), src.addr, dst.addr, IpProtocol.Tcp, hl + payload.length, 64, 1);
  const end = dst.device as LinkEnd;
  assert.ok(end instanceof LinkEnd, 'inject needs a plain link');
  end.inbox.push(frame);
}

export function segment(fields: Partial<TcpRepr>): TcpRepr {
  return Object.assign(new TcpRepr(), fields);
}

/**
 * Floods a closed UDP port at `dst` (on B) from A and checks B's ICMP errors, `icmp` being the
 * counters of dst's family: one error for a first datagram, then of a burst of 30 only 10, and
 * of a second burst a second later at most 11 more (the bucket refills at 10 a second).
 */
export function checkErrorRateLimit(sim: SimPair, dst: IpAddress, icmp: ProtoStats): void {
  const u = sim.a.sockets.add(new UdpSocket({ txSlots: 64, txBytes: 64 * 1024 }));
  assert.equal(u.bind(5000), null);
  const burst = () => {
    for (let i = 0; i < 30; i++) assert.equal(u.sendTo(new Uint8Array(4), dst, 9999), null);
  };
  // One first, so that the neighbours know each other and the burst is not held for them.
  assert.equal(u.sendTo(new Uint8Array(4), dst, 9999), null);
  sim.runFor(2000);
  assert.equal(icmp.count('unreachable-sent'), 1);
  burst();
  sim.runFor(100);
  assert.equal(sim.b.iface.stats.udp.dropped('no-socket'), 31);
  assert.equal(icmp.count('unreachable-sent'), 11);
  assert.equal(icmp.dropped('error-rate-limit'), 20);
  sim.runFor(1000);
  burst();
  sim.runFor(100);
  const sent = icmp.count('unreachable-sent');
  assert.ok(sent > 11 && sent <= 22, `sent ${sent}`);
}
