// IPv6 and ICMPv6/NDP with literal packets (checksums computed independently), address text
// forms, and fuzzing of both parsers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ipv6Cidr, Ipv6Packet, Ipv6Repr, formatIpv6, ip6, ipv6, ipv6Bytes, ipv6Value, linkLocalFromMac, solicitedNode } from './ipv6.js';
import { formatEndpoint, formatIp, parseIp } from './address.js';
import { Icmpv6Packet, Icmpv6Type, emitIcmpv6, icmpv6BufferLen, parseIcmpv6, type Icmpv6Repr } from './icmpv6.js';
import { hex, toHex, Prng } from './testutil.js';

// fe80::5054:ff:fe12:3456 asks ff02::1:ff00:2 who has fe80::2, giving its MAC 52:54:00:12:34:56.
const NS = hex(
  '6000000000203aff fe80000000000000505400fffe123456 ff0200000000000000000001ff000002' +
    '8700722000000000 fe800000000000000000000000000002 0101525400123456',
);
const ECHO = hex('80004d481234000161626364');
const RA = hex(
  '8600db84400007080000000000000000 0101525400000001 05010000000005dc' +
    '030440c000015180000038400000000020010db8000000000000000000000000',
);

test('ipv6: addresses in text', () => {
  assert.equal(formatIpv6(ip6('2001:0db8:0000:0000:0000:0000:0000:0001')), '2001:db8::1');
  assert.equal(formatIpv6(ip6('fe80::5054:ff:fe12:3456')), 'fe80::5054:ff:fe12:3456');
  assert.equal(formatIpv6(ip6('::')), '::');
  assert.equal(formatIpv6(ip6('1:0:0:2:0:0:0:3')), '1:0:0:2::3');
  assert.equal(ipv6('1::2::3'), null);
  assert.equal(ipv6('1:2:3'), null);
  assert.equal(formatIpv6(linkLocalFromMac(0x5254_0012_3456)), 'fe80::5054:ff:fe12:3456');
  assert.equal(formatIpv6(solicitedNode(ip6('fe80::2'))), 'ff02::1:ff00:2');
});

test('ipv6 + ndp: parse a literal neighbour solicitation and emit it back', () => {
  const p = Ipv6Packet.checked(NS);
  assert.ok(p instanceof Ipv6Packet);
  const r = Ipv6Repr.parse(p);
  assert.equal(formatIpv6(r.src), 'fe80::5054:ff:fe12:3456');
  assert.equal(formatIpv6(r.dst), 'ff02::1:ff00:2');
  assert.equal(r.hopLimit, 255);
  assert.equal(r.nextHeader, 58);
  const m = parseIcmpv6(Icmpv6Packet.checked(p.payload) as Icmpv6Packet, r.src, r.dst);
  assert.ok(typeof m === 'object' && m.kind === Icmpv6Type.NeighborSolicit);
  if (m.kind !== Icmpv6Type.NeighborSolicit) return;
  assert.equal(formatIpv6(m.target), 'fe80::2');
  assert.equal(m.options.sourceLinkAddr, 0x5254_0012_3456);
  const out = new Uint8Array(40 + icmpv6BufferLen(m));
  new Ipv6Repr(r.src, r.dst, 58, icmpv6BufferLen(m), 255).emit(out);
  emitIcmpv6(m, out.subarray(40), r.src, r.dst);
  assert.equal(toHex(out), toHex(NS));
});

