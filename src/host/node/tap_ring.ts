// The TAP device's threads while the network daemon holds a nic ring (src/abi/nicring.ts):
// frames move between the device and the ring's shared memory without the kernel's thread.
//
// - rx: sleeps in poll() on the device and reads each frame straight into the receive ring
//   (no copy in between); after each burst, rings the kernel if it waits for the daemon. A
//   full ring drops the frame and counts it, as a NIC's ring does.
// - tx: sleeps on the transmit ring's HEAD and writes each record to the device. A device
//   queue that is full is waited for (poll for POLLOUT, briefly) before the frame is dropped.
//   A bad record is counted and drops what was queued after it.
//
// Both end when the ring is closed (a quiet wire costs one wake-up per STOP_CHECK_MS).
// workerData: { tapRing: { fd, buffer, role } }

import { workerData } from 'node:worker_threads';
import { N, NicRingView } from '../../abi/nicring.js';
import { EAGAIN, EINTR, loadLibc, POLLIN, POLLOUT, pollFd, type Libc } from './libc.js';

export interface TapRingData {
  fd: number;
  buffer: SharedArrayBuffer;
  role: 'rx' | 'tx';
}

/** How long one sleep lasts before looking at CLOSED again. */
const STOP_CHECK_MS = 100;
/** How long a full device queue is waited for before the frame is dropped. */
const TX_FULL_MS = 20;
/** Frames read before the kernel is rung: a burst goes up in pieces so the daemon starts early. */
const RX_BURST = 64;

function serveRx(c: Libc, fd: number, ring: NicRingView): void {
  const rx = ring.rx;
  const max = ring.ctl[N.MAX_FRAME]!;
  const pfd = pollFd(fd, POLLIN);
  const scratch = new Uint8Array(max);
  while (!ring.closed) {
    pfd.reset();
    if (c.poll(pfd.buf, 1, STOP_CHECK_MS) <= 0) continue;
    let burst = 0;
    for (;;) {
      const room = rx.reserve(max);
      // No room: the frame is still read (and dropped) so the device does not stall.
      const n = c.read(fd, room ?? scratch, max);
      if (n < 0) {
        const e = c.errno();
        if (e === EINTR) continue;
        if (e !== EAGAIN) return; // the device is gone
        break;
      }
      if (n < 14) continue;
      if (!room || ring.closed) {
        Atomics.add(ring.ctl, N.RX_DROPS, 1);
        continue;
      }
      rx.commit(n, max);
      Atomics.add(ring.ctl, N.RX_FRAMES, 1);
      if (++burst === RX_BURST) {
        ring.ringRx();
        burst = 0;
      }
    }
    ring.ringRx();
  }
}

function serveTx(c: Libc, fd: number, ring: NicRingView): void {
  const tx = ring.tx;
  const pfd = pollFd(fd, POLLOUT);
  const ctl = ring.ctl;
  while (!ring.closed) {
    const f = tx.peek();
    if (f === null) {
      Atomics.store(ctl, N.TX_ASLEEP, 1);
      const head = Atomics.load(ctl, N.TX_HEAD);
      if (tx.used() === 0 && !ring.closed) Atomics.wait(ctl, N.TX_HEAD, head, STOP_CHECK_MS);
      Atomics.store(ctl, N.TX_ASLEEP, 0);
      continue;
    }
    if (f === 'bad') {
      Atomics.add(ctl, N.TX_BAD, 1);
      tx.discard();
    } else {
      for (;;) {
        const n = c.write(fd, f, f.length);
        if (n >= 0) break;
        const e = c.errno();
        if (e === EINTR) continue;
        if (e !== EAGAIN) return; // the device is gone
        pfd.reset();
        if (c.poll(pfd.buf, 1, TX_FULL_MS) <= 0) break; // still full: the frame is lost
      }
      tx.release();
      Atomics.add(ctl, N.TX_FRAMES, 1);
    }
    if (Atomics.load(ctl, N.TX_WANTED) !== 0 && Atomics.exchange(ctl, N.TX_WANTED, 0) !== 0) Atomics.notify(ctl, N.TX_TAIL);
  }
}

/** Serves one role until the ring is closed or the device fails. */
export function run(d: TapRingData): void {
  const ring = new NicRingView(d.buffer);
  const c = loadLibc();
  if (d.role === 'rx') serveRx(c, d.fd, ring);
  else serveTx(c, d.fd, ring);
}

const data = workerData as { tapRing?: TapRingData } | null;
if (data?.tapRing) run(data.tapRing);
