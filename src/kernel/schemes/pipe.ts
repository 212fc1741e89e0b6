// The pipe scheme. A pipe is a ring buffer shared by the processes at its two ends (layout and
// operations in src/abi/ring.ts); this scheme creates rings, keeps the open-end counts in the
// ring header, and moves data itself only for descriptors whose process has not mapped the
// ring. Sleepers in the kernel wait on the ring's sequence words with Atomics.waitAsync.

import { E, type Result } from '../../abi/errno.js';
import { PIPE_BUF, S } from '../../abi/flags.js';
import { initRing, Ring, RING_AGAIN, RING_BUSY, RING_PIPE, RingEnd, ringBytes, RingView } from '../../abi/ring.js';
import { EVENT_READ, EVENT_WRITE } from '../../abi/scheme.js';
import { emptyStat, type Stat } from '../../abi/stat.js';
import { params } from '../params.js';
import { Scheme, type Answer, type Caller, type Opened } from '../scheme.js';
import { WaitQueue, wouldBlock } from '../waitqueue.js';

export class PipeRing {
  readonly view: RingView;
  /** Wakes kernel-side readers (data or EOF) and writers (room or no readers). */
  readonly readable = new WaitQueue();
  readonly writable = new WaitQueue();
  private armed = [false, false];
  constructor(readonly id: number, readonly buffer: SharedArrayBuffer) {
    this.view = new RingView(buffer);
  }

  /**
   * Makes sure a waitAsync is pending on a sequence word, counted among the ring's sleepers so
   * that the other side notifies; false if the word already moved past `seen` (retry now). One
   * pending wait per word serves every parked call: it fires at the next change.
   */
  arm(word: number, seen: number): boolean {
    const h = this.view.h;
    if (Atomics.load(h, word) !== seen) return false;
    const slot = word === Ring.WSEQ ? 0 : 1;
    if (this.armed[slot]) return true;
    const sleepers = word === Ring.WSEQ ? Ring.RWAITERS : Ring.WWAITERS;
    Atomics.add(h, sleepers, 1);
    const w = Atomics.waitAsync(h, word, seen);
    if (!w.async) {
      Atomics.sub(h, sleepers, 1);
      return false;
    }
    this.armed[slot] = true;
    const q = slot === 0 ? this.readable : this.writable;
    void w.value.then(() => {
      this.armed[slot] = false;
      Atomics.sub(h, sleepers, 1);
      q.wake();
    });
    return true;
  }

  changeCount(end: RingEnd, delta: number): void {
    Atomics.add(this.view.h, end === RingEnd.Read ? Ring.READERS : Ring.WRITERS, delta);
    this.view.wakeAll();
    this.readable.wake();
    this.writable.wake();
  }

  /** Releases ring locks left by a process that died in the middle of a copy. */
  releaseLocks(pid: number): void {
    const h = this.view.h;
    if (Atomics.compareExchange(h, Ring.WLOCK, pid, 0) === pid) this.view.wakeAll();
    if (Atomics.compareExchange(h, Ring.RLOCK, pid, 0) === pid) this.view.wakeAll();
  }
}

interface PipeHandle {
  ring: PipeRing;
  end: RingEnd;
}

export class PipeScheme extends Scheme {
  readonly name = 'pipe';
  private rings = new Map<number, PipeRing>();
  private handles = new Map<number, PipeHandle>();
  private nextRing = 1;
  private nextHandle = 1;

  /**
   * Spare rings of exited processes that never used them, ready to hand out again: spawning
   * would otherwise allocate two fresh buffers per process. Their previous owner is gone, so
   * no one else holds them (docs/security.md says what such a buffer may still contain).
   */
  private free: SharedArrayBuffer[] = [];

  createRing(): PipeRing {
    const buffer = this.free.pop() ?? new SharedArrayBuffer(ringBytes(params.pipeCapacity));
    initRing(buffer);
    const ring = new PipeRing(this.nextRing++, buffer);
    this.rings.set(ring.id, ring);
    return ring;
  }

  /** Takes back the unused spare ring of a process that has exited. */
  recycleSpare(id: number): void {
    const r = this.rings.get(id);
    if (!r) return;
    this.rings.delete(id);
    const h = r.view.h;
    // Only a ring whose header never moved: nothing passed through it.
    for (let i = 0; i < 16; i++) if (i !== Ring.CAP && Atomics.load(h, i) !== 0) return;
    if (this.free.length < params.spareRingPool) this.free.push(r.buffer);
  }

