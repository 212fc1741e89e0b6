// The interface: ARP resolution and the cache, echo replies, UDP delivery and port
// unreachable, ICMP sockets, fragment reassembly, routing, the loopback device, and what
// the counters say about frames that are not for us.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimPair } from './sim.js';
import { Interface } from './interface.js';
import { Loopback, linkPair } from './device.js';
import { RouteTable } from './route.js';
import { Reassembler } from './reassembly.js';
import { SocketSet } from '../socket/set.js';
import { UdpSocket } from '../socket/udp.js';
import { IcmpSocket } from '../socket/icmp.js';
import { TcpSocket, TcpState } from '../socket/tcp.js';
import { Ipv4Cidr, ip, mac } from '../wire/address.js';
import { Icmpv4Packet, Icmpv4Type, emitIcmpv4, parseIcmpv4 } from '../wire/icmpv4.js';
import { Ipv4Packet, Ipv4Repr, IpProtocol } from '../wire/ipv4.js';
import { EthernetFrame, EtherType } from '../wire/ethernet.js';
import { emitUdpHeader } from '../wire/udp.js';
import { checkErrorRateLimit, pattern, transfer } from '../testkit.js';

function echoRequest(ident: number, seq: number, data: Uint8Array): Uint8Array {
  const b = new Uint8Array(8 + data.length);
  emitIcmpv4({ kind: Icmpv4Type.EchoRequest, ident, seq, data }, b);
  return b;
}

test('arp resolves the neighbour once, then the cache answers', () => {
  const sim = new SimPair();
  const u = sim.a.sockets.add(new UdpSocket());
  u.bind(5000);
  const v = sim.b.sockets.add(new UdpSocket());
  v.bind(53);
  u.sendTo(new Uint8Array([1]), sim.b.addr, 53);
  assert.ok(sim.runUntil(() => v.rx.length === 1));
  assert.equal(sim.a.iface.stats.arp.tx, 1); // one request
  assert.equal(sim.b.iface.stats.arp.tx, 1); // one reply
  assert.equal(sim.a.iface.arp.lookup(sim.b.addr, sim.now), sim.b.iface.hardwareAddr);
  // B learned A from the request itself.
  assert.equal(sim.b.iface.arp.lookup(sim.a.addr, sim.now), sim.a.iface.hardwareAddr);
  u.sendTo(new Uint8Array([2]), sim.b.addr, 53);
  assert.ok(sim.runUntil(() => v.rx.length === 2));
  assert.equal(sim.a.iface.stats.arp.tx, 1);
});

test('udp: datagrams both ways keep their boundaries and addresses', () => {
  const sim = new SimPair();
  const u = sim.a.sockets.add(new UdpSocket());
  const v = sim.b.sockets.add(new UdpSocket());
  assert.equal(u.bind(5000), null);
  assert.equal(v.bind(7), null);
  assert.equal(v.bind(8), 'invalid-state');
  for (let i = 1; i <= 5; i++) assert.equal(u.sendTo(pattern(i * 100, i), sim.b.addr, 7), null);
  assert.ok(sim.runUntil(() => v.rx.length === 5));
  const buf = new Uint8Array(2000);
  for (let i = 1; i <= 5; i++) {
    const d = v.recvFrom(buf);
    assert.ok(typeof d === 'object');
    assert.deepEqual(buf.subarray(0, d.len), pattern(i * 100, i));
    assert.equal(d.addr, sim.a.addr);
    assert.equal(d.port, 5000);
    // Echo it back.
    assert.equal(v.sendTo(buf.subarray(0, d.len), d.addr, d.port), null);
  }
  assert.ok(sim.runUntil(() => u.rx.length === 5));
  assert.equal(v.recvFrom(buf), 'exhausted');
  assert.equal(u.sendTo(new Uint8Array(2000), sim.b.addr, 7), 'too-large');
});

