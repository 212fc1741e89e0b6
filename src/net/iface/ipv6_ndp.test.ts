// What neighbour discovery takes from the link, bounded: SLAAC addresses and learned routers
// have a ceiling and a lifetime (RFC 4862 5.5.3, 5.5.4), an advertisement about a stranger
// is not learned (RFC 4861 7.2.5), and SLAAC keeps the MAC's interface identifier whatever
// addresses the interface has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkPair } from './device.js';
import { Interface } from './interface.js';
import { SocketSet } from '../socket/set.js';
import { Ipv6Repr, ipv6Bytes, ipv6Value, ip6, linkLocalFromMac, type Ipv6Address } from '../wire/ipv6.js';
import { Icmpv6Type, emitIcmpv6, icmpv6BufferLen, type Icmpv6Repr } from '../wire/icmpv6.js';
import { EthernetFrame, EtherType } from '../wire/ethernet.js';
import { mac, parseIp } from '../wire/address.js';

const OUR_MAC = mac('02:00:00:00:00:02');
const PEER_MAC = mac('52:54:00:00:00:01');
const HOUR = 3600_000;

function setup() {
  const [peer, dev] = linkPair(4096);
  const iface = new Interface({ hardwareAddr: OUR_MAC, addresses: [] });
  iface.ipv6.autoconf = true;
  const sockets = new SocketSet();
  /** Hands the interface one frame at `now` and throws away what it sends. */
  const feed = (now: number, frame: Uint8Array) => {
    peer.transmit(now, frame);
    iface.poll(now, dev, sockets);
    while (peer.receive()) {}
  };
  return { iface, v6: iface.ipv6, feed, poll: (now: number) => iface.poll(now, dev, sockets) };
}

/** An ICMPv6 frame from `src` to `dst` with hop limit 255. */
function ndFrame(src: Ipv6Address, dst: Ipv6Address, m: Icmpv6Repr, srcMac = PEER_MAC): Uint8Array {
  const len = icmpv6BufferLen(m);
  const f = new Uint8Array(54 + len);
  const e = EthernetFrame.unchecked(f);
  e.dst = dst[0] === 0xff ? 0x3333_0000_0000 + (((dst[12]! << 24) | (dst[13]! << 16) | (dst[14]! << 8) | dst[15]!) >>> 0) : OUR_MAC;
  e.src = srcMac;
  e.etherType = EtherType.Ipv6;
  new Ipv6Repr(src, dst, 58, len, 255).emit(f.subarray(14));
  emitIcmpv6(m, f.subarray(54), src, dst);
  return f;
}

function ra(router: string, prefixes: { prefix: string; valid: number }[], routerLifetime = 1800): Uint8Array {
  return ndFrame(ip6(router), ip6('ff02::1'), {
    kind: Icmpv6Type.RouterAdvert, hopLimit: 64, managed: false, other: false, routerLifetime, reachableTime: 0, retransTimer: 0,
    options: {
      sourceLinkAddr: PEER_MAC,
      prefixes: prefixes.map((p) => ({ prefix: ip6(p.prefix), prefixLen: 64, onLink: true, autonomous: true, validLifetime: p.valid, preferredLifetime: Math.min(p.valid, 600) })),
    },
  });
}

const slaacFor = (prefix: string) => (parseIp(prefix) as bigint) | 0x0000_00ff_fe00_0002n;

test('ipv6 ndp: router advertisements cannot add addresses or routers without bound', () => {
  const { v6, feed } = setup();
  // Many advertisements, each from another router, each with 16 fresh prefixes.
  for (let r = 0; r < 40; r++) {
    const prefixes = Array.from({ length: 16 }, (_, i) => ({ prefix: `2001:db8:${r.toString(16)}:${i.toString(16)}::`, valid: 86400 }));
    feed(r, ra(`fe80::${(r + 1).toString(16)}`, prefixes));
  }
  // The link-local address and at most 16 from SLAAC.
  assert.equal(v6.addresses.length, 1 + 16);
  assert.ok(v6.routers.size <= 8, `routers: ${v6.routers.size}`);
  assert.ok(v6.icmpv6.dropped('slaac-full') > 0);
  // A router whose lifetime ended makes room for another.
  feed(100, ra('fe80::1', [], 0));
  feed(101, ra('fe80::99', []));
  assert.ok(v6.routers.has(ipv6Value(ip6('fe80::99'))));
});

