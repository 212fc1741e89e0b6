// A nic link through its nic ring (src/abi/nicring.ts): where the kernel grants one (`fmap` on
// the batch descriptor; TAP links), frames move between netd and the host's I/O threads in
// shared memory, with no system call per frame or per batch. A received frame is handed to the
// stack where it lies on the ring and given back at the next receive; a sent frame is copied
// onto the transmit ring, and the host writer, if it sleeps, is woken at the end of the pass.
//
// With one ring, netd sleeps on the ring's doorbell (`sleep`) rather than in the kernel: the
// host thread rings it when frames come and the kernel when anything netd's event queue
// watches is ready (an EVENT_BELL record), so a frame wakes netd with one thread hand-over.
// With several, netd sleeps in the kernel, its event queue watching each batch descriptor
// (readable while the receive ring holds frames). Either way a busy netd finds new frames on
// the ring itself: the kernel does nothing per frame.

import * as mh from 'libmh';
import { N, NicRingView, type FrameRing } from '../../abi/nicring.js';
import type { NicPort } from './links.js';

/** Bytes waiting on the transmit ring that wake the host writer before the end of the pass. */
const TX_WAKE_BYTES = 256 * 1024;
/** How long a full transmit ring is waited for, in all, before a frame is dropped. */
const TX_FULL_MS = 200;

export class RingNicDevice implements NicPort {
  readonly caps: { mtu: number };
  readable = true;
  rxFrames = 0;
  txFrames = 0;
  rxCalls = 0;
  txCalls = 0;
  /** Frames the ring refused: malformed receive records, or a transmit ring full too long. */
  drops = 0;
  private readonly view: NicRingView;
  private readonly rx: FrameRing;
  private readonly tx: FrameRing;
  private readonly ctl: Int32Array;

  constructor(buffer: SharedArrayBuffer, mtu: number) {
    this.view = new NicRingView(buffer);
    this.caps = { mtu };
    this.rx = this.view.rx;
    this.tx = this.view.tx;
    this.ctl = this.view.ctl;
    if (mtu + 14 > this.view.rx.maxFrame) throw new RangeError(`nic ring: frames of ${mtu + 14} bytes do not fit its ${this.view.rx.maxFrame}`);
  }

  receive(): Uint8Array | null {
    this.rx.release();
    for (;;) {
      const f = this.rx.peek();
      if (f === 'bad') {
        this.drops++;
        this.rx.discard();
        continue;
      }
      if (f) this.rxFrames++;
      return f;
    }
  }

  transmit(_now: number, frame: Uint8Array): boolean {
    if (!this.tx.push(frame) && !this.waitRoom(frame)) {
      this.drops++;
      return false;
    }
    this.txFrames++;
    // The writer is woken once per pass of netd's loop (flush), or sooner when a burst is large
    // enough to be worth starting on: not once per frame.
    if (this.tx.used() >= TX_WAKE_BYTES) this.view.ringTx();
    return true;
  }

  /** Waits for the host writer to make room, then sends; false if the ring is closed or stays full. */
  private waitRoom(frame: Uint8Array): boolean {
    const until = Date.now() + TX_FULL_MS;
    while (!this.view.closed && Date.now() < until) {
      Atomics.store(this.ctl, N.TX_WANTED, 1);
      const tail = Atomics.load(this.ctl, N.TX_TAIL);
      if (this.tx.push(frame)) return true;
      this.txCalls++;
      Atomics.notify(this.ctl, N.TX_HEAD);
      Atomics.wait(this.ctl, N.TX_TAIL, tail, 10);
    }
    return this.tx.push(frame);
  }

  get pending(): boolean {
    return this.rx.used() > 0;
  }

  /** Wakes the host writer for what was sent since it last looked. */
  flush(): void {
    if (this.tx.used() > 0) this.view.ringTx();
  }

  get closed(): boolean {
    return this.view.closed;
  }

  /** How often the kernel rang: the event queue need not be read while this stays the same. */
  kernelSeq(): number {
    return Atomics.load(this.ctl, N.KBELL);
  }

  /** The doorbell's count: read before the last look for work, then passed to `sleep`. */
  bellSeq(): number {
    return Atomics.load(this.ctl, N.BELL);
  }

  /** Sleeps until the doorbell rings after `seq` was read, or `ms` pass. */
  sleep(seq: number, ms: number): void {
    Atomics.store(this.ctl, N.ASLEEP, 1);
    if (this.rx.used() === 0) Atomics.wait(this.ctl, N.BELL, seq, Math.max(0, ms));
    Atomics.store(this.ctl, N.ASLEEP, 0);
  }
}

/** The ring behind nic descriptor `fd`, or null where the link has none (ENODEV). */
export async function ringDevice(fd: number, mtu: number): Promise<RingNicDevice | null> {
  try {
    return new RingNicDevice(await mh.fmap(fd), mtu);
  } catch (e) {
    if (e instanceof mh.MhError && e.errno === mh.Errno.ENODEV) return null;
    throw e;
  }
}