test('icmpv6: echo and router advertisement with prefix and MTU', () => {
  const s = ip6('2001:db8::1');
  const d = ip6('2001:db8::2');
  const e = parseIcmpv6(Icmpv6Packet.checked(ECHO) as Icmpv6Packet, s, d);
  assert.ok(typeof e === 'object' && e.kind === Icmpv6Type.EchoRequest);
  assert.equal(parseIcmpv6(Icmpv6Packet.checked(ECHO) as Icmpv6Packet, s, ip6('2001:db8::3')), 'checksum');
  const out = new Uint8Array(icmpv6BufferLen(e));
  emitIcmpv6(e, out, s, d);
  assert.equal(toHex(out), toHex(ECHO));
  const ra = parseIcmpv6(Icmpv6Packet.checked(RA) as Icmpv6Packet, ip6('fe80::1'), ip6('ff02::1'));
  assert.ok(typeof ra === 'object' && ra.kind === Icmpv6Type.RouterAdvert);
  if (ra.kind !== Icmpv6Type.RouterAdvert) return;
  assert.equal(ra.hopLimit, 64);
  assert.equal(ra.routerLifetime, 1800);
  assert.equal(ra.options.mtu, 1500);
  assert.equal(ra.options.sourceLinkAddr, 0x5254_0000_0001);
  const pfx = ra.options.prefixes![0]!;
  assert.equal(formatIpv6(pfx.prefix), '2001:db8::');
  assert.deepEqual([pfx.prefixLen, pfx.onLink, pfx.autonomous, pfx.validLifetime, pfx.preferredLifetime], [64, true, true, 86400, 14400]);
  const back = new Uint8Array(icmpv6BufferLen(ra));
  emitIcmpv6(ra, back, ip6('fe80::1'), ip6('ff02::1'));
  assert.deepEqual(parseIcmpv6(Icmpv6Packet.checked(back) as Icmpv6Packet, ip6('fe80::1'), ip6('ff02::1')), ra as Icmpv6Repr);
});

test('ipv6: errors are values', () => {
  assert.equal(Ipv6Packet.checked(NS.subarray(0, 39)), 'truncated');
  assert.equal(Ipv6Packet.checked(NS.subarray(0, 60)), 'truncated');
  const v4 = NS.slice();
  v4[0] = 0x45;
  assert.equal(Ipv6Packet.checked(v4), 'malformed');
  const zeroLen = NS.slice(40);
  zeroLen[25] = 0; // option length 0
  assert.equal(parseIcmpv6(Icmpv6Packet.checked(zeroLen) as Icmpv6Packet, NS.subarray(8, 24), NS.subarray(24, 40), false), 'malformed');
});

test('fuzz: ipv6 + icmpv6', () => {
  const rng = new Prng(66);
  const iters = Number(process.env.MH_FUZZ_ITERS ?? 20_000);
  for (let i = 0; i < iters; i++) {
    let b: Uint8Array;
    if (i % 2) b = rng.bytes(rng.below(200));
    else {
      b = NS.slice(0, rng.below(4) ? NS.length : rng.below(NS.length));
      for (let k = 1 + rng.below(4); k > 0 && b.length; k--) b[rng.below(b.length)] = rng.next() & 0xff;
    }
    const p = Ipv6Packet.checked(b);
    if (typeof p === 'string') continue;
    const m = Icmpv6Packet.checked(p.payload);
    if (typeof m === 'string') continue;
    parseIcmpv6(m, p.src, p.dst, i % 3 === 0);
  }
});

test('ipv6: addresses as values, prefixes, and either family as text', () => {
  const v = ipv6Value(ip6('2001:db8::a:b'));
  assert.equal(v, 0x2001_0db8_0000_0000_0000_0000_000a_000bn);
  assert.equal(toHex(ipv6Bytes(v)), '20010db80000000000000000000a000b');
  assert.equal(ipv6Value(ipv6Bytes(0xffff_ffff_ffff_ffff_ffff_ffff_ffff_ffffn)), (1n << 128n) - 1n);
  const c = Ipv6Cidr.parse('2001:db8::15/64')!;
  assert.equal(c.toString(), '2001:db8::15/64');
  assert.ok(c.contains(ipv6Value(ip6('2001:db8::ffff:1'))));
  assert.ok(!c.contains(ipv6Value(ip6('2001:db8:1::1'))));
  assert.equal(Ipv6Cidr.parse('::/0')!.contains(1n), true);
  for (const bad of ['2001:db8::/129', '2001:db8::/x', 'fe80::1/64/1', '1.2.3.4/8']) assert.equal(Ipv6Cidr.parse(bad), null, bad);
  assert.equal(parseIp('::1'), 1n);
  assert.equal(parseIp('10.0.2.15'), 0x0a00_020f);
  assert.equal(parseIp('fe80::1::2'), null);
  assert.equal(parseIp('300.1.1.1'), null);
  assert.equal(formatIp(1n), '::1');
  assert.equal(formatEndpoint(ipv6Value(ip6('fe80::1')), 80), '[fe80::1]:80');
  assert.equal(formatEndpoint(0x7f00_0001, 80), '127.0.0.1:80');
});