test('udp to a closed port: ICMP port unreachable comes back, counters say why', () => {
  const sim = new SimPair();
  const u = sim.a.sockets.add(new UdpSocket());
  u.bind(5000);
  u.sendTo(new Uint8Array([1, 2, 3]), sim.b.addr, 9999);
  sim.runFor(100);
  assert.equal(sim.b.iface.stats.udp.dropped('no-socket'), 1);
  assert.equal(sim.b.iface.stats.icmp.count('unreachable-sent'), 1);
  assert.equal(sim.a.iface.stats.icmp.rx, 1);
  assert.equal(sim.a.iface.stats.icmp.dropped('no-socket'), 1); // no ICMP socket wanted it
});

test('udp to a closed port, flooded: the ICMP errors are rate-limited, a burst of 10 then 10 a second', () => {
  const sim = new SimPair();
  checkErrorRateLimit(sim, sim.b.addr, sim.b.iface.stats.icmp);
});

test('icmp: ping through an ICMP socket; echo replies can be turned off', () => {
  const sim = new SimPair();
  const s = sim.a.sockets.add(new IcmpSocket());
  assert.equal(s.bind(0x4d48), null);
  assert.equal(s.sendTo(echoRequest(0x4d48, 1, pattern(56)), sim.b.addr), null);
  assert.ok(sim.runUntil(() => s.rx.length === 1));
  const buf = new Uint8Array(1500);
  const d = s.recvFrom(buf);
  assert.ok(typeof d === 'object');
  assert.equal(d.addr, sim.b.addr);
  const r = parseIcmpv4(Icmpv4Packet.checked(buf.subarray(0, d.len)) as Icmpv4Packet);
  assert.ok(typeof r === 'object' && r.kind === Icmpv4Type.EchoReply);
  if (r.kind !== Icmpv4Type.EchoReply) return;
  assert.equal(r.ident, 0x4d48);
  assert.equal(r.seq, 1);
  assert.deepEqual(r.data, pattern(56));
  sim.b.iface.echoReply = false;
  s.sendTo(echoRequest(0x4d48, 2, new Uint8Array(8)), sim.b.addr);
  sim.runFor(100);
  assert.equal(s.rx.length, 0);
  assert.equal(sim.b.iface.stats.icmp.dropped('echo-disabled'), 1);
});

test('icmp: an error quoting our echo request goes to the socket of that identifier', () => {
  const sim = new SimPair();
  const s = sim.a.sockets.add(new IcmpSocket());
  s.bind(77);
  sim.runFor(1);
  // What a router would send back: time exceeded, quoting A's echo request (ident 77).
  const quote = new Uint8Array(28);
  new Ipv4Repr(sim.a.addr, ip('192.0.2.1'), IpProtocol.Icmp, 8).emit(quote);
  quote.set(echoRequest(77, 3, new Uint8Array(0)), 20);
  const msg = new Uint8Array(8 + quote.length);
  emitIcmpv4({ kind: Icmpv4Type.TimeExceeded, code: 0, data: quote }, msg);
  const f = new Uint8Array(34 + msg.length);
  const e = EthernetFrame.unchecked(f);
  e.dst = sim.a.iface.hardwareAddr;
  e.src = sim.b.iface.hardwareAddr;
  e.etherType = EtherType.Ipv4;
  new Ipv4Repr(sim.b.addr, sim.a.addr, IpProtocol.Icmp, msg.length).emit(f.subarray(14));
  f.set(msg, 34);
  (sim.a.device as import('./device.js').LinkEnd).inbox.push(f);
  // And one quoting somebody else's identifier, which nobody wants.
  quote[24] = 0;
  quote[25] = 78;
  const other = new Uint8Array(msg.length);
  emitIcmpv4({ kind: Icmpv4Type.TimeExceeded, code: 0, data: quote }, other);
  f.set(other, 34);
  (sim.a.device as import('./device.js').LinkEnd).inbox.push(f);
  sim.runFor(1);
  assert.equal(s.rx.length, 1);
  assert.equal(sim.a.iface.stats.icmp.dropped('no-socket'), 1);
});

