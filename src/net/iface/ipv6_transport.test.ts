// IPv6 beyond the responder: the neighbour solicitation a packet waits on (literal bytes), UDP
// with its pseudo-header checksum (literal bytes), port unreachable, TCP between two stacks
// over link-local and global addresses (clean and through faults), dual-stack listeners,
// ICMPv6 echo through an ICMP socket, and SLAAC from a router advertisement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimPair } from './sim.js';
import { TcpSocket, TcpState } from '../socket/tcp.js';
import { UdpSocket } from '../socket/udp.js';
import { IcmpSocket } from '../socket/icmp.js';
import { Ipv6Cidr, Ipv6Repr, ipv6Bytes, ipv6Value, ip6, linkLocalFromMac } from '../wire/ipv6.js';
import { Icmpv6Type, emitIcmpv6, icmpv6BufferLen } from '../wire/icmpv6.js';
import { EthernetFrame, EtherType } from '../wire/ethernet.js';
import { formatIp, mac, parseIp } from '../wire/address.js';
import { LinkEnd, linkPair } from './device.js';
import { Interface } from './interface.js';
import { SocketSet } from '../socket/set.js';
import { TcpFlag, TcpRepr } from '../wire/tcp.js';
import { fold, pseudoHeaderSum, put16, sum16 } from '../wire/bytes.js';
import { checkErrorRateLimit, pattern, transfer } from '../testkit.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const A6 = ipv6Value(ip6('2001:db8::1'));
const B6 = ipv6Value(ip6('2001:db8::2'));

/** A SimPair with 2001:db8::1/64 on A and ::2/64 on B, capturing every frame A sees and sends. */
function pair(o: { faults?: boolean; seed?: number } = {}) {
  const frames: Uint8Array[] = [];
  let chunks = 0;
  const sim = new SimPair({
    seed: o.seed,
    faults: o.faults ? { loss: 0.05, duplicate: 0.02, reorder: 0.05 } : undefined,
    // The sink gets the file header, then each record's header and its frame as two chunks.
    pcap: (chunk) => {
      const i = chunks++;
      if (i >= 2 && i % 2 === 0) frames.push(chunk.slice());
    },
  });
  sim.a.iface.ipv6.addAddress(new Ipv6Cidr(A6, 64));
  sim.b.iface.ipv6.addAddress(new Ipv6Cidr(B6, 64));
  return { sim, frames };
}

test('ipv6: a datagram to an unresolved neighbour waits for the solicitation (literal bytes), then goes', () => {
  const { sim, frames } = pair();
  const u = sim.a.sockets.add(new UdpSocket());
  assert.equal(u.bind(5000), null);
  const v = sim.b.sockets.add(new UdpSocket());
  assert.equal(v.bind(53), null);
  assert.equal(u.sendTo(new TextEncoder().encode('hi!'), B6, 53), null);
  sim.step();
  assert.equal(sim.a.iface.pending.length, 1);
  // A's first frame: the solicitation for 2001:db8::2, from 2001:db8::1, to ff02::1:ff00:2 (checksum by Python's struct).
  assert.equal(hex(frames[0]!), '3333ff00000202000000000186dd6000000000203aff20010db8000000000000000000000001ff0200000000000000000001ff00000287001c270000000020010db80000000000000000000000020101020000000001');
  const buf = new Uint8Array(64);
  assert.ok(sim.runUntil(() => !v.rx.isEmpty));
  assert.equal(sim.a.iface.pending.length, 0);
  const d = v.recvFrom(buf);
  assert.ok(typeof d === 'object');
  assert.equal(new TextDecoder().decode(buf.subarray(0, d.len)), 'hi!');
  assert.equal(d.addr, A6);
  assert.equal(d.port, 5000);
  // The datagram as it left A: its UDP part, with the IPv6 pseudo-header checksum (by Python's struct).
  const sent = frames.find((f) => f[12] === 0x86 && f[13] === 0xdd && f[20] === 17)!;
  assert.equal(hex(sent.subarray(54)), '13880035000b073d686921');
  assert.equal(sim.b.iface.stats.icmpv6.count('neighbor-advert-sent'), 1);
  assert.equal(sim.a.iface.ipv6.neighbor(B6, sim.now), sim.b.iface.hardwareAddr);
});

