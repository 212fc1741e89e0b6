// The disk queue: a SharedArrayBuffer through which the file daemon hands block I/O straight
// to a host I/O thread, so that disk data never crosses the kernel's thread. The kernel still
// grants it: the daemon gets the buffer by `fmap` on a descriptor of `/scheme/disk/N` it
// opened (as root, before entering capability mode), and the host thread behind it touches
// that one disk only, checking every request.
//
//   bytes 0..63                Int32 control words (Q below)
//   bytes 64..                 SLOTS request descriptors, 64 bytes each (Float64 fields, D)
//   then                       SLOTS checksum arrays, SUMS_PER_SLOT u32 each
//   then                       SLOTS data windows, SLOT_BYTES each
//
// Requests are numbered 0, 1, 2... and request n uses slot n mod SLOTS. The daemon fills the
// slot, then stores n + 1 in SUBMITTED and, if SLEEPING is set, notifies it (the thread sets
// SLEEPING before it looks at SUBMITTED a last time and sleeps, so one of the two sees the
// other's store). The I/O thread serves requests strictly
// in order: it checksums (a write's data before writing it), stores n + 1 in SUMMED, does the
// I/O, writes the result, stores n + 1 in DONE, and notifies both. So a writer needs to wait only
// for its checksums and may go on while the host writes; a slot is reused only once DONE passed
// it; a flush completes after every write submitted before it. The counters are u32 and wrap;
// comparisons are on differences.
//
// A write that fails sets ERROR (the first -errno, sticky): writes are not waited for, so the
// failure surfaces at the next flush. When the kernel closes the queue (the descriptor is closed,
// the daemon died, the system stops) CLOSED becomes 1 and waiters wake; later requests fail.
//
// Checksums are MHFS's block checksums (docs/mhfs.md section 3): CRC-32 of 4 KiB block k of the
// request continued from `seed + k` (mod 2^32), computed where a native CRC is at hand.

export const Q = {
  MAGIC: 0,      // QUEUE_MAGIC, set by the creator
  SLOTS: 1,      // number of slots
  SLOT_BYTES: 2, // bytes of each data window
  SUBMITTED: 3,  // requests submitted (daemon stores, I/O thread waits on it)
  SUMMED: 4,     // requests whose checksums (and, for reads, data) are ready
  DONE: 5,       // requests complete
  ERROR: 6,      // first failure of a write, -errno; 0 if none
  CLOSED: 7,     // 1 once the queue is closed
  WRITABLE: 8,   // 1 if writes are allowed
  SIZE_LO: 9,    // device size in bytes, low and high 32 bits
  SIZE_HI: 10,
  SLEEPING: 11,  // 1 while the I/O thread sleeps on SUBMITTED: only then must a submitter notify
} as const;

export const QUEUE_MAGIC = 0x4d484451; // "MHDQ"
export const CTL_BYTES = 64;
export const DESC_BYTES = 64;

/** Request descriptor fields, as indices into a Float64Array over the descriptor. */
export const D = {
  OP: 0,      // QueueOp
  OFFSET: 1,  // byte offset on the device (a multiple of BLOCK)
  LENGTH: 2,  // bytes, at most SLOT_BYTES, a multiple of BLOCK
  SEED: 3,    // checksum seed of the first block; -1: no checksums
  RESULT: 4,  // bytes moved, or -errno (written by the I/O thread)
} as const;

export enum QueueOp {
  Read = 1,
  Write = 2,
  Flush = 3,
}

export const BLOCK = 4096;
export const SLOTS = 8;
export const SLOT_BYTES = 1024 * 1024;
export const SUMS_PER_SLOT = SLOT_BYTES / BLOCK;

export function queueBytes(slots = SLOTS, slotBytes = SLOT_BYTES): number {
  return CTL_BYTES + slots * DESC_BYTES + slots * (slotBytes / BLOCK) * 4 + slots * slotBytes;
}

/** Typed views over one queue buffer; both sides build the same views and check the shape. */
export class DiskQueueView {
  readonly ctl: Int32Array;
  readonly slots: number;
  readonly slotBytes: number;
  private readonly descs: Float64Array;
  private readonly sumsArea: Uint32Array;
  private readonly dataArea: Uint8Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    if (buffer.byteLength < CTL_BYTES) throw new RangeError('disk queue: buffer too small');
    this.ctl = new Int32Array(buffer, 0, CTL_BYTES / 4);
    this.slots = this.ctl[Q.SLOTS]!;
    this.slotBytes = this.ctl[Q.SLOT_BYTES]!;
    if (this.ctl[Q.MAGIC] !== QUEUE_MAGIC || this.slots < 1 || this.slots > 64 || this.slotBytes < BLOCK || this.slotBytes % BLOCK !== 0 ||
        buffer.byteLength !== queueBytes(this.slots, this.slotBytes)) {
      throw new RangeError('disk queue: not a disk queue buffer');
    }
    this.descs = new Float64Array(buffer, CTL_BYTES, this.slots * (DESC_BYTES / 8));
    const sumsAt = CTL_BYTES + this.slots * DESC_BYTES;
    this.sumsArea = new Uint32Array(buffer, sumsAt, this.slots * (this.slotBytes / BLOCK));
    this.dataArea = new Uint8Array(buffer, sumsAt + this.sumsArea.byteLength, this.slots * this.slotBytes);
  }

  /** Makes a fresh queue buffer for a device of `size` bytes. */
  static create(size: number, writable: boolean, slots = SLOTS, slotBytes = SLOT_BYTES): DiskQueueView {
    const buffer = new SharedArrayBuffer(queueBytes(slots, slotBytes));
    const ctl = new Int32Array(buffer, 0, CTL_BYTES / 4);
    ctl[Q.MAGIC] = QUEUE_MAGIC;
    ctl[Q.SLOTS] = slots;
    ctl[Q.SLOT_BYTES] = slotBytes;
    ctl[Q.WRITABLE] = writable ? 1 : 0;
    ctl[Q.SIZE_LO] = size % 2 ** 32;
    ctl[Q.SIZE_HI] = Math.floor(size / 2 ** 32);
    return new DiskQueueView(buffer);
  }

  get size(): number {
    return (this.ctl[Q.SIZE_HI]! >>> 0) * 2 ** 32 + (this.ctl[Q.SIZE_LO]! >>> 0);
  }

  get writable(): boolean {
    return this.ctl[Q.WRITABLE] === 1;
  }

  /** Field `f` (a D index) of slot `s`'s descriptor. */
  field(s: number, f: number): number {
    return this.descs[s * (DESC_BYTES / 8) + f]!;
  }

  setField(s: number, f: number, v: number): void {
    this.descs[s * (DESC_BYTES / 8) + f] = v;
  }

  data(s: number, length = this.slotBytes): Uint8Array {
    return this.dataArea.subarray(s * this.slotBytes, s * this.slotBytes + length);
  }

  sums(s: number, blocks = this.slotBytes / BLOCK): Uint32Array {
    const per = this.slotBytes / BLOCK;
    return this.sumsArea.subarray(s * per, s * per + blocks);
  }

  /** Counter `i` (SUBMITTED, SUMMED or DONE) as an unsigned number. */
  count(i: number): number {
    return Atomics.load(this.ctl, i) >>> 0;
  }
}
