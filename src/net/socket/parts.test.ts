// The pieces TCP is made of, tested alone: the ring buffer, the out-of-order assembler,
// sequence arithmetic, the RTO estimator and the NewReno controller.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingBuffer } from './ring.js';
import { Assembler } from './assembler.js';
import { RttEstimator, seqGt, seqLt, seqAdd, seqDiff } from './tcp_seq.js';
import { NewReno } from './tcp_congestion.js';
import { PacketQueue } from './packet_queue.js';

test('ring: wraps around, peeks at offsets, writes past the occupied part', () => {
  const r = RingBuffer.withCapacity(8);
  assert.equal(r.enqueue(new Uint8Array([1, 2, 3, 4, 5, 6])), 6);
  const out = new Uint8Array(4);
  assert.equal(r.dequeue(out), 4);
  assert.deepEqual([...out], [1, 2, 3, 4]);
  assert.equal(r.enqueue(new Uint8Array([7, 8, 9, 10, 11, 12, 13])), 6); // only 6 free
  assert.ok(r.isFull);
  const all = new Uint8Array(8);
  assert.equal(r.peek(0, all), 8);
  assert.deepEqual([...all], [5, 6, 7, 8, 9, 10, 11, 12]);
  assert.equal(r.peek(6, all, 0, 8), 2);
  assert.deepEqual([...all.subarray(0, 2)], [11, 12]);
  r.discard(8);
  assert.ok(r.isEmpty);
  // Out-of-order: bytes 3..5 arrive first, then 0..2.
  assert.equal(r.writeUnallocated(3, new Uint8Array([33, 44, 55])), 3);
  assert.equal(r.length, 0);
  assert.equal(r.writeUnallocated(0, new Uint8Array([0, 11, 22])), 3);
  r.enqueueUnallocated(6);
  const six = new Uint8Array(6);
  r.dequeue(six);
  assert.deepEqual([...six], [0, 11, 22, 33, 44, 55]);
  assert.equal(r.writeUnallocated(6, new Uint8Array(5)), 2); // only 8 - 6 bytes of room
});

test('assembler: merges ranges, hands out the front, refuses a range too many', () => {
  const a = new Assembler(3);
  assert.ok(a.add(10, 5));
  assert.ok(a.add(20, 5));
  assert.ok(a.add(15, 5)); // joins both into 10..25
  assert.equal(a.rangeCount, 1);
  assert.deepEqual([a.rangeStart(0), a.rangeEnd(0)], [10, 25]);
  assert.ok(a.add(30, 2));
  assert.ok(a.add(40, 2));
  assert.ok(!a.add(50, 2)); // a fourth range
  assert.equal(a.rangeCount, 3);
  assert.ok(a.add(35, 5)); // touches 40..42, no new range
  assert.equal(a.removeFront(), 0);
  a.advance(12); // 12 in-order bytes arrived: 10..25 now starts at 0
  assert.equal(a.removeFront(), 13);
  assert.deepEqual([a.rangeStart(0), a.rangeEnd(0)], [5, 7]);
  a.advance(100);
  assert.ok(a.isEmpty);
});

test('sequence numbers compare modulo 2^32', () => {
  assert.ok(seqLt(0xffff_fff0, 5));
  assert.ok(seqGt(5, 0xffff_fff0));
  assert.equal(seqAdd(0xffff_ffff, 2), 1);
  assert.equal(seqDiff(1, 0xffff_ffff), 2);
});

test('rtt: RFC 6298 estimator, minimum, backoff', () => {
  const e = new RttEstimator(200, 60_000);
  assert.equal(e.rto, 1000); // before any sample
  e.sample(100);
  assert.equal(e.srtt, 100);
  assert.equal(e.rttvar, 50);
  assert.equal(e.rto, 300); // 100 + 4 * 50
  e.sample(200);
  assert.equal(e.rttvar, 0.75 * 50 + 0.25 * 100);
  assert.equal(e.srtt, 0.875 * 100 + 0.125 * 200);
  e.backOff();
  e.backOff();
  assert.equal(e.rto, 4 * (e.srtt + 4 * e.rttvar));
  e.sample(1);
  assert.ok(e.rto >= 200);
  for (let i = 0; i < 20; i++) e.backOff();
  assert.equal(e.rto, 60_000);
  const rfc = new RttEstimator();
  rfc.sample(1);
  assert.equal(rfc.rto, 1000); // RFC 6298 2.4: at least one second
});

test('newreno: slow start, fast retransmit on the third duplicate, partial and full ACKs, timeout', () => {
  const mss = 1000;
  const c = new NewReno(mss);
  assert.equal(c.cwnd, 10 * mss);
  c.onAck(3000, 3000, 0);
  assert.equal(c.cwnd, 12 * mss); // slow start, counting at most 2 MSS per ACK (RFC 3465)
  assert.ok(!c.onDupAck(1000, 21_000, 20_000));
  assert.ok(!c.onDupAck(1000, 21_000, 20_000));
  assert.ok(c.onDupAck(1000, 21_000, 20_000));
  assert.ok(c.inRecovery);
  assert.equal(c.ssthresh, 10_000);
  assert.equal(c.cwnd, 13_000);
  c.onDupAck(1000, 21_000, 20_000);
  assert.equal(c.cwnd, 14_000); // inflation
  assert.ok(c.onAck(5000, 6000, 15_000)); // partial: retransmit the next hole
  assert.equal(c.cwnd, 10_000);
  assert.ok(!c.onAck(15_000, 21_000, 0)); // full: recovery over
  assert.ok(!c.inRecovery);
  assert.ok(c.cwnd <= c.ssthresh);
  c.cwnd = c.ssthresh;
  const before = c.cwnd;
  c.onAck(before, 30_000, 0);
  assert.equal(c.cwnd, before + mss); // congestion avoidance: one MSS per window
  c.onTimeout(8000, 40_000);
  assert.equal(c.cwnd, mss);
  assert.equal(c.ssthresh, 4000);
});

test('packet queue: keeps datagram boundaries and addresses, bounded by slots and bytes', () => {
  const q = new PacketQueue(2, 10);
  assert.ok(q.enqueue(new Uint8Array([1, 2, 3]), 7, 53));
  assert.ok(!q.enqueue(new Uint8Array(8), 8, 54)); // 3 + 8 > 10 bytes
  assert.ok(q.enqueue(new Uint8Array([4, 5]), 8, 54));
  assert.ok(!q.enqueue(new Uint8Array([6]), 9, 55)); // no slot
  const b = new Uint8Array(2);
  assert.equal(q.peekInto(b), 2); // truncated to the buffer
  assert.deepEqual([q.frontAddr, q.frontPort], [7, 53]);
  q.pop();
  assert.equal(q.frontLen, 2);
  q.pop();
  assert.ok(q.isEmpty);
});
