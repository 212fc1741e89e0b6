// The disk as fsd sees it through a disk queue (src/abi/diskqueue.ts): block I/O goes through
// shared memory to the host's I/O thread, which also checksums the blocks it moves.
//
// Writes are not waited for: a write is copied into a slot and submitted, and fsd goes on. A
// write's checksums, which the I/O thread computes before it writes, are collected when MHFS
// asks for them (when a leaf they belong to is read or changed, or at commit) or before their
// slot is reused.
// Consecutive single-block writes (metadata at commit) are gathered in the slot being filled,
// and submitted before anything else is. Reads wait for their data; a one-block read
// fetches a window of the blocks after it (metadata is read a block at a time), and a run read
// right after the previous one (a file read in order) starts the read of the next run of the
// same length, so the host reads and checksums it while fsd answers its client. Requests are
// served in order, so a read sees every write submitted before it, and flush returns once every
// earlier write is on the host's disk and fdatasync has returned: what MHFS's commit needs.
// A write that failed makes the next flush fail with EIO.

import { D, DiskQueueView, Q, QueueOp } from '../../abi/diskqueue.js';
import { errnoName } from '../../abi/errno.js';
import { BLOCK_SIZE, checkRange, overlayBlocks, type BlockDevice } from '../../fs/blockdev.js';
import { FsError } from '../../fs/errors.js';

/** Blocks in a read-ahead window for one-block reads. */
const WINDOW = 64;
/**
 * Polls of a counter before sleeping on it, when the wait is for data fsd must answer with (a
 * read) and is likely short: a sleep costs two thread wake-ups. A wait for a slot, a flush or a
 * write's checksums sleeps at once: it waits on the host thread's writing, which takes
 * hundreds of microseconds a slot, and polling would take the CPU that thread needs when
 * there are fewer cores than busy threads (the file daemon's write path was measured spending
 * more CPU polling than working).
 */
const READ_SPIN = 2000;

/** The checksums of a write, until they are copied out of the queue. */
interface Sums {
  n: number;
  block: number;
  sums: Uint32Array;
  ready: boolean;
}

/** A run read ahead: blocks [start, start + bytes / 4096) with checksums from `seed`. */
interface Ahead {
  n: number;
  start: number;
  bytes: number;
  seed: number;
}

export class QueueBlockDevice implements BlockDevice {
  readonly blockCount: number;
  private readonly q: DiskQueueView;
  /** Number of the next request. */
  private next: number;
  /** The write being gathered in slot (next mod slots), not yet submitted. */
  private openBlocks = 0;
  private openStart = 0;
  private window = new Uint8Array(WINDOW * BLOCK_SIZE);
  private windowStart = -1;
  private windowBlocks = 0;
  /** Where the last run read ended, to recognise reading in order. */
  private lastRunEnd = -1;
  private ahead: Ahead | null = null;
  /** Writes whose checksums nobody has asked for yet, oldest first. */
  private unharvested: Sums[] = [];

  constructor(buffer: SharedArrayBuffer, private readonly onClose: () => void = () => {}) {
    this.q = new DiskQueueView(buffer);
    this.blockCount = Math.floor(this.q.size / BLOCK_SIZE);
    this.next = this.q.count(Q.SUBMITTED);
  }

  read(block: number, buf: Uint8Array): void {
    checkRange(this, block, buf, 'read');
    this.submitOpen();
    const n = buf.length / BLOCK_SIZE;
    if (n === 1 && !this.inWindow(block)) {
      const count = Math.min(WINDOW, this.blockCount - block);
      this.transfer(QueueOp.Read, block, this.window.subarray(0, count * BLOCK_SIZE), -1, null);
      this.windowStart = block;
      this.windowBlocks = count;
    }
    if (n === 1) {
      const off = (block - this.windowStart) * BLOCK_SIZE;
      buf.set(this.window.subarray(off, off + BLOCK_SIZE));
      return;
    }
    this.transfer(QueueOp.Read, block, buf, -1, null);
  }

