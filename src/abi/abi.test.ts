// The binary layouts of the ABI, checked byte by byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHANNEL_BYTES, ChannelView, Ctl, DATA_OFFSET } from './channel.js';
import { parseDirents, putDirent, DT } from './dirent.js';
import { parseReplies, parseRequests, putReply, putRequest, REPLY_HEADER, REQ_HEADER } from './scheme.js';
import { decodeSpawn, encodeSpawn } from './spawn.js';
import { readStat, STAT_BYTES, writeStat, emptyStat } from './stat.js';
import { initRing, Ring, RING_AGAIN, RING_PIPE, ringBytes, RingView } from './ring.js';
import { Sys, sysNames } from './syscall.js';
import { WireReader, WireWriter } from './wire.js';
import { decodeUtf8, encodeUtf8 } from './utf8.js';

test('syscall numbers are unique and named back', () => {
  const nrs = Object.values(Sys);
  assert.equal(new Set(nrs).size, nrs.length);
  assert.equal(sysNames[Sys.getppid], 'getppid');
  assert.equal(Sys.open, 1);
});

test('channel: control words, arguments, result and data at their offsets', () => {
  const v = new ChannelView(new SharedArrayBuffer(CHANNEL_BYTES));
  v.ctl[Ctl.NR] = 24;
  v.args[0] = 1.5;
  v.result[0] = -2;
  v.data[0] = 0xab;
  const raw = new DataView(v.buffer);
  assert.equal(raw.getInt32(8, true), 24);
  assert.equal(raw.getFloat64(64, true), 1.5);
  assert.equal(raw.getFloat64(112, true), -2);
  assert.equal(raw.getUint8(DATA_OFFSET), 0xab);
  assert.throws(() => new ChannelView(new SharedArrayBuffer(64)));
});

test('stat: 96 bytes, little-endian, round trip', () => {
  const b = new Uint8Array(STAT_BYTES);
  writeStat(b, { ...emptyStat(), ino: 7, mode: 0o100644, size: 513, uid: 1000 });
  assert.deepEqual([...b.subarray(8, 12)], [0, 0, 0, 0]);
  assert.deepEqual([...b.subarray(16, 20)], [0xa4, 0x81, 0, 0]); // 0o100644
  assert.deepEqual([...b.subarray(24, 28)], [0xe8, 3, 0, 0]);
  assert.equal(readStat(b)!.size, 513);
  assert.equal(readStat(b.subarray(0, 95)), null);
});

test('dirent: records aligned to 8 bytes with the resume cookie', () => {
  const b = new Uint8Array(64);
  const end = putDirent(b, 0, { ino: 2, next: 5, type: DT.DIR, name: 'bin' });
  assert.equal(end, 24);
  assert.deepEqual([...b.subarray(16, 22)], [DT.DIR, 3, 0, 0x62, 0x69, 0x6e]);
  assert.equal(putDirent(b, end, { ino: 3, next: 6, type: DT.REG, name: 'x'.repeat(40) }), -1);
  assert.deepEqual(parseDirents(b.subarray(0, end)), [{ ino: 2, next: 5, type: DT.DIR, name: 'bin' }]);
});