test('ipv4: fragments are reassembled in any order, and a lost one times out', () => {
  const r = new Reassembler(1000);
  const payload = pattern(3000, 8);
  const frags: Uint8Array[] = [];
  for (let off = 0; off < payload.length; off += 1480) {
    const part = payload.subarray(off, Math.min(payload.length, off + 1480));
    const b = new Uint8Array(20 + part.length);
    new Ipv4Repr(ip('10.0.0.1'), ip('10.0.0.2'), IpProtocol.Udp, part.length, 64, 42, false, off + part.length < payload.length, off).emit(b);
    b.set(part, 20);
    frags.push(b);
  }
  assert.equal(frags.length, 3);
  const p = (b: Uint8Array) => Ipv4Packet.checked(b) as Ipv4Packet;
  assert.equal(r.add(p(frags[2]!), 0), 'pending');
  assert.equal(r.add(p(frags[0]!), 1), 'pending');
  assert.equal(r.add(p(frags[0]!), 2), 'pending'); // a duplicate changes nothing
  const whole = r.add(p(frags[1]!), 3);
  assert.ok(whole instanceof Uint8Array);
  assert.deepEqual(whole, payload);
  // Missing middle: after the timeout the slot is recycled and a late fragment starts afresh.
  assert.equal(r.add(p(frags[0]!), 10), 'pending');
  assert.equal(r.add(p(frags[2]!), 20), 'pending');
  assert.equal(r.add(p(frags[1]!), 2000), 'pending');
  assert.equal(r.timeouts, 1);
});

test('ipv4: a fragmented UDP datagram arriving at the interface is delivered whole', () => {
  const sim = new SimPair();
  const v = sim.b.sockets.add(new UdpSocket({ rxBytes: 16_384 }));
  v.bind(9);
  const data = pattern(4000, 3);
  const udp = new Uint8Array(8 + data.length);
  udp.set(data, 8);
  emitUdpHeader(udp, 1234, 9, data.length, sim.a.addr, sim.b.addr);
  const end = sim.b.device as import('./device.js').LinkEnd;
  for (let off = 0; off < udp.length; off += 1480) {
    const part = udp.subarray(off, Math.min(udp.length, off + 1480));
    const f = new Uint8Array(34 + part.length);
    const eth = EthernetFrame.unchecked(f);
    eth.dst = sim.b.iface.hardwareAddr;
    eth.src = sim.a.iface.hardwareAddr;
    eth.etherType = EtherType.Ipv4;
    new Ipv4Repr(sim.a.addr, sim.b.addr, IpProtocol.Udp, part.length, 64, 9, false, off + part.length < udp.length, off).emit(f.subarray(14));
    f.set(part, 34);
    end.inbox.push(f);
  }
  sim.runFor(10);
  assert.equal(v.rx.length, 1);
  const buf = new Uint8Array(5000);
  const d = v.recvFrom(buf);
  assert.ok(typeof d === 'object');
  assert.deepEqual(buf.subarray(0, d.len), data);
  assert.equal(sim.b.iface.stats.ipv4.count('reassembled'), 1);
});

test('routing: longest prefix wins, the default route catches the rest', () => {
  const t = new RouteTable();
  t.addDefault(ip('10.0.0.254'));
  t.add(Ipv4Cidr.parse('192.168.0.0/16')!, ip('10.0.0.1'));
  t.add(Ipv4Cidr.parse('192.168.7.0/24')!, ip('10.0.0.2'));
  assert.equal(t.lookup(ip('192.168.7.9'))!.via, ip('10.0.0.2'));
  assert.equal(t.lookup(ip('192.168.8.9'))!.via, ip('10.0.0.1'));
  assert.equal(t.lookup(ip('8.8.8.8'))!.via, ip('10.0.0.254'));
  const i = new Interface({ hardwareAddr: mac('02:00:00:00:00:09'), addresses: [Ipv4Cidr.parse('10.0.0.5/24')!] });
  assert.equal(i.nextHop(ip('10.0.0.7')), ip('10.0.0.7'));
  assert.equal(i.nextHop(ip('8.8.8.8')), null);
  i.routes.addDefault(ip('10.0.0.1'));
  assert.equal(i.nextHop(ip('8.8.8.8')), ip('10.0.0.1'));
});

