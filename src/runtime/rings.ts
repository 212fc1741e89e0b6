// The process side of pipes: descriptors whose ring this process has mapped move data here,
// without a syscall, sleeping on the ring's sequence words when there is nothing to do. The
// table mirrors the kernel's descriptor table only for such descriptors; any descriptor not in
// it goes through the kernel, which is always correct, only slower.

import { Ctl } from '../abi/channel.js';
import { Errno } from '../abi/errno.js';
import { PIPE_BUF } from '../abi/flags.js';
import { Ring, RING_AGAIN, RING_BUSY, RING_PIPE, RingEnd, RingView } from '../abi/ring.js';

/** Spins before sleeping on a ring word: a busy peer usually moves within microseconds. */
const SPIN = 2000;

export interface RingFd {
  ring: RingView;
  id: number;
  end: RingEnd;
}

/** What the fast path answers: a count, or -errno; STOPPED means "ask the kernel first". */
export const NEEDS_KERNEL = -100000;

export class RingTable {
  private rings = new Map<number, RingView>();
  private fds = new Map<number, RingFd>();
  constructor(private readonly ctl: Int32Array, private readonly pid: () => number) {}

  addRing(id: number, buffer: SharedArrayBuffer): void {
    this.rings.set(id, new RingView(buffer));
  }

  /** Marks `fd` as an end of ring `id`, if this process has that ring mapped. */
  attach(fd: number, id: number, end: RingEnd): void {
    const ring = this.rings.get(id);
    if (ring) this.fds.set(fd, { ring, id, end });
    else this.fds.delete(fd);
  }

  get(fd: number): RingFd | undefined {
    return this.fds.get(fd);
  }

  forget(fd: number): void {
    this.fds.delete(fd);
  }

  /** dup/dup2: the new descriptor refers to the same ring end (or to nothing mapped). */
  copy(from: number, to: number): void {
    const r = this.fds.get(from);
    if (r) this.fds.set(to, r);
    else this.fds.delete(to);
  }

  /**
   * Reads from a mapped ring end: n > 0, 0 at end of file, -EINTR when a signal with a
   * handler is pending, or NEEDS_KERNEL when the process is stopped (a syscall parks it).
   */
  read(r: RingFd, dst: Uint8Array): number {
    const h = r.ring.h;
    let spins = 0;
    for (;;) {
      if (Atomics.load(this.ctl, Ctl.STOPPED) !== 0) return NEEDS_KERNEL;
      const seen = Atomics.load(h, Ring.WSEQ);
      const n = r.ring.tryRead(dst, this.pid());
      if (n >= 0) return n;
      if (n === RING_BUSY || ++spins < SPIN) continue;
      if (Atomics.load(this.ctl, Ctl.SIGPENDING) !== 0) return -Errno.EINTR;
      this.sleep(r, Ring.RWAITERS, Ring.WSEQ, seen);
      spins = 0;
    }
  }

  /** Writes all of `src` (as a pipe write does when blocking): the count, -EPIPE or -EINTR. */
  write(r: RingFd, src: Uint8Array): number {
    const h = r.ring.h;
    let done = 0;
    let spins = 0;
    while (done < src.length || src.length === 0) {
      if (Atomics.load(this.ctl, Ctl.STOPPED) !== 0) return done > 0 ? done : NEEDS_KERNEL;
      const seen = Atomics.load(h, Ring.RSEQ);
      const n = r.ring.tryWrite(done === 0 ? src : src.subarray(done), this.pid(), PIPE_BUF);
      if (n > 0) {
        done += n;
        spins = 0;
        continue;
      }
      if (n === RING_PIPE) return done > 0 ? done : -Errno.EPIPE;
      if (src.length === 0) return 0;
      if (n === RING_BUSY || (n === RING_AGAIN && ++spins < SPIN)) continue;
      if (Atomics.load(this.ctl, Ctl.SIGPENDING) !== 0) return done > 0 ? done : -Errno.EINTR;
      this.sleep(r, Ring.WWAITERS, Ring.RSEQ, seen);
      spins = 0;
    }
    return done;
  }

  /** Sleeps until `word` moves from `seen`, telling the kernel where (so a signal can wake us). */
  private sleep(r: RingFd, sleepers: number, word: number, seen: number): void {
    const h = r.ring.h;
    Atomics.store(this.ctl, Ctl.BLOCKED_ON, r.id + 1);
    Atomics.add(h, sleepers, 1);
    if (Atomics.load(this.ctl, Ctl.SIGPENDING) === 0 && Atomics.load(this.ctl, Ctl.STOPPED) === 0) {
      Atomics.wait(h, word, seen);
    }
    Atomics.sub(h, sleepers, 1);
    Atomics.store(this.ctl, Ctl.BLOCKED_ON, 0);
  }
}