test('scheme protocol: request and reply headers, batches, and refusal of truncated ones', () => {
  const b = new Uint8Array(256);
  const p1 = putRequest(b, 0, { tag: 9, opcode: 1, handle: 0, flags: 0, pid: 4, uid: 1000, gid: 100, arg0: 0x40, arg1: 0o644, payload: encodeUtf8('a/b') });
  assert.equal(p1, 56);
  assert.deepEqual([...b.subarray(0, 8)], [9, 0, 0, 0, 1, 0, 0, 0]);
  assert.deepEqual([...b.subarray(REQ_HEADER, REQ_HEADER + 3)], [0x61, 0x2f, 0x62]);
  const p2 = putRequest(b, p1, { tag: 10, opcode: 2, handle: 3, flags: 0, pid: 4, uid: 0, gid: 0, arg0: 0, arg1: 100, payload: new Uint8Array(0) });
  const reqs = parseRequests(b.subarray(0, p2))!;
  assert.deepEqual(reqs.map((r) => [r.tag, r.opcode, r.uid]), [[9, 1, 1000], [10, 2, 0]]);
  assert.equal(parseRequests(b.subarray(0, p1 - 6)), null, 'payload cut short');
  // A path given as text is encoded in place, the same bytes as a payload.
  const t = new Uint8Array(256);
  const tp = putRequest(t, 0, { tag: 9, opcode: 1, handle: 0, flags: 0, pid: 4, uid: 1000, gid: 100, arg0: 0x40, arg1: 0o644, payload: new Uint8Array(0), text: 'a/b' });
  assert.deepEqual(t.subarray(0, tp), b.subarray(0, p1));
  const wide = putRequest(t, 0, { tag: 1, opcode: 22, handle: 0, flags: 0, pid: 1, uid: 0, gid: 0, arg0: 0, arg1: 0, payload: new Uint8Array(0), text: 'é/€' });
  assert.equal(parseRequests(t.subarray(0, wide))![0]!.payload.length, 6);
  assert.equal(putRequest(new Uint8Array(REQ_HEADER + 2), 0, { tag: 1, opcode: 22, handle: 0, flags: 0, pid: 1, uid: 0, gid: 0, arg0: 0, arg1: 0, payload: new Uint8Array(0), text: 'abc' }), -1);
  const rb = new Uint8Array(64);
  const q = putReply(rb, 0, { tag: 9, kind: 0, result: -2, aux: 0, payload: new Uint8Array(0) });
  assert.equal(q, REPLY_HEADER);
  assert.deepEqual(parseReplies(rb.subarray(0, q))!.map((r) => [r.tag, r.result]), [[9, -2]]);
  assert.equal(parseReplies(rb.subarray(0, 10)), null);
});

test('spawn request: round trip, and a truncated or oversized one is refused', () => {
  const req = { path: '/bin/x', argv: ['x', 'é'], env: ['A=1'], cwd: '', flags: 3, pgid: 0, uid: -1, gid: -1, fds: [[0, 4], [1, 1]] as [number, number][], ns: ['file'], filter: [1, 2] };
  const b = encodeSpawn(req);
  assert.deepEqual(decodeSpawn(b), req);
  assert.equal(decodeSpawn(b.subarray(0, b.length - 3)), null);
  assert.equal(decodeSpawn(new WireWriter().str('/x').u32(0xffffffff).finish()), null);
});

test('wire reader: never reads past the end, rejects invalid UTF-8', () => {
  const r = new WireReader(new Uint8Array([5, 0, 0, 0, 0x61]));
  assert.equal(r.str(), null);
  assert.equal(r.bad, true);
  assert.equal(new WireReader(new Uint8Array([2, 0, 0, 0, 0xff, 0xfe])).str(), null);
});

test('utf8: the codec used inside sandboxes agrees with the host for every plane', () => {
  const s = 'aé€😀\u0000z';
  assert.deepEqual(encodeUtf8(s), new TextEncoder().encode(s));
  assert.equal(decodeUtf8(new TextEncoder().encode(s)), s);
  assert.equal(decodeUtf8(new Uint8Array([0xc0, 0x80])), null);
  assert.equal(decodeUtf8(new Uint8Array([0xe2, 0x82]), false), '\ufffd');
});

test('pipe ring: wraps around, PIPE_BUF writes are all or nothing, EOF and EPIPE from the counts', () => {
  const buf = new SharedArrayBuffer(ringBytes(16));
  initRing(buf);
  const r = new RingView(buf);
  r.h[Ring.READERS] = 1;
  r.h[Ring.WRITERS] = 1;
  assert.equal(r.tryWrite(encodeUtf8('0123456789'), 1, 8), 10);
  const out = new Uint8Array(8);
  assert.equal(r.tryRead(out, 2), 8);
  assert.equal(r.tryWrite(encodeUtf8('abcdefghijklmn'), 1, 16), 14, 'wraps past the end');
  assert.equal(r.tryWrite(encodeUtf8('xyz'), 1, 4096), RING_AGAIN, 'an atomic write waits for room for all of it');
  const all = new Uint8Array(32);
  assert.equal(decodeUtf8(all.subarray(0, r.tryRead(all, 2))), '89abcdefghijklmn');
  assert.equal(r.tryRead(all, 2), RING_AGAIN);
  r.h[Ring.WRITERS] = 0;
  assert.equal(r.tryRead(all, 2), 0);
  r.h[Ring.READERS] = 0;
  assert.equal(r.tryWrite(encodeUtf8('x'), 1, 4096), RING_PIPE);
  assert.throws(() => new RingView(new SharedArrayBuffer(100)));
});