test('loopback: one stack talks TCP to itself on 127.0.0.1', () => {
  const lo = new Loopback();
  const iface = new Interface({ hardwareAddr: mac('02:00:00:00:00:01'), addresses: [Ipv4Cidr.parse('127.0.0.1/8')!] });
  const sockets = new SocketSet();
  const l = sockets.add(new TcpSocket());
  l.listen(7);
  const c = sockets.add(new TcpSocket());
  c.connect(ip('127.0.0.1'), 7, 40000);
  // A minimal driver in the style of SimPair, for one host.
  const sim = {
    now: 0,
    runUntil(done: () => boolean, limit = 1e9): boolean {
      while (!done()) {
        if (iface.poll(this.now, lo, sockets)) continue;
        const t = iface.pollAt(this.now, sockets);
        if (t === Infinity || t > limit) return false;
        this.now = Math.max(this.now + 1, t);
      }
      return true;
    },
  };
  let s: TcpSocket | null = null;
  assert.ok(sim.runUntil(() => (s ??= l.accept()) !== null && c.state === TcpState.Established));
  const data = pattern(100_000);
  assert.deepEqual(transfer(sim as unknown as SimPair, c, s!, data), data);
  assert.equal(iface.stats.arp.tx, 0); // our own address needs no ARP
});

test('frames for others, unknown ethertypes and other hosts\' IP are counted, not processed', () => {
  const [a, b] = linkPair();
  const iface = new Interface({ hardwareAddr: mac('02:00:00:00:00:02'), addresses: [Ipv4Cidr.parse('10.0.0.2/24')!] });
  const sockets = new SocketSet();
  const frame = (dst: number, type: number, payload: Uint8Array) => {
    const f = new Uint8Array(14 + payload.length);
    const e = EthernetFrame.unchecked(f);
    e.dst = dst;
    e.src = mac('02:00:00:00:00:01');
    e.etherType = type;
    f.set(payload, 14);
    return f;
  };
  const ipPacket = (dst: number) => {
    const p = new Uint8Array(28);
    new Ipv4Repr(ip('10.0.0.1'), dst, IpProtocol.Udp, 8).emit(p);
    return p;
  };
  a.transmit(0, frame(mac('02:00:00:00:00:77'), EtherType.Ipv4, ipPacket(ip('10.0.0.2'))));
  a.transmit(0, frame(mac('02:00:00:00:00:02'), 0x88cc, new Uint8Array(40)));
  a.transmit(0, frame(mac('02:00:00:00:00:02'), EtherType.Ipv4, ipPacket(ip('10.0.0.3'))));
  a.transmit(0, new Uint8Array(10));
  iface.poll(0, b, sockets);
  assert.equal(iface.stats.ethernet.dropped('not-for-us'), 1);
  assert.equal(iface.stats.ethernet.dropped('unknown-ethertype'), 1);
  assert.equal(iface.stats.ethernet.dropped('truncated'), 1);
  assert.equal(iface.stats.ipv4.dropped('not-for-us'), 1);
});

test('arp: datagrams wait for the neighbour without blocking others, and expire if it never answers', () => {
  const sim = new SimPair();
  const u = sim.a.sockets.add(new UdpSocket());
  u.bind(5000);
  const v = sim.b.sockets.add(new UdpSocket());
  v.bind(9);
  u.sendTo(new Uint8Array([1]), ip('10.0.0.77'), 9); // nobody has this address
  u.sendTo(new Uint8Array([2]), sim.b.addr, 9);
  assert.ok(sim.runUntil(() => v.rx.length === 1));
  assert.equal(sim.a.iface.pending.length, 1);
  sim.runFor(5000);
  assert.equal(sim.a.iface.pending.length, 0);
  assert.equal(sim.a.iface.stats.ipv4.dropped('neighbor-unreachable'), 1);
});