test('ipv6: a datagram to a closed port earns destination unreachable, port (literal bytes)', () => {
  const { sim, frames } = pair();
  const u = sim.a.sockets.add(new UdpSocket());
  assert.equal(u.bind(5000), null);
  assert.equal(u.sendTo(new TextEncoder().encode('hi!'), B6, 53), null);
  sim.runFor(100);
  assert.equal(sim.b.iface.stats.udp.dropped('no-socket'), 1);
  assert.equal(sim.b.iface.stats.icmpv6.count('unreachable-sent'), 1);
  const err = frames.find((f) => f[20] === 58 && f[54] === 1)!;
  assert.ok(err, 'an ICMPv6 error reached A');
  assert.equal(hex(err.subarray(54)), '010431e20000000060000000000b114020010db800000000000000000000000120010db800000000000000000000000213880035000b073d686921');
  // Nothing answers a datagram sent to a group.
  const all = sim.a.sockets.add(new UdpSocket());
  all.bind(5001);
  all.sendTo(new Uint8Array(4), ipv6Value(ip6('ff02::1')), 9);
  sim.runFor(100);
  assert.equal(sim.b.iface.stats.icmpv6.count('unreachable-sent'), 1);
});

test('ipv6: TCP over link-local addresses, both ways, and an orderly close', () => {
  const { sim } = pair();
  const bll = ipv6Value(linkLocalFromMac(sim.b.iface.hardwareAddr));
  const listener = sim.b.sockets.add(new TcpSocket());
  assert.equal(listener.listen(80), null);
  const client = sim.a.sockets.add(new TcpSocket());
  assert.equal(client.connect(bll, 80, 40000), null);
  let server: TcpSocket | null = null;
  assert.ok(sim.runUntil(() => (server ??= listener.accept()) !== null && client.state === TcpState.Established));
  assert.equal(formatIp(server!.remoteAddr), formatIp(ipv6Value(linkLocalFromMac(sim.a.iface.hardwareAddr))));
  assert.equal(server!.localAddr, bll);
  assert.equal(client.localAddr, sim.a.iface.ipv6.addresses[0]!.address); // link-local to link-local
  // The IPv6 header is 20 bytes longer: the MSS offered is 1440 on a 1500-byte link.
  assert.equal(client.sndMss, 1440);
  const up = pattern(300_000, 3);
  const down = pattern(100_000, 4);
  assert.deepEqual(transfer(sim, client, server!, up), up);
  assert.deepEqual(transfer(sim, server!, client, down), down);
  client.close();
  assert.ok(sim.runUntil(() => server!.recv(new Uint8Array(1)) === 'finished'));
  server!.close();
  assert.ok(sim.runUntil(() => server!.state === TcpState.Closed && client.state === TcpState.TimeWait));
  assert.ok(client.toString().includes('[fe80::ff:fe00:1]:40000'));
});

test('ipv6: TCP over global addresses through loss, duplication and reordering', () => {
  for (const seed of [1, 2, 3]) {
    const { sim } = pair({ faults: true, seed });
    const listener = sim.b.sockets.add(new TcpSocket());
    listener.listen(80);
    const client = sim.a.sockets.add(new TcpSocket());
    client.connect(B6, 80, 40000 + seed);
    let server: TcpSocket | null = null;
    assert.ok(sim.runUntil(() => (server ??= listener.accept()) !== null && client.state === TcpState.Established));
    assert.equal(client.localAddr, A6);
    const data = pattern(200_000, seed);
    assert.deepEqual(transfer(sim, client, server!, data), data);
  }
});

test('ipv6: traffic keeps a neighbour known: no new solicitation in three minutes of a trickle', () => {
  const { sim } = pair();
  const listener = sim.b.sockets.add(new TcpSocket());
  listener.listen(80);
  const client = sim.a.sockets.add(new TcpSocket());
  client.connect(B6, 80, 40000);
  let server: TcpSocket | null = null;
  assert.ok(sim.runUntil(() => (server ??= listener.accept()) !== null && client.state === TcpState.Established));
  const solicits = () => sim.a.iface.stats.icmpv6.count('neighbor-solicit-sent') + sim.b.iface.stats.icmpv6.count('neighbor-solicit-sent');
  const before = solicits();
  const buf = new Uint8Array(16);
  for (let i = 0; i < 18; i++) {
    sim.runFor(10_000);
    client.send(Uint8Array.of(i));
    assert.ok(sim.runUntil(() => server!.recv(buf) === 1 && buf[0] === i));
  }
  assert.equal(solicits(), before);
});

test('ipv6: a listener takes both families; a closed IPv6 port answers RST', () => {
  const { sim } = pair();
  const listener = sim.b.sockets.add(new TcpSocket());
  listener.listen(80);
  const c4 = sim.a.sockets.add(new TcpSocket());
  const c6 = sim.a.sockets.add(new TcpSocket());
  c4.connect(sim.b.addr, 80, 40000);
  c6.connect(B6, 80, 40001);
  const got: TcpSocket[] = [];
  assert.ok(sim.runUntil(() => {
    const s = listener.accept();
    if (s) got.push(s);
    return got.length === 2;
  }));
  assert.deepEqual(got.map((s) => typeof s.remoteAddr).sort(), ['bigint', 'number']);
  const refused = sim.a.sockets.add(new TcpSocket());
  refused.connect(B6, 81, 40002);
  assert.ok(sim.runUntil(() => refused.state === TcpState.Closed));
  assert.equal(refused.error, 'refused');
});

