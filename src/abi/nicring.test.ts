// The nic ring's format on its own: records in and out in order across the wrap, a full ring,
// and the consumer's checks on records a producer could have scribbled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CTL_BYTES, N, NicRingView, RECORD_HEADER, recordBytes, WRAP } from './nicring.js';

function frame(len: number, salt: number): Uint8Array {
  const f = new Uint8Array(len);
  for (let i = 0; i < len; i++) f[i] = (i * 7 + salt) & 0xff;
  return f;
}

test('nic ring: frames come out in order, whole, across many wraps', () => {
  const v = NicRingView.create(1514, 8192, 8192);
  const ring = v.rx;
  let sent = 0;
  let got = 0;
  const lens = [60, 1514, 61, 62, 63, 999, 14, 1500];
  for (let round = 0; round < 200; round++) {
    // Fill until full, then drain part: the producer and consumer meet at every offset.
    while (ring.push(frame(lens[sent % lens.length]!, sent))) sent++;
    for (let i = 0; i < 3; i++) {
      const f = ring.peek();
      assert.ok(f instanceof Uint8Array, `record ${got}`);
      assert.deepEqual(f, frame(lens[got % lens.length]!, got));
      ring.release();
      got++;
    }
  }
  for (let f = ring.peek(); f; f = ring.peek()) {
    assert.ok(f instanceof Uint8Array);
    assert.deepEqual(f, frame(lens[got % lens.length]!, got));
    ring.release();
    got++;
  }
  assert.equal(got, sent);
  assert.equal(ring.used(), 0);
  assert.ok(sent > 600, `only ${sent} frames`);
});

test('nic ring: a full ring refuses a frame instead of overwriting', () => {
  const v = NicRingView.create(1514, 4096, 4096);
  const n = Math.floor(4096 / recordBytes(1000));
  for (let i = 0; i < n; i++) assert.ok(v.tx.push(frame(1000, i)));
  assert.equal(v.tx.push(frame(1000, 9)), false);
  assert.ok(v.tx.peek() instanceof Uint8Array);
  v.tx.release();
  // The freed space is at the start, the head near the end: the next record wraps.
  assert.ok(v.tx.push(frame(1000, 10)));
  for (let i = 1; i < n; i++) {
    assert.deepEqual(v.tx.peek(), frame(1000, i));
    v.tx.release();
  }
  assert.deepEqual(v.tx.peek(), frame(1000, 10));
});

test('nic ring: malformed records are reported, not followed', () => {
  const v = NicRingView.create(1514, 4096, 4096);
  const ring = v.rx;
  const data = new DataView(ring.data.buffer, ring.data.byteOffset, ring.data.byteLength);
  const put = (len: number, head: number): void => {
    data.setUint32(0, len, true);
    Atomics.store(v.ctl, N.RX_TAIL, 0);
    Atomics.store(v.ctl, N.RX_HEAD, head);
  };
  put(10, 16);
  assert.equal(ring.peek(), 'bad', 'shorter than an Ethernet header');
  put(1515, recordBytes(1515));
  assert.equal(ring.peek(), 'bad', 'longer than the largest frame');
  put(100, 64);
  assert.equal(ring.peek(), 'bad', 'reaching past HEAD');
  put(WRAP, 16);
  assert.equal(ring.peek(), 'bad', 'a wrap with nothing after it');
  put(60, 8192);
  assert.equal(ring.peek(), 'bad', 'more used than the ring holds');
  Atomics.store(v.ctl, N.RX_TAIL, 2);
  Atomics.store(v.ctl, N.RX_HEAD, 66);
  assert.equal(ring.peek(), 'bad', 'a tail off the record grid');
  // A record that would run past the end of the ring.
  Atomics.store(v.ctl, N.RX_TAIL, 4096 - 32);
  Atomics.store(v.ctl, N.RX_HEAD, 4096 - 32 + 128);
  data.setUint32(4096 - 32, 100, true);
  assert.equal(ring.peek(), 'bad');
  ring.discard();
  assert.equal(ring.used(), 0);
  assert.equal(ring.peek(), null);
  // Good again from there.
  assert.ok(ring.push(frame(60, 1)));
  assert.deepEqual(ring.peek(), frame(60, 1));
  assert.equal(RECORD_HEADER, 4);
});

test('nic ring: a buffer that is not a nic ring is refused', () => {
  assert.throws(() => new NicRingView(new SharedArrayBuffer(16)), /buffer too small/);
  assert.throws(() => new NicRingView(new SharedArrayBuffer(CTL_BYTES + 8192)), /not a nic ring buffer/);
  const v = NicRingView.create(1514, 4096, 4096);
  const ctl = new Int32Array(v.buffer, 0, 16);
  ctl[N.RX_BYTES] = 3000;
  assert.throws(() => new NicRingView(v.buffer), /not a nic ring buffer/, 'not a power of two');
  ctl[N.RX_BYTES] = 4096;
  ctl[N.MAX_FRAME] = 4000;
  assert.throws(() => new NicRingView(v.buffer), /not a nic ring buffer/, 'a frame larger than half a ring');
});

test('nic ring: closing wakes a sleeper and the doorbells notify only when asked', async () => {
  const v = NicRingView.create(1514, 4096, 4096);
  // Nobody asked: ringing is a no-op.
  v.rx.push(frame(60, 0));
  v.ringRx();
  assert.equal(Atomics.load(v.ctl, N.RX_WANTED), 0);
  // Asked: the bell clears the request and wakes the waiter.
  Atomics.store(v.ctl, N.RX_WANTED, 1);
  const head = Atomics.load(v.ctl, N.RX_HEAD);
  const w = Atomics.waitAsync(v.ctl, N.RX_HEAD, head);
  assert.ok(w.async);
  v.rx.push(frame(60, 1));
  v.ringRx();
  assert.equal(await w.value, 'ok');
  assert.equal(Atomics.load(v.ctl, N.RX_WANTED), 0);
  const tx = Atomics.waitAsync(v.ctl, N.TX_HEAD, Atomics.load(v.ctl, N.TX_HEAD));
  assert.ok(tx.async);
  v.close();
  assert.equal(await tx.value, 'ok');
  assert.ok(v.closed);
});
