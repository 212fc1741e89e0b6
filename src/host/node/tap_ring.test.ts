// The TAP device's ring threads (tap_ring.ts) on a stand-in device: one end of a non-blocking
// SOCK_SEQPACKET socket pair, which keeps frame boundaries as a TAP descriptor does, with the
// test on the other end. Frames the "wire" sends reach the receive ring and ring the kernel's
// doorbell; frames on the transmit ring reach the wire; bad records are counted and skipped;
// closing the ring ends both threads. Skipped where there is no koffi or no Linux.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { N, NicRingView, recordBytes } from '../../abi/nicring.js';
import { EAGAIN, loadLibc, POLLIN, pollFd } from './libc.js';
import type { TapRingData } from './tap_ring.js';

function whyNot(): string | null {
  if (process.platform !== 'linux') return 'needs Linux';
  try {
    createRequire(import.meta.url)('koffi');
  } catch {
    return 'needs the koffi FFI library';
  }
  return null;
}

const AF_UNIX = 1;
const SOCK_SEQPACKET = 5;
const SOCK_NONBLOCK = 0x800;

function socketPair(): [number, number] {
  const koffi = createRequire(import.meta.url)('koffi') as { load(lib: string): { func(sig: string): unknown } };
  const socketpair = koffi.load('libc.so.6').func('int socketpair(int domain, int type, int protocol, _Out_ int *sv)') as (d: number, t: number, p: number, sv: Int32Array) => number;
  const sv = new Int32Array(2);
  assert.equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
  return [sv[0]!, sv[1]!];
}

function frame(len: number, salt: number): Uint8Array {
  const f = new Uint8Array(len);
  for (let i = 0; i < len; i++) f[i] = (i * 13 + salt) & 0xff;
  return f;
}

/** Starts both threads on `fd`; resolves when both have ended. */
function serve(fd: number, view: NicRingView): Promise<void> {
  const ends = (['rx', 'tx'] as const).map((role) => {
    const tapRing: TapRingData = { fd, buffer: view.buffer, role };
    const w = new Worker(new URL('./tap_ring.js', import.meta.url), { workerData: { tapRing } });
    return new Promise<void>((resolve, reject) => {
      w.once('error', reject);
      w.once('exit', () => resolve());
    });
  });
  return Promise.all(ends).then(() => undefined);
}

/** Reads one frame from the test's end, waiting up to `ms`; null if none came. */
function wireRead(fd: number, ms = 2000): Uint8Array | null {
  const c = loadLibc();
  const buf = new Uint8Array(2048);
  const pfd = pollFd(fd, POLLIN);
  const until = Date.now() + ms;
  for (;;) {
    const n = c.read(fd, buf, buf.length);
    if (n >= 0) return buf.slice(0, n);
    assert.equal(c.errno(), EAGAIN);
    const left = until - Date.now();
    if (left <= 0) return null;
    pfd.reset();
    c.poll(pfd.buf, 1, left);
  }
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), what);
}

test('tap ring: frames move between the wire and both rings; the doorbell rings the waiting kernel', { skip: whyNot() ?? false }, async () => {
  const [dev, wire] = socketPair();
  const view = NicRingView.create(1514, 16384, 16384);
  const done = serve(dev, view);
  try {
    const c = loadLibc();
    // The kernel's side of the doorbell: asked for, then waited on.
    Atomics.store(view.ctl, N.RX_WANTED, 1);
    const bell = Atomics.waitAsync(view.ctl, N.RX_HEAD, 0);
    assert.ok(bell.async);
    for (let i = 0; i < 20; i++) assert.equal(c.write(wire, frame(60 + i * 70, i), 60 + i * 70), 60 + i * 70);
    assert.equal(await bell.value, 'ok');
    const got: Uint8Array[] = [];
    await until('all 20 frames on the receive ring', () => {
      for (let f = view.rx.peek(); f instanceof Uint8Array; f = view.rx.peek()) {
        got.push(f.slice());
        view.rx.release();
      }
      return got.length === 20;
    });
    got.forEach((f, i) => assert.deepEqual(f, frame(60 + i * 70, i)));
    // Runts are not frames: dropped before the ring.
    c.write(wire, new Uint8Array(10), 10);
    // More frames than the ring holds: the rest are counted as drops.
    const fits = Math.floor(16384 / recordBytes(1514));
    for (let i = 0; i < fits + 5; i++) c.write(wire, frame(1514, i), 1514);
    await until('drops counted', () => Atomics.load(view.ctl, N.RX_DROPS) >= 5);
    assert.equal(Atomics.load(view.ctl, N.RX_FRAMES), 20 + fits, 'frames on the ring, counted before the later drops');

    // Transmit: the writer sleeps, is woken by the doorbell, and sends in order.
    await until('the writer asleep', () => Atomics.load(view.ctl, N.TX_ASLEEP) === 1);
    for (let i = 0; i < 5; i++) {
      assert.ok(view.tx.push(frame(100 + i, i)));
      view.ringTx();
    }
    for (let i = 0; i < 5; i++) assert.deepEqual(wireRead(wire), frame(100 + i, i));
    // A bad record: counted, what was queued with it dropped, and the ring serves on.
    const data = new DataView(view.tx.data.buffer, view.tx.data.byteOffset);
    const head = Atomics.load(view.ctl, N.TX_HEAD);
    data.setUint32(head & (16384 - 1), 5, true);
    Atomics.store(view.ctl, N.TX_HEAD, head + recordBytes(5));
    view.ringTx();
    await until('the bad record counted', () => Atomics.load(view.ctl, N.TX_BAD) === 1);
    assert.ok(view.tx.push(frame(70, 7)));
    view.ringTx();
    assert.deepEqual(wireRead(wire), frame(70, 7));
    // Counted after the write returns: the frame can reach the wire first.
    await until('six frames counted as sent', () => Atomics.load(view.ctl, N.TX_FRAMES) === 6);
  } finally {
    view.close();
    await done;
    closeSync(dev);
    closeSync(wire);
  }
});

test('tap ring: a closed ring ends both threads, and frames after it are not put on it', { skip: whyNot() ?? false }, async () => {
  const [dev, wire] = socketPair();
  const view = NicRingView.create(1514, 16384, 16384);
  const done = serve(dev, view);
  await until('the writer asleep', () => Atomics.load(view.ctl, N.TX_ASLEEP) === 1);
  view.close();
  await done;
  const c = loadLibc();
  c.write(wire, frame(60, 1), 60);
  assert.ok(view.tx.push(frame(60, 2)));
  view.ringTx();
  assert.equal(view.rx.used(), 0);
  assert.equal(wireRead(wire, 100), null);
  closeSync(dev);
  closeSync(wire);
});
