// TCP segments with literal bytes: a SYN carrying every option we negotiate, and a data
// segment with timestamps and a SACK block (checksums computed independently).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpFlag, TcpPacket, TcpRepr } from './tcp.js';
import { ip } from './address.js';
import { hex, toHex } from './testutil.js';

const A = ip('10.0.0.1');
const B = ip('10.0.0.2');

// 40000 -> 80, SYN, seq 0x11223344, window 64240; MSS 1460, SACK-permitted, TS 0x01020304/0, NOP, WS 7.
const SYN = hex('9c4000501122334400000000a002faf054100000 020405b4 0402 080a0102030400000000 01 030307');
// 80 -> 40000 (from B to A), ACK|PSH, seq 1000, ack 2000, window 512; NOP NOP TS 5/6, NOP NOP SACK 0x1000-0x2000, "data".
const DATA = hex('00509c40000003e8000007d0b01802007981 0000 0101080a0000000500000006 0101050a0000100000002000 64617461');

test('tcp: parse a SYN with MSS, SACK-permitted, timestamps and window scale', () => {
  const p = TcpPacket.checked(SYN);
  assert.ok(p instanceof TcpPacket);
  const r = TcpRepr.parse(p, A, B);
  assert.ok(r instanceof TcpRepr);
  assert.equal(r.srcPort, 40000);
  assert.equal(r.dstPort, 80);
  assert.equal(r.seq, 0x11223344);
  assert.equal(r.flags, TcpFlag.Syn);
  assert.equal(r.window, 64240);
  assert.equal(r.mss, 1460);
  assert.equal(r.windowScale, 7);
  assert.ok(r.sackPermitted);
  assert.ok(r.hasTimestamp);
  assert.equal(r.tsVal, 0x01020304);
  assert.equal(r.tsEcr, 0);
  assert.equal(r.segmentLen, 1);
});

test('tcp: parse a data segment with SACK and timestamps, and emit it back', () => {
  const p = TcpPacket.checked(DATA) as TcpPacket;
  const r = TcpRepr.parse(p, B, A);
  assert.ok(r instanceof TcpRepr);
  assert.ok(r.has(TcpFlag.Ack) && r.has(TcpFlag.Psh));
  assert.equal(r.seq, 1000);
  assert.equal(r.ack, 2000);
  assert.equal(r.sackCount, 1);
  assert.deepEqual([r.sack[0], r.sack[1]], [0x1000, 0x2000]);
  assert.deepEqual([r.tsVal, r.tsEcr], [5, 6]);
  assert.equal(Buffer.from(r.payload).toString(), 'data');
  const out = new Uint8Array(DATA.length);
  out.set(r.payload, r.headerLen);
  r.emit(out, r.payload.length, B, A);
  assert.equal(toHex(out), toHex(DATA));
});

test('tcp: a SYN emitted by us parses back to the same options', () => {
  const r = new TcpRepr();
  Object.assign(r, { srcPort: 1234, dstPort: 80, seq: 0xfffffff0, flags: TcpFlag.Syn, window: 65535, mss: 1460, windowScale: 7, sackPermitted: true, hasTimestamp: true, tsVal: 9, tsEcr: 0 });
  const b = new Uint8Array(r.headerLen);
  r.emit(b, 0, A, B);
  const back = TcpRepr.parse(TcpPacket.checked(b) as TcpPacket, A, B) as TcpRepr;
  for (const k of ['srcPort', 'dstPort', 'seq', 'flags', 'window', 'mss', 'windowScale', 'sackPermitted', 'hasTimestamp', 'tsVal'] as const) {
    assert.equal(back[k], r[k], k);
  }
});

test('tcp: bad checksum, bad data offset and bad options are values', () => {
  assert.equal(TcpRepr.parse(TcpPacket.checked(SYN) as TcpPacket, A, ip('10.0.0.3')), 'checksum');
  const off = SYN.slice();
  off[12] = 0x40; // 16-byte header
  assert.equal(TcpPacket.checked(off), 'malformed');
  assert.equal(TcpPacket.checked(SYN.subarray(0, 30)), 'truncated');
  const opt = SYN.slice();
  opt[21] = 5; // MSS option of length 5
  assert.equal(TcpRepr.parse(TcpPacket.checked(opt) as TcpPacket, A, B, false), 'malformed');
  const sack = SYN.slice();
  sack.set([5, 3], 24); // SACK option with no whole block
  assert.equal(TcpRepr.parse(TcpPacket.checked(sack) as TcpPacket, A, B, false), 'malformed');
});
