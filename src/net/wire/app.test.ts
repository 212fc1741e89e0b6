// DHCPv4 and DNS with literal messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DhcpMessageType, DhcpPacket, dhcpBufferLen, emitDhcp, parseDhcp, type DhcpRepr } from './dhcpv4.js';
import { DnsPacket, DnsType, dnsBufferLen, dnsQuery, emitDns, parseDns, type DnsRepr } from './dns.js';
import { formatIpv4, ip, mac } from './address.js';
import { hex, toHex } from './testutil.js';

// DHCPDISCOVER from 52:54:00:12:34:56, xid 0x3903f326, broadcast flag, asking for mask, router, DNS.
const DISCOVER = hex(
  '01010600 3903f326 0000 8000 00000000 00000000 00000000 00000000 525400123456' +
    '00'.repeat(10 + 64 + 128) +
    '63825363 350101 370301 0306 ff',
);

test('dhcp: parse a literal DISCOVER', () => {
  const p = DhcpPacket.checked(DISCOVER);
  assert.ok(p instanceof DhcpPacket);
  const r = parseDhcp(p);
  assert.ok(typeof r === 'object');
  assert.equal(r.op, 1);
  assert.equal(r.messageType, DhcpMessageType.Discover);
  assert.equal(r.xid, 0x3903f326);
  assert.ok(r.broadcast);
  assert.equal(r.clientHardware, mac('52:54:00:12:34:56'));
  assert.deepEqual(r.parameterRequestList, [1, 3, 6]);
});

test('dhcp: emit reproduces the literal DISCOVER and an ACK round-trips', () => {
  const d = parseDhcp(DhcpPacket.checked(DISCOVER) as DhcpPacket) as DhcpRepr;
  const b = new Uint8Array(dhcpBufferLen(d));
  emitDhcp(d, b);
  assert.equal(toHex(b), toHex(DISCOVER));
  const ack: DhcpRepr = {
    op: 2, messageType: DhcpMessageType.Ack, xid: 7, secs: 0, broadcast: false, clientHardware: mac('02:00:00:00:00:01'),
    clientIp: 0, yourIp: ip('10.0.2.15'), serverIp: ip('10.0.2.2'), relayIp: 0, subnetMask: ip('255.255.255.0'),
    routers: [ip('10.0.2.2')], dnsServers: [ip('10.0.2.3'), ip('1.1.1.1')], serverIdentifier: ip('10.0.2.2'), leaseTime: 86400,
  };
  const a = new Uint8Array(dhcpBufferLen(ack));
  emitDhcp(ack, a);
  assert.deepEqual(parseDhcp(DhcpPacket.checked(a) as DhcpPacket), ack);
});

test('dhcp: bad cookie, missing end and bad option lengths are values', () => {
  const cookie = DISCOVER.slice();
  cookie[236] = 0;
  assert.equal(DhcpPacket.checked(cookie), 'malformed');
  assert.equal(parseDhcp(DhcpPacket.checked(DISCOVER.subarray(0, DISCOVER.length - 1)) as DhcpPacket), 'truncated');
  const len = DISCOVER.slice();
  len[241] = 2; // message type of length 2
  assert.notEqual(typeof parseDhcp(DhcpPacket.checked(len) as DhcpPacket), 'object');
});

// Query id 0x1234 for example.com A, and an answer that points back at the question's name.
const QUERY = hex('1234 0100 0001 0000 0000 0000 076578616d706c6503636f6d00 0001 0001');
const ANSWER = hex(
  '1234 8180 0001 0001 0000 0000 076578616d706c6503636f6d00 0001 0001 c00c 0001 0001 00000e10 0004 5db8d822',
);

test('dns: emit a query byte for byte', () => {
  const q = dnsQuery(0x1234, 'example.com');
  const b = new Uint8Array(dnsBufferLen(q));
  emitDns(q, b);
  assert.equal(toHex(b), toHex(QUERY));
});

test('dns: parse a compressed answer', () => {
  const r = parseDns(DnsPacket.checked(ANSWER) as DnsPacket) as DnsRepr;
  assert.ok(typeof r === 'object');
  assert.ok(r.response && r.recursionAvailable && r.recursionDesired);
  assert.equal(r.questions[0]!.name, 'example.com');
  assert.equal(r.answers.length, 1);
  const a = r.answers[0]!;
  assert.equal(a.name, 'example.com');
  assert.equal(a.ttl, 3600);
  assert.ok('address' in a.data && typeof a.data.address === 'number');
  assert.equal(formatIpv4(a.data.address as number), '93.184.216.34');
});

test('dns: pointer loops and short records are values, not hangs', () => {
  const loop = hex('0001 0100 0001 0000 0000 0000 c00c 0001 0001');
  assert.equal(parseDns(DnsPacket.checked(loop) as DnsPacket), 'malformed');
  assert.equal(parseDns(DnsPacket.checked(ANSWER.subarray(0, ANSWER.length - 2)) as DnsPacket), 'truncated');
  assert.equal(DnsPacket.checked(new Uint8Array(5)), 'truncated');
});

test('dns: a CNAME answer round-trips', () => {
  const r: DnsRepr = { ...dnsQuery(9, 'www.example.com'), response: true, answers: [
    { name: 'www.example.com', class: 1, ttl: 60, data: { type: DnsType.CNAME, name: 'example.com' } },
    { name: 'example.com', class: 1, ttl: 60, data: { type: DnsType.A, address: ip('10.1.2.3') } },
  ] };
  const b = new Uint8Array(dnsBufferLen(r));
  emitDns(r, b);
  assert.deepEqual(parseDns(DnsPacket.checked(b) as DnsPacket), r);
});