test('ipv6 ndp: a SLAAC address ends with its valid lifetime; a short lifetime later cuts it to two hours, not less', () => {
  const { v6, feed, poll } = setup();
  const a = slaacFor('2001:db8:1::');
  const b = slaacFor('2001:db8:2::');
  feed(0, ra('fe80::1', [{ prefix: '2001:db8:1::', valid: 60 }, { prefix: '2001:db8:2::', valid: 86400 }]));
  assert.ok(v6.hasAddress(a) && v6.hasAddress(b));
  poll(59_000);
  assert.ok(v6.hasAddress(a));
  poll(60_000);
  assert.ok(!v6.hasAddress(a), 'the address went when its lifetime ended');
  // A forged advertisement with lifetime 0 (or 10 s) does not end b at once: two hours are left.
  feed(61_000, ra('fe80::1', [{ prefix: '2001:db8:2::', valid: 0 }]));
  poll(61_000 + 2 * HOUR - 1);
  assert.ok(v6.hasAddress(b));
  poll(61_000 + 2 * HOUR);
  assert.ok(!v6.hasAddress(b));
  // The prefix advertised again comes back; an address ended that way does not linger in the table.
  feed(3 * HOUR, ra('fe80::1', [{ prefix: '2001:db8:2::', valid: 0xffff_ffff }]));
  assert.ok(v6.hasAddress(b));
  poll(1e12);
  assert.ok(v6.hasAddress(b), 'an infinite lifetime never ends');
});

test('ipv6 ndp: SLAAC uses the MAC\'s interface identifier even with the link-local address gone', () => {
  const { v6, feed } = setup();
  const ll = ipv6Value(linkLocalFromMac(OUR_MAC));
  assert.ok(v6.removeAddress(ll));
  feed(0, ra('fe80::1', [{ prefix: '2001:db8:7::', valid: 86400 }]));
  assert.deepEqual(v6.addresses.map((c) => c.address), [slaacFor('2001:db8:7::')]);
});

test('ipv6 ndp: an advertisement about a stranger is not learned; one about a neighbour needs override to change its MAC', () => {
  const { v6, feed } = setup();
  const stranger = ip6('fe80::66');
  const na = (target: Ipv6Address, linkAddr: number, override: boolean): Icmpv6Repr => ({
    kind: Icmpv6Type.NeighborAdvert, router: false, solicited: false, override, target, options: { targetLinkAddr: linkAddr },
  });
  const ours = ipv6Bytes(ipv6Value(linkLocalFromMac(OUR_MAC)));
  // Unsolicited advertisements for 100 made-up targets: none enters the table.
  for (let i = 0; i < 100; i++) feed(i, ndFrame(ip6(`fe80::1:${i.toString(16)}`), ours, na(ip6(`fe80::1:${i.toString(16)}`), 0x5254_0000_1000 + i, true)));
  assert.equal(v6.neighbor(ipv6Value(ip6('fe80::1:5')), 200), null);
  assert.ok(v6.icmpv6.dropped('unsolicited-advert') >= 100);
  // A neighbour we know of (from its solicitation) is updated only with the override flag.
  feed(300, ndFrame(stranger, ip6('ff02::1:ff00:2'), {
    kind: Icmpv6Type.NeighborSolicit, target: ours, options: { sourceLinkAddr: PEER_MAC },
  }));
  assert.equal(v6.neighbor(ipv6Value(stranger), 301), PEER_MAC);
  feed(302, ndFrame(stranger, ours, na(stranger, 0x5254_0000_9999, false)));
  assert.equal(v6.neighbor(ipv6Value(stranger), 303), PEER_MAC);
  feed(304, ndFrame(stranger, ours, na(stranger, 0x5254_0000_9999, true)));
  assert.equal(v6.neighbor(ipv6Value(stranger), 305), 0x5254_0000_9999);
  // A "solicited" advertisement to all nodes is malformed.
  feed(306, ndFrame(stranger, ip6('ff02::1'), { ...na(stranger, PEER_MAC, true), solicited: true } as Icmpv6Repr));
  assert.equal(v6.icmpv6.dropped('solicited-to-group'), 1);
  assert.equal(v6.neighbor(ipv6Value(stranger), 307), 0x5254_0000_9999);
});

test('ipv6 ndp: a probe from the unspecified address is answered only when well formed (RFC 4861 7.1.1)', () => {
  const { v6, feed } = setup();
  const ours = linkLocalFromMac(OUR_MAC);
  const probe = (dst: Ipv6Address, withLinkAddr: boolean): Uint8Array => ndFrame(new Uint8Array(16), dst, {
    kind: Icmpv6Type.NeighborSolicit, target: ours, options: withLinkAddr ? { sourceLinkAddr: PEER_MAC } : {},
  });
  feed(0, probe(ip6('ff02::1:ff00:2'), false));
  assert.equal(v6.icmpv6.count('neighbor-advert-sent'), 1);
  feed(1, probe(ip6('ff02::1:ff00:2'), true));
  feed(2, probe(ours, false));
  assert.equal(v6.icmpv6.count('neighbor-advert-sent'), 1);
  assert.equal(v6.icmpv6.dropped('malformed-probe'), 2);
});