  ring(id: number): PipeRing | undefined {
    return this.rings.get(id);
  }

  /** Forgets a ring no handle refers to (a spare of a process that exited). */
  dropRing(id: number): void {
    const r = this.rings.get(id);
    if (!r) return;
    const h = r.view.h;
    if (Atomics.load(h, Ring.READERS) === 0 && Atomics.load(h, Ring.WRITERS) === 0) this.rings.delete(id);
  }

  /** Opens both ends of a pipe on `ring`: [read end, write end]. */
  openPair(ring: PipeRing): [Opened, Opened] {
    const r = this.nextHandle++;
    const w = this.nextHandle++;
    this.handles.set(r, { ring, end: RingEnd.Read });
    this.handles.set(w, { ring, end: RingEnd.Write });
    ring.changeCount(RingEnd.Read, 1);
    ring.changeCount(RingEnd.Write, 1);
    return [
      { handle: r, stream: true, ring: { id: ring.id, end: RingEnd.Read } },
      { handle: w, stream: true, ring: { id: ring.id, end: RingEnd.Write } },
    ];
  }

  get ringCount(): number {
    return this.rings.size;
  }

  override read(h: number, dst: Uint8Array, _offset: number, caller: Caller): Answer<number> {
    const ph = this.handles.get(h);
    if (!ph || ph.end !== RingEnd.Read) return E.EBADF;
    const v = ph.ring.view;
    for (let tries = 0; ; tries++) {
      const seen = Atomics.load(v.h, Ring.WSEQ);
      const n = v.tryRead(dst, caller.pid);
      if (n >= 0) return n;
      if (n === RING_BUSY && tries < 100) continue;
      if (!ph.ring.arm(Ring.WSEQ, seen)) continue;
      return wouldBlock(ph.ring.readable);
    }
  }

  override write(h: number, src: Uint8Array, _offset: number, caller: Caller): Answer<number> {
    const ph = this.handles.get(h);
    if (!ph || ph.end !== RingEnd.Write) return E.EBADF;
    const v = ph.ring.view;
    for (let tries = 0; ; tries++) {
      const seen = Atomics.load(v.h, Ring.RSEQ);
      const n = v.tryWrite(src, caller.pid, PIPE_BUF);
      if (n > 0) return n;
      if (n === RING_PIPE) return E.EPIPE;
      if (n === RING_BUSY && tries < 100) continue;
      if (n === RING_AGAIN && src.length === 0) return 0;
      if (!ph.ring.arm(Ring.RSEQ, seen)) continue;
      return wouldBlock(ph.ring.writable);
    }
  }

  override poll(h: number): { ready: number; queue: WaitQueue | null } {
    const ph = this.handles.get(h);
    if (!ph) return { ready: 0, queue: null };
    const v = ph.ring.view;
    if (ph.end === RingEnd.Read) {
      const seen = Atomics.load(v.h, Ring.WSEQ);
      if (v.readable()) return { ready: EVENT_READ, queue: ph.ring.readable };
      if (!ph.ring.arm(Ring.WSEQ, seen)) return { ready: v.readable() ? EVENT_READ : 0, queue: ph.ring.readable };
      return { ready: 0, queue: ph.ring.readable };
    }
    const seen = Atomics.load(v.h, Ring.RSEQ);
    if (v.writable()) return { ready: EVENT_WRITE, queue: ph.ring.writable };
    if (!ph.ring.arm(Ring.RSEQ, seen)) return { ready: v.writable() ? EVENT_WRITE : 0, queue: ph.ring.writable };
    return { ready: 0, queue: ph.ring.writable };
  }

  override fstat(h: number): Result<Stat> {
    const ph = this.handles.get(h);
    if (!ph) return E.EBADF;
    const st = emptyStat();
    st.mode = S.IFIFO | 0o600;
    st.ino = ph.ring.id;
    st.size = ph.ring.view.used();
    return st;
  }

  override close(h: number): void {
    const ph = this.handles.get(h);
    if (!ph) return;
    this.handles.delete(h);
    ph.ring.changeCount(ph.end, -1);
    this.dropRing(ph.ring.id);
  }
}