test('ipv6: two waves of 200 connections through one listener, each answered on its own', () => {
  const { sim } = pair();
  const listener = sim.b.sockets.add(new TcpSocket({ backlog: 256 }));
  listener.listen(80, 0, 256);
  for (let wave = 0; wave < 2; wave++) {
    const clients = Array.from({ length: 200 }, (_, i) => {
      const c = sim.a.sockets.add(new TcpSocket({ rxBufferSize: 4096, txBufferSize: 4096 }));
      c.connect(B6, 80, 20000 + wave * 1000 + i);
      return c;
    });
    const servers: TcpSocket[] = [];
    assert.ok(sim.runUntil(() => {
      for (let s = listener.accept(); s; s = listener.accept()) servers.push(s);
      return servers.length === 200 && clients.every((c) => c.state === TcpState.Established);
    }));
    // Each server answers its peer's port number, which the client must get back.
    for (const s of servers) s.send(Uint8Array.of(s.remotePort >> 8, s.remotePort & 0xff));
    const buf = new Uint8Array(2);
    const got = new Map<TcpSocket, number>();
    assert.ok(sim.runUntil(() => {
      for (const c of clients) if (!got.has(c) && c.recv(buf) === 2) got.set(c, (buf[0]! << 8) | buf[1]!);
      return got.size === 200;
    }));
    for (const c of clients) assert.equal(got.get(c), c.localPort);
    for (const c of clients) c.abort();
    for (const s of servers) s.abort();
    sim.runFor(1000);
  }
});

