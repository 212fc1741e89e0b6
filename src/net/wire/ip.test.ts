// IPv4, ICMPv4 and UDP with literal packets (checksums computed independently).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ipv4Packet, Ipv4Repr, IpProtocol } from './ipv4.js';
import { Icmpv4Packet, Icmpv4Type, emitIcmpv4, icmpv4BufferLen, parseIcmpv4, type Icmpv4Repr } from './icmpv4.js';
import { UdpPacket, UdpRepr } from './udp.js';
import { Ipv4Cidr, formatIpv4, ip } from './address.js';
import { hex, toHex } from './testutil.js';

// RFC 1071-style example header widely used to teach the checksum: 192.168.0.1 -> .199, UDP.
const IP_HEADER = hex('450000730000400040 11 b861 c0a80001 c0a800c7');

test('ipv4: parse a literal header and verify its checksum', () => {
  const buf = new Uint8Array(0x73);
  buf.set(IP_HEADER);
  const p = Ipv4Packet.checked(buf);
  assert.ok(p instanceof Ipv4Packet);
  assert.ok(p.verifyChecksum());
  const r = Ipv4Repr.parse(p);
  assert.ok(r instanceof Ipv4Repr);
  assert.equal(formatIpv4(r.src), '192.168.0.1');
  assert.equal(formatIpv4(r.dst), '192.168.0.199');
  assert.equal(r.protocol, IpProtocol.Udp);
  assert.equal(r.payloadLen, 0x73 - 20);
  assert.equal(r.ttl, 64);
  assert.ok(r.dontFragment);
  assert.ok(!r.isFragment);
});

test('ipv4: emit reproduces the literal header', () => {
  const r = new Ipv4Repr(ip('192.168.0.1'), ip('192.168.0.199'), IpProtocol.Udp, 0x73 - 20, 64, 0, true);
  const b = new Uint8Array(20);
  r.emit(b);
  assert.equal(toHex(b), toHex(IP_HEADER));
});

test('ipv4: errors are values', () => {
  const bad = IP_HEADER.slice();
  bad[11] ^= 1;
  const buf = new Uint8Array(0x73);
  buf.set(bad);
  const p = Ipv4Packet.checked(buf);
  assert.ok(p instanceof Ipv4Packet);
  assert.equal(Ipv4Repr.parse(p), 'checksum');
  assert.equal(Ipv4Packet.checked(IP_HEADER), 'truncated'); // total length 0x73 > 20 bytes
  const v6 = IP_HEADER.slice();
  v6[0] = 0x65;
  assert.equal(Ipv4Packet.checked(v6), 'malformed');
  const ihl = IP_HEADER.slice();
  ihl[0] = 0x44;
  assert.equal(Ipv4Packet.checked(ihl), 'malformed');
});

test('ipv4: fragment fields', () => {
  const b = new Uint8Array(40);
  new Ipv4Repr(ip('10.0.0.1'), ip('10.0.0.2'), IpProtocol.Udp, 20, 64, 7, false, true, 1480).emit(b);
  const p = Ipv4Packet.checked(b) as Ipv4Packet;
  assert.equal(p.fragmentOffset, 1480);
  assert.ok(p.moreFragments);
  assert.equal(p.ident, 7);
});

test('cidr: parse, contains, broadcast', () => {
  const c = Ipv4Cidr.parse('10.0.2.15/24')!;
  assert.equal(c.toString(), '10.0.2.15/24');
  assert.ok(c.contains(ip('10.0.2.200')));
  assert.ok(!c.contains(ip('10.0.3.1')));
  assert.equal(formatIpv4(c.broadcast), '10.0.2.255');
  assert.equal(Ipv4Cidr.parse('10.0.0.1/33'), null);
});

// Echo request, ident 0x1234, seq 1, data "abcd".
const ECHO = hex('08002104123400016162 6364');

test('icmpv4: parse and emit an echo request', () => {
  const p = Icmpv4Packet.checked(ECHO);
  assert.ok(p instanceof Icmpv4Packet);
  const r = parseIcmpv4(p);
  assert.ok(typeof r === 'object');
  assert.equal(r.kind, Icmpv4Type.EchoRequest);
  if (r.kind !== Icmpv4Type.EchoRequest) return;
  assert.equal(r.ident, 0x1234);
  assert.equal(r.seq, 1);
  assert.equal(Buffer.from(r.data).toString(), 'abcd');
  const out = new Uint8Array(icmpv4BufferLen(r));
  emitIcmpv4(r, out);
  assert.equal(toHex(out), toHex(ECHO));
});

test('icmpv4: destination unreachable and time exceeded carry the quote', () => {
  const quote = new Uint8Array(28);
  quote.set(IP_HEADER);
  for (const r of [
    { kind: Icmpv4Type.DstUnreachable, code: 3, mtu: 0, data: quote },
    { kind: Icmpv4Type.TimeExceeded, code: 0, data: quote },
  ] as Icmpv4Repr[]) {
    const b = new Uint8Array(icmpv4BufferLen(r));
    emitIcmpv4(r, b);
    const back = parseIcmpv4(Icmpv4Packet.checked(b) as Icmpv4Packet);
    assert.deepEqual(back, r);
  }
  const bad = ECHO.slice();
  bad[5] ^= 1;
  assert.equal(parseIcmpv4(Icmpv4Packet.checked(bad) as Icmpv4Packet), 'checksum');
  const unknown = hex('0d00f2ff00000000'); // timestamp request: valid, not handled
  assert.equal(parseIcmpv4(Icmpv4Packet.checked(unknown) as Icmpv4Packet), 'unsupported');
});

// 10.0.0.1:5353 -> 10.0.0.2:53, "hello".
const UDP = hex('14e90035000d92e168656c6c6f');

test('udp: parse, verify and emit a literal datagram', () => {
  const p = UdpPacket.checked(UDP);
  assert.ok(p instanceof UdpPacket);
  const r = UdpRepr.parse(p, ip('10.0.0.1'), ip('10.0.0.2'));
  assert.ok(r instanceof UdpRepr);
  assert.equal(r.srcPort, 5353);
  assert.equal(r.dstPort, 53);
  assert.equal(Buffer.from(p.payload).toString(), 'hello');
  assert.equal(UdpRepr.parse(p, ip('10.0.0.1'), ip('10.0.0.3')), 'checksum');
  const out = new Uint8Array(13);
  out.set(p.payload, 8);
  r.emit(out, 5, ip('10.0.0.1'), ip('10.0.0.2'));
  assert.equal(toHex(out), toHex(UDP));
  assert.equal(UdpPacket.checked(UDP.subarray(0, 12)), 'truncated');
  const short = UDP.slice();
  short[5] = 4;
  assert.equal(UdpPacket.checked(short), 'malformed');
});
