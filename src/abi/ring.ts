// The pipe ring: a SharedArrayBuffer that both ends of a pipe map, so that data moves between
// two processes without passing through the kernel. The kernel creates rings, keeps the
// reader and writer counts (it alone knows every descriptor that refers to a ring), and wakes
// sleepers when it changes them; the processes move the bytes.
//
//   Int32 words 0..15   header (below)
//   bytes 64..          data, CAP bytes, CAP a power of two
//
// HEAD and TAIL count bytes written and read modulo 2^32; used = (HEAD - TAIL) >>> 0. HEAD
// changes only under WLOCK and TAIL only under RLOCK, so one writer and one reader run without
// contending; the locks hold the pid of their holder, so that the kernel can release a lock
// left by a process that died holding it. WSEQ and RSEQ are the words sleepers wait on:
// writers bump WSEQ after adding data, readers bump RSEQ after taking some, and the kernel
// bumps both when a count changes.

export const Ring = {
  WSEQ: 0,
  RSEQ: 1,
  HEAD: 2,
  TAIL: 3,
  READERS: 4,
  WRITERS: 5,
  WLOCK: 6,
  RLOCK: 7,
  CAP: 8,
  RWAITERS: 9,   // readers asleep on WSEQ (writers skip the notify when 0)
  WWAITERS: 10,  // writers asleep on RSEQ
} as const;

export const RING_HEADER = 64;

export enum RingEnd {
  Read = 0,
  Write = 1,
}

/** Describes, in a pipe() reply or a process's start record, a ring that a descriptor uses. */
export interface RingAttachment {
  fd: number;
  ringId: number;
  end: RingEnd;
}

export function ringBytes(cap: number): number {
  return RING_HEADER + cap;
}

export function initRing(buf: SharedArrayBuffer): void {
  const h = new Int32Array(buf, 0, 16);
  h[Ring.CAP] = buf.byteLength - RING_HEADER;
}

/** Returned by tryRead/tryWrite when the other side's lock holder is mid-copy: retry soon. */
export const RING_BUSY = -1000;
export const RING_AGAIN = -11; // -EAGAIN: nothing to read, or no room to write
export const RING_PIPE = -32;  // -EPIPE: no reader is left

/**
 * Non-blocking operations on a ring, used alike by processes (their fast path) and by the
 * kernel (for descriptors whose process has not mapped the ring). `pid` marks lock ownership.
 */
export class RingView {
  readonly h: Int32Array;
  readonly data: Uint8Array;
  readonly cap: number;
  constructor(readonly buffer: SharedArrayBuffer) {
    this.h = new Int32Array(buffer, 0, 16);
    this.cap = this.h[Ring.CAP]!;
    if (this.cap <= 0 || (this.cap & (this.cap - 1)) !== 0 || RING_HEADER + this.cap !== buffer.byteLength) {
      throw new RangeError('not a pipe ring');
    }
    this.data = new Uint8Array(buffer, RING_HEADER, this.cap);
  }

  used(): number {
    return (Atomics.load(this.h, Ring.HEAD) - Atomics.load(this.h, Ring.TAIL)) >>> 0;
  }

  /** Reads up to dst.length bytes: n > 0, 0 at end of file, RING_AGAIN, or RING_BUSY. */
  tryRead(dst: Uint8Array, pid: number): number {
    const h = this.h;
    if (Atomics.compareExchange(h, Ring.RLOCK, 0, pid) !== 0) return RING_BUSY;
    const head = Atomics.load(h, Ring.HEAD);
    const tail = Atomics.load(h, Ring.TAIL);
    const used = (head - tail) >>> 0;
    if (used === 0 || used > this.cap) {
      Atomics.store(h, Ring.RLOCK, 0);
      if (used > this.cap) return RING_AGAIN; // a corrupted header is treated as empty
      if (Atomics.load(h, Ring.WRITERS) !== 0) return RING_AGAIN;
      // No writer is left — but the last one may have written and closed since HEAD was read:
      // its data counts before the end of file.
      return Atomics.load(h, Ring.HEAD) === head ? 0 : RING_BUSY;
    }
    const n = Math.min(used, dst.length);
    const start = tail & (this.cap - 1);
    const first = Math.min(n, this.cap - start);
    dst.set(this.data.subarray(start, start + first));
    if (first < n) dst.set(this.data.subarray(0, n - first), first);
    Atomics.store(h, Ring.TAIL, (tail + n) | 0);
    Atomics.store(h, Ring.RLOCK, 0);
    Atomics.add(h, Ring.RSEQ, 1);
    if (Atomics.load(h, Ring.WWAITERS) !== 0) Atomics.notify(h, Ring.RSEQ);
    return n;
  }

  /**
   * Writes up to src.length bytes: n > 0, RING_PIPE, RING_AGAIN, or RING_BUSY. A write of at
   * most `atomic` bytes goes in whole or not at all, so PIPE_BUF-sized writes never interleave.
   */
  tryWrite(src: Uint8Array, pid: number, atomic: number): number {
    const h = this.h;
    if (Atomics.load(h, Ring.READERS) === 0) return RING_PIPE;
    if (Atomics.compareExchange(h, Ring.WLOCK, 0, pid) !== 0) return RING_BUSY;
    const head = Atomics.load(h, Ring.HEAD);
    const tail = Atomics.load(h, Ring.TAIL);
    const used = (head - tail) >>> 0;
    const space = used > this.cap ? 0 : this.cap - used;
    const want = src.length;
    if (space === 0 || (want <= atomic && space < want)) {
      Atomics.store(h, Ring.WLOCK, 0);
      return RING_AGAIN;
    }
    const n = Math.min(space, want);
    const start = head & (this.cap - 1);
    const first = Math.min(n, this.cap - start);
    this.data.set(src.subarray(0, first), start);
    if (first < n) this.data.set(src.subarray(first, n), 0);
    Atomics.store(h, Ring.HEAD, (head + n) | 0);
    Atomics.store(h, Ring.WLOCK, 0);
    Atomics.add(h, Ring.WSEQ, 1);
    if (Atomics.load(h, Ring.RWAITERS) !== 0) Atomics.notify(h, Ring.WSEQ);
    return n;
  }

  /** Readiness as the event scheme reports it. */
  readable(): boolean {
    return this.used() > 0 || Atomics.load(this.h, Ring.WRITERS) === 0;
  }
  writable(): boolean {
    return this.used() < this.cap || Atomics.load(this.h, Ring.READERS) === 0;
  }

  /** Wakes every sleeper on both words (the kernel calls this when a count changes). */
  wakeAll(): void {
    Atomics.add(this.h, Ring.WSEQ, 1);
    Atomics.add(this.h, Ring.RSEQ, 1);
    Atomics.notify(this.h, Ring.WSEQ);
    Atomics.notify(this.h, Ring.RSEQ);
  }
}