test('ipv6: echo through an ICMP socket, reply delivered by identifier', () => {
  const { sim } = pair();
  const s = sim.a.sockets.add(new IcmpSocket());
  s.bind(0x1234);
  const req = new Uint8Array(16);
  req[0] = Icmpv6Type.EchoRequest;
  req.set([0x12, 0x34, 0, 7], 4);
  req.set([1, 2, 3, 4, 5, 6, 7, 8], 8);
  assert.equal(s.sendTo(req, B6), null);
  const buf = new Uint8Array(64);
  assert.ok(sim.runUntil(() => !s.rx.isEmpty));
  const d = s.recvFrom(buf);
  assert.ok(typeof d === 'object');
  assert.equal(d.addr, B6);
  assert.equal(buf[0], Icmpv6Type.EchoReply);
  assert.deepEqual([...buf.subarray(4, 16)], [0x12, 0x34, 0, 7, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(sim.b.iface.stats.icmpv6.count('echo-reply-sent'), 1);
});

test('ipv6: SLAAC takes an address and a default router from an advertisement', () => {
  const { sim, frames } = pair();
  const v6 = sim.a.iface.ipv6;
  v6.removeAddress(A6);
  v6.autoconf = true;
  sim.step();
  // The router solicitation: to all routers (ff02::2) from our link-local address.
  const rs = frames.find((f) => f[54] === Icmpv6Type.RouterSolicit)!;
  assert.equal(hex(rs.subarray(0, 6)), '333300000002');
  assert.equal(formatIp(ipv6Value(rs, 38)), 'ff02::2');
  // A router (fe80::1, its own MAC) advertises 2001:db8:5::/64 for 30 minutes.
  const routerMac = mac('52:54:00:00:00:01');
  const router = ip6('fe80::1');
  const f = raFrame();
  (sim.b.device as LinkEnd).peer.inbox.push(f);
  sim.step();
  const slaac = parseIp('2001:db8:5::ff:fe00:1') as bigint;
  assert.ok(v6.hasAddress(slaac), v6.addresses.map(String).join(' '));
  assert.equal(v6.defaultRouter(sim.now), ipv6Value(router));
  // Off-link traffic now goes to the router's MAC, from the new address.
  const u = sim.a.sockets.add(new UdpSocket());
  u.bind(5000);
  u.sendTo(new Uint8Array(3), ipv6Value(ip6('2001:db8:99::1')), 53);
  const before = frames.length;
  sim.step();
  const out = frames.slice(before).find((x) => x[20] === 17)!;
  assert.equal(EthernetFrame.unchecked(out).dst, routerMac);
  assert.equal(ipv6Value(out, 22), slaac);
  assert.equal(hex(ipv6Bytes(slaac)), '20010db800050000000000fffe000001');
});

test('fuzz: mutated IPv6 TCP, UDP and router advertisements never make the interface throw', () => {
  for (const offload of [false, true]) {
    // With checksums offloaded the mutated segments get past them, into TCP and UDP proper.
    const [peer, dev] = linkPair(4096, offload);
    const iface = new Interface({ hardwareAddr: mac('02:00:00:00:00:02'), addresses: [] });
    iface.ipv6.addAddress(new Ipv6Cidr(B6, 64));
    iface.ipv6.autoconf = true;
    const sockets = new SocketSet();
    sockets.add(new TcpSocket()).listen(80);
    sockets.add(new UdpSocket()).bind(53);
    const seeds = [transportFrame(6, tcpSyn()), transportFrame(17, Uint8Array.from([0x13, 0x88, 0, 53, 0, 11, 0, 0, 1, 2, 3])), raFrame()];
    let x = 777;
    const rnd = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) % n;
    for (let i = 0; i < 6000; i++) {
      const f = seeds[i % seeds.length]!.slice();
      for (let k = 1 + rnd(3); k > 0; k--) f[14 + rnd(f.length - 14)] = rnd(256);
      peer.transmit(i, rnd(5) ? f : f.subarray(0, rnd(f.length)));
      iface.poll(i, dev, sockets);
      while (peer.receive()) {}
    }
    assert.ok(iface.stats.ipv6.rx > 0);
    assert.ok(iface.stats.tcp.rx + iface.stats.udp.rx > 0);
  }
});

/** A frame from 2001:db8::1 (52:54:00:12:34:56) to B6 carrying a transport payload, checksummed. */
function transportFrame(nextHeader: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(54 + payload.length);
  const e = EthernetFrame.unchecked(f);
  e.dst = mac('02:00:00:00:00:02');
  e.src = mac('52:54:00:12:34:56');
  e.etherType = EtherType.Ipv6;
  new Ipv6Repr(ipv6Bytes(A6), ipv6Bytes(B6), nextHeader, payload.length, 64).emit(f.subarray(14));
  f.set(payload, 54);
  const ck = nextHeader === 6 ? 16 : 6;
  put16(f, 54 + ck, fold(sum16(f, 54, f.length, pseudoHeaderSum(A6, B6, nextHeader, payload.length))));
  return f;
}

function tcpSyn(): Uint8Array {
  const r = Object.assign(new TcpRepr(), { srcPort: 40000, dstPort: 80, seq: 1000, flags: TcpFlag.Syn, window: 65535, mss: 1440, sackPermitted: true });
  const b = new Uint8Array(r.headerLen);
  r.emit(b, 0, A6, B6, false);
  return b;
}

function raFrame(): Uint8Array {
  const router = ip6('fe80::1');
  const all = ip6('ff02::1');
  const ra = {
    kind: Icmpv6Type.RouterAdvert as const, hopLimit: 64, managed: false, other: false, routerLifetime: 1800, reachableTime: 0, retransTimer: 0,
    options: { sourceLinkAddr: mac('52:54:00:00:00:01'), mtu: 1500, prefixes: [{ prefix: ip6('2001:db8:5::'), prefixLen: 64, onLink: true, autonomous: true, validLifetime: 86400, preferredLifetime: 14400 }] },
  };
  const len = icmpv6BufferLen(ra);
  const f = new Uint8Array(54 + len);
  const e = EthernetFrame.unchecked(f);
  e.dst = 0x3333_0000_0001;
  e.src = mac('52:54:00:00:00:01');
  e.etherType = EtherType.Ipv6;
  new Ipv6Repr(router, all, 58, len, 255).emit(f.subarray(14));
  emitIcmpv6(ra, f.subarray(54), router, all);
  return f;
}

test('ipv6: a datagram or echo too big for a 1500-byte MTU under IPv6\'s longer header is refused, not sent oversized', () => {
  const { sim, frames } = pair();
  const u = sim.a.sockets.add(new UdpSocket());
  assert.equal(u.bind(5000), null);
  const v = sim.b.sockets.add(new UdpSocket());
  assert.equal(v.bind(53), null);
  assert.equal(u.sendTo(new Uint8Array(1453), B6, 53), 'too-large');
  assert.equal(u.sendTo(new Uint8Array(1472), 0x0a00_0002, 53), null, 'IPv4 keeps its 1472');
  assert.equal(u.sendTo(new Uint8Array(1452), B6, 53), null);
  assert.ok(sim.runUntil(() => !v.rx.isEmpty));
  const sent = frames.find((f) => f[12] === 0x86 && f[13] === 0xdd && f[20] === 17)!;
  assert.equal(sent.length, 14 + 1500);
  const s = sim.a.sockets.add(new IcmpSocket());
  s.bind(7);
  const echo = new Uint8Array(1461);
  echo[0] = Icmpv6Type.EchoRequest;
  assert.equal(s.sendTo(echo, B6), 'too-large');
  assert.equal(s.sendTo(echo.subarray(0, 1460), B6), null);
});

test('ipv6: port unreachable errors are rate-limited: a burst of 10, then 10 a second', () => {
  const { sim } = pair();
  checkErrorRateLimit(sim, B6, sim.b.iface.stats.icmpv6);
});
