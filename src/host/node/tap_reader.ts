// The TAP device's receive side, on a thread of its own: it sleeps in poll() on the device's
// descriptor (the process shares its descriptor table with this thread) and, when frames wait,
// reads them until the device is empty and posts them to the main thread in one message. A
// frame is therefore seen within microseconds of its arrival, with no polling interval, and a
// quiet wire costs one wake-up per STOP_CHECK_MS.
//
// Message format (one transferred ArrayBuffer): repeated [u32 little-endian length][frame].
// workerData: { fd, stop: SharedArrayBuffer } — a non-zero stop word ends the thread.

import { parentPort, workerData } from 'node:worker_threads';
import { EAGAIN, EINTR, loadLibc, POLLIN, pollFd } from './libc.js';

/** How long one poll() sleeps before looking at the stop word. */
const STOP_CHECK_MS = 100;
/** Frames per message at most: a burst is handed over in pieces so the stack starts early. */
const BATCH_FRAMES = 64;
const MAX_FRAME = 65536;

function run(): void {
  const { fd, stop } = workerData as { fd: number; stop: SharedArrayBuffer };
  const c = loadLibc();
  const stopWord = new Int32Array(stop);
  const pfd = pollFd(fd, POLLIN);
  const frame = new Uint8Array(MAX_FRAME);
  const batch = new Uint8Array(BATCH_FRAMES * (MAX_FRAME + 4));
  while (Atomics.load(stopWord, 0) === 0) {
    pfd.reset();
    const r = c.poll(pfd.buf, 1, STOP_CHECK_MS);
    if (r <= 0) continue;
    let pos = 0;
    let frames = 0;
    for (;;) {
      const n = c.read(fd, frame, MAX_FRAME);
      if (n < 0) {
        const e = c.errno();
        if (e === EINTR) continue;
        if (e !== EAGAIN) Atomics.store(stopWord, 0, 2); // the device is gone
        break;
      }
      if (n < 14) continue;
      new DataView(batch.buffer, pos, 4).setUint32(0, n, true);
      batch.set(frame.subarray(0, n), pos + 4);
      pos += 4 + n;
      if (++frames === BATCH_FRAMES) {
        post(batch, pos);
        pos = 0;
        frames = 0;
      }
    }
    if (pos > 0) post(batch, pos);
  }
}

/** Hands the first `len` bytes over (a copy the main thread then owns). */
function post(batch: Uint8Array, len: number): void {
  const out = (batch.buffer as ArrayBuffer).slice(0, len);
  parentPort!.postMessage(out, [out]);
}

run();