  readSummed(block: number, buf: Uint8Array, seed: number, sums: Uint32Array): void {
    checkRange(this, block, buf, 'read');
    this.submitOpen();
    const a = this.ahead;
    this.ahead = null;
    if (a && a.start === block && a.bytes === buf.length && a.seed === seed) this.collect(a.n, block, buf, sums);
    else this.transfer(QueueOp.Read, block, buf, seed, sums);
    const end = block + buf.length / BLOCK_SIZE;
    const sequential = this.lastRunEnd === block;
    this.lastRunEnd = end;
    if (sequential && buf.length <= this.q.slotBytes && end + buf.length / BLOCK_SIZE <= this.blockCount) {
      this.claim();
      this.ahead = { n: this.submit(QueueOp.Read, end, buf.length, (seed + buf.length / BLOCK_SIZE) >>> 0), start: end, bytes: buf.length, seed: (seed + buf.length / BLOCK_SIZE) >>> 0 };
    }
  }

  write(block: number, buf: Uint8Array): void {
    checkRange(this, block, buf, 'write');
    this.updateWindow(block, buf);
    this.ahead = null;
    const room = this.q.slotBytes / BLOCK_SIZE;
    const n = buf.length / BLOCK_SIZE;
    if (this.openBlocks > 0 && block === this.openStart + this.openBlocks && this.openBlocks + n <= room) {
      this.q.data(this.slot(this.next)).set(buf, this.openBlocks * BLOCK_SIZE);
      this.openBlocks += n;
      return;
    }
    this.submitOpen();
    if (n >= room) {
      this.transfer(QueueOp.Write, block, buf, -1, null);
      return;
    }
    this.claim();
    this.q.data(this.slot(this.next)).set(buf);
    this.openStart = block;
    this.openBlocks = n;
  }

  writeSummed(block: number, buf: Uint8Array, seed: number): () => Uint32Array {
    checkRange(this, block, buf, 'write');
    this.updateWindow(block, buf);
    this.ahead = null;
    this.submitOpen();
    const per = this.q.slotBytes / BLOCK_SIZE;
    const parts: Sums[] = [];
    for (let k = 0; k < buf.length / BLOCK_SIZE; k += per) {
      const part = buf.subarray(k * BLOCK_SIZE, Math.min(buf.length, (k + per) * BLOCK_SIZE));
      this.claim();
      this.q.data(this.slot(this.next), part.length).set(part);
      const t: Sums = { n: this.next, block: block + k, sums: new Uint32Array(part.length / BLOCK_SIZE), ready: false };
      this.submit(QueueOp.Write, block + k, part.length, (seed + k) >>> 0);
      this.unharvested.push(t);
      parts.push(t);
    }
    return () => {
      if (parts.length === 1) return this.harvest(parts[0]!);
      const all = new Uint32Array(buf.length / BLOCK_SIZE);
      parts.forEach((t, i) => all.set(this.harvest(t), i * per));
      return all;
    };
  }

  flush(): void {
    this.submitOpen();
    this.claim();
    const n = this.submit(QueueOp.Flush, 0, 0, -1);
    const r = this.await(Q.DONE, n);
    if (r < 0) throw new FsError('EIO', `disk flush failed: ${errnoName(-r)}`);
  }

  close(): void {
    this.submitOpen();
    if (this.next !== this.q.count(Q.DONE)) this.await(Q.DONE, (this.next - 1) >>> 0);
    this.onClose();
  }

  private slot(n: number): number {
    return n % this.q.slots;
  }

  /** A write's checksums, copied out of its slot before the slot is used again. */
  private harvest(t: Sums): Uint32Array {
    if (t.ready) return t.sums;
    this.await(Q.SUMMED, t.n);
    const failed = Atomics.load(this.q.ctl, Q.ERROR);
    if (failed < 0) throw new FsError('EIO', `disk write of block ${t.block} (+${t.sums.length}) failed: ${errnoName(-failed)}`);
    t.sums.set(this.q.sums(this.slot(t.n), t.sums.length));
    t.ready = true;
    const i = this.unharvested.indexOf(t);
    if (i >= 0) this.unharvested.splice(i, 1);
    return t.sums;
  }

