// Ethernet II and ARP with literal frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EthernetFrame, EthernetRepr, EtherType } from './ethernet.js';
import { ArpOperation, ArpPacket, ArpRepr } from './arp.js';
import { ip, mac, formatMac } from './address.js';
import { hex, toHex } from './testutil.js';

// A broadcast ARP request: who has 10.0.0.2? tell 10.0.0.1 (52:54:00:12:34:56).
const ARP_REQUEST = hex(`
  ffffffffffff 525400123456 0806
  0001 0800 06 04 0001 525400123456 0a000001 000000000000 0a000002`);

test('ethernet: parse a literal frame', () => {
  const f = EthernetFrame.checked(ARP_REQUEST);
  assert.ok(f instanceof EthernetFrame);
  const r = EthernetRepr.parse(f);
  assert.equal(r.dst, 0xffff_ffff_ffff);
  assert.equal(formatMac(r.src), '52:54:00:12:34:56');
  assert.equal(r.etherType, EtherType.Arp);
  assert.equal(f.payload.length, 28);
});

test('ethernet: emit round-trips and short frames are truncated', () => {
  const b = new Uint8Array(14);
  new EthernetRepr(mac('52:54:00:12:34:56'), 0xffff_ffff_ffff, EtherType.Arp).emit(EthernetFrame.unchecked(b));
  assert.equal(toHex(b), toHex(ARP_REQUEST.subarray(0, 14)));
  assert.equal(EthernetFrame.checked(new Uint8Array(13)), 'truncated');
});

test('arp: parse and emit a literal request', () => {
  const p = ArpPacket.checked(ARP_REQUEST.subarray(14));
  assert.ok(p instanceof ArpPacket);
  const r = ArpRepr.parse(p);
  assert.ok(r instanceof ArpRepr);
  assert.equal(r.operation, ArpOperation.Request);
  assert.equal(r.senderProtocol, ip('10.0.0.1'));
  assert.equal(r.targetProtocol, ip('10.0.0.2'));
  assert.equal(r.senderHardware, mac('52:54:00:12:34:56'));
  const out = new Uint8Array(28);
  r.emit(out);
  assert.equal(toHex(out), toHex(ARP_REQUEST.subarray(14)));
});

test('arp: other hardware, bad lengths and unknown operations are refused', () => {
  const b = ARP_REQUEST.slice(14);
  b[1] = 6; // IEEE 802 hardware type
  assert.equal(ArpPacket.checked(b), 'unsupported');
  assert.equal(ArpPacket.checked(ARP_REQUEST.subarray(14, 14 + 20)), 'truncated');
  const c = ARP_REQUEST.slice(14);
  c[7] = 9;
  const p = ArpPacket.checked(c);
  assert.ok(p instanceof ArpPacket);
  assert.equal(ArpRepr.parse(p), 'unsupported');
});
