// IPv6 on the interface: neighbour solicitations for our link-local address are answered,
// the solicitor is learned, pings are answered, and what is not for us is counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Interface } from './interface.js';
import { linkPair } from './device.js';
import { SocketSet } from '../socket/set.js';
import { Ipv4Cidr, mac } from '../wire/address.js';
import { EthernetFrame, EtherType } from '../wire/ethernet.js';
import { Ipv6Packet, Ipv6Repr, formatIpv6, ip6, ipv6Value, linkLocalFromMac, solicitedNode, type Ipv6Address } from '../wire/ipv6.js';
import { Icmpv6Packet, Icmpv6Type, emitIcmpv6, icmpv6BufferLen, parseIcmpv6, type Icmpv6Repr } from '../wire/icmpv6.js';

const PEER_MAC = mac('52:54:00:12:34:56');
const PEER = ip6('fe80::5054:ff:fe12:3456');

function frame(dstMac: number, src: Ipv6Address, dst: Ipv6Address, m: Icmpv6Repr, hopLimit = 255): Uint8Array {
  const len = icmpv6BufferLen(m);
  const f = new Uint8Array(14 + 40 + len);
  const e = EthernetFrame.unchecked(f);
  e.dst = dstMac;
  e.src = PEER_MAC;
  e.etherType = EtherType.Ipv6;
  new Ipv6Repr(src, dst, 58, len, hopLimit).emit(f.subarray(14));
  emitIcmpv6(m, f.subarray(54), src, dst);
  return f;
}

function setup() {
  const [peer, dev] = linkPair();
  const ours = mac('02:00:00:00:00:02');
  const iface = new Interface({ hardwareAddr: ours, addresses: [Ipv4Cidr.parse('10.0.0.2/24')!] });
  const sockets = new SocketSet();
  const exchange = (f: Uint8Array) => {
    peer.transmit(0, f);
    iface.poll(0, dev, sockets);
    const r = peer.receive();
    if (!r) return null;
    const p = Ipv6Packet.checked(r.subarray(14)) as Ipv6Packet;
    return { eth: EthernetFrame.checked(r) as EthernetFrame, ip: p, msg: parseIcmpv6(Icmpv6Packet.checked(p.payload) as Icmpv6Packet, p.src, p.dst) };
  };
  return { iface, ours, exchange, ll: linkLocalFromMac(ours) };
}

test('ipv6: a neighbour solicitation for our link-local address gets an advertisement', () => {
  const { iface, ours, exchange, ll } = setup();
  assert.equal(formatIpv6(ll), 'fe80::ff:fe00:2');
  const r = exchange(frame(0x3333_ff00_0002, PEER, solicitedNode(ll), {
    kind: Icmpv6Type.NeighborSolicit, target: ll, options: { sourceLinkAddr: PEER_MAC },
  }));
  assert.ok(r);
  assert.equal(r.eth.dst, PEER_MAC);
  assert.equal(r.eth.src, ours);
  assert.equal(r.ip.hopLimit, 255);
  assert.equal(formatIpv6(r.ip.dst), formatIpv6(PEER));
  const m = r.msg;
  assert.ok(typeof m === 'object' && m.kind === Icmpv6Type.NeighborAdvert);
  if (m.kind !== Icmpv6Type.NeighborAdvert) return;
  assert.ok(m.solicited && m.override && !m.router);
  assert.equal(formatIpv6(m.target), formatIpv6(ll));
  assert.equal(m.options.targetLinkAddr, ours);
  assert.equal(iface.ipv6.neighbor(ipv6Value(PEER), 0), PEER_MAC);
});

test('ipv6: echo requests to us are answered; malformed ND and strangers are counted', () => {
  const { iface, exchange, ll } = setup();
  const r = exchange(frame(mac('02:00:00:00:00:02'), PEER, ll, { kind: Icmpv6Type.EchoRequest, ident: 7, seq: 3, data: new Uint8Array([1, 2, 3]) }, 64));
  assert.ok(r && typeof r.msg === 'object' && r.msg.kind === Icmpv6Type.EchoReply);
  if (r.msg.kind !== Icmpv6Type.EchoReply) return;
  assert.deepEqual([r.msg.ident, r.msg.seq, [...r.msg.data]], [7, 3, [1, 2, 3]]);
  // A solicitation that crossed a router (hop limit below 255) is invalid.
  assert.equal(exchange(frame(0x3333_ff00_0002, PEER, solicitedNode(ll), { kind: Icmpv6Type.NeighborSolicit, target: ll, options: {} }, 64)), null);
  assert.equal(iface.stats.icmpv6.dropped('hop-limit'), 1);
  // Someone else's address.
  assert.equal(exchange(frame(0x3333_0000_0001, PEER, ip6('ff02::1'), { kind: Icmpv6Type.NeighborSolicit, target: ip6('fe80::99'), options: {} })), null);
  assert.equal(iface.stats.icmpv6.dropped('not-our-target'), 1);
  assert.equal(exchange(frame(mac('02:00:00:00:00:02'), PEER, ip6('2001:db8::1'), { kind: Icmpv6Type.EchoRequest, ident: 1, seq: 1, data: new Uint8Array(0) })), null);
  assert.equal(iface.stats.ipv6.dropped('not-for-us'), 1);
});

test('fuzz: mutated IPv6 frames never make the interface throw', () => {
  const { iface, ll } = setup();
  const [peer, dev] = linkPair(4096);
  const seeds = [
    frame(0x3333_ff00_0002, PEER, solicitedNode(ll), { kind: Icmpv6Type.NeighborSolicit, target: ll, options: { sourceLinkAddr: PEER_MAC } }),
    frame(mac('02:00:00:00:00:02'), PEER, ll, { kind: Icmpv6Type.EchoRequest, ident: 7, seq: 3, data: new Uint8Array(40) }, 64),
  ];
  let x = 12345;
  const rnd = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const sockets = new SocketSet();
  for (let i = 0; i < 5000; i++) {
    const f = seeds[i % 2]!.slice();
    for (let k = 1 + rnd(3); k > 0; k--) f[14 + rnd(f.length - 14)] = rnd(256);
    peer.transmit(i, rnd(5) ? f : f.subarray(0, rnd(f.length)));
    iface.poll(i, dev, sockets);
    while (peer.receive()) {}
  }
  assert.ok(iface.stats.ipv6.rx > 0);
  assert.ok(iface.stats.icmpv6.dropped('checksum') > 0);
});