  /** Waits until slot (next mod slots) is free: the request that used it last is done. */
  private claim(): void {
    while (this.unharvested.length > 0 && ((this.next - this.unharvested[0]!.n) >>> 0) >= this.q.slots) this.harvest(this.unharvested[0]!);
    const oldest = (this.next - this.q.slots) >>> 0;
    if (((this.next - this.q.count(Q.DONE)) >>> 0) >= this.q.slots) this.await(Q.DONE, oldest);
  }

  /** Fills in and submits request `next` (its slot claimed, its data in place); returns its number. */
  private submit(op: QueueOp, block: number, bytes: number, seed: number): number {
    const n = this.next;
    const s = this.slot(n);
    this.q.setField(s, D.OP, op);
    this.q.setField(s, D.OFFSET, block * BLOCK_SIZE);
    this.q.setField(s, D.LENGTH, bytes);
    this.q.setField(s, D.SEED, seed);
    this.next = (n + 1) >>> 0;
    Atomics.store(this.q.ctl, Q.SUBMITTED, this.next | 0);
    if (Atomics.load(this.q.ctl, Q.SLEEPING) !== 0) Atomics.notify(this.q.ctl, Q.SUBMITTED);
    return n;
  }

  private submitOpen(): void {
    if (this.openBlocks === 0) return;
    const blocks = this.openBlocks;
    this.openBlocks = 0;
    this.submit(QueueOp.Write, this.openStart, blocks * BLOCK_SIZE, -1);
  }

  /** Moves `buf` in slot-sized requests; reads wait for each one, writes go on. */
  private transfer(op: QueueOp, block: number, buf: Uint8Array, seed: number, sums: Uint32Array | null): void {
    const per = this.q.slotBytes / BLOCK_SIZE;
    for (let k = 0; k < buf.length / BLOCK_SIZE; k += per) {
      const part = buf.subarray(k * BLOCK_SIZE, Math.min(buf.length, (k + per) * BLOCK_SIZE));
      this.claim();
      const s = this.slot(this.next);
      if (op === QueueOp.Write) this.q.data(s, part.length).set(part);
      const n = this.submit(op, block + k, part.length, sums ? (seed + k) >>> 0 : -1);
      if (op === QueueOp.Read) this.collect(n, block + k, part, sums?.subarray(k) ?? null);
    }
  }

  /** Waits for read request `n` and copies out its data and checksums. */
  private collect(n: number, block: number, buf: Uint8Array, sums: Uint32Array | null): void {
    const r = this.await(Q.DONE, n, READ_SPIN);
    const blocks = buf.length / BLOCK_SIZE;
    if (r !== buf.length) throw new FsError('EIO', `disk read of block ${block} (+${blocks}) failed: ${r < 0 ? errnoName(-r) : 'short read'}`);
    const s = this.slot(n);
    buf.set(this.q.data(s, buf.length));
    sums?.set(this.q.sums(s, blocks));
  }

  /** Waits until counter `c` has passed request `n`; answers the request's result. */
  private await(c: number, n: number, spin = 0): number {
    const ctl = this.q.ctl;
    const passed = (): boolean => ((Atomics.load(ctl, c) - n - 1) | 0) >= 0;
    for (let i = 0; i < spin && !passed(); i++);
    while (!passed()) {
      if (Atomics.load(ctl, Q.CLOSED)) throw new FsError('EIO', 'disk queue closed');
      Atomics.wait(ctl, c, Atomics.load(ctl, c), 1000);
    }
    return c === Q.DONE ? this.q.field(this.slot(n), D.RESULT) : 0;
  }

  private inWindow(block: number): boolean {
    return this.windowBlocks > 0 && block >= this.windowStart && block < this.windowStart + this.windowBlocks;
  }

  /** Keeps the read window true to what is written over it. */
  private updateWindow(block: number, buf: Uint8Array): void {
    overlayBlocks(this.window, this.windowStart, this.windowBlocks, block, buf);
  }
}
