// The block allocator: the free-space bitmap held in memory while mounted.
//
// Two bitmaps: `used` is what the next commit will write (bit set = block in use by the new
// tree), `blocked` is what the allocator may not hand out: every block in use by the new tree
// *or by the last committed tree*. A block freed during a transaction is cleared in `used`
// but stays set in `blocked` (quarantine) until the commit that stops referring to it is
// durable; only then can it be written again. So a crash at any moment leaves the last
// committed tree intact, and its own bitmap, written with it, is exactly right for it: no
// leak, no double allocation. A block allocated and freed within one transaction (`fresh`)
// was never referenced by a commit and is released at once.
//
// The three sets are bitmaps of one bit per block, and a run is marked a byte at a time where it
// covers whole bytes: a 1 MiB write allocates 256 blocks, and per-block bookkeeping (a Set of
// fresh blocks, one dirty-leaf note per block) was a measurable part of the file daemon's time.
import { FsError } from './errors.js';
import { BITS_PER_BLOCK } from './layout.js';

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let x = b; x; x >>= 1) n += x & 1;
  return n;
});

export class Allocator {
  readonly used: Uint8Array;
  private blocked: Uint8Array;
  /** Blocks allocated since the last commit and not freed since. */
  private fresh: Uint8Array;
  /** Bitmap leaves whose `used` bits changed since the last commit. */
  readonly dirtyLeaves = new Set<number>();
  usedCount = 0;
  private blockedCount = 0;
  private cursor = 0;
  /** The lowest block freed since the last commit: where allocation goes back to after it. */
  private lowestFreed = Infinity;

  constructor(readonly blockCount: number, used: Uint8Array) {
    this.used = used;
    this.blocked = used.slice();
    this.fresh = new Uint8Array(used.length);
    for (let i = 0; i < Math.ceil(blockCount / 8); i++) this.usedCount += POPCOUNT[used[i]!]!;
    this.blockedCount = this.usedCount;
  }

  isUsed(addr: number): boolean {
    return (this.used[addr >>> 3]! & (1 << (addr & 7))) !== 0;
  }

  /** Blocks that can be allocated now. */
  get available(): number {
    return this.blockCount - this.blockedCount;
  }

  private setUsed(addr: number, on: boolean): void {
    const i = addr >>> 3;
    const m = 1 << (addr & 7);
    this.used[i] = on ? this.used[i]! | m : this.used[i]! & ~m;
    this.usedCount += on ? 1 : -1;
    this.dirtyLeaves.add(Math.floor(addr / BITS_PER_BLOCK));
  }

  private setBlocked(addr: number, on: boolean): void {
    const i = addr >>> 3;
    const m = 1 << (addr & 7);
    this.blocked[i] = on ? this.blocked[i]! | m : this.blocked[i]! & ~m;
    this.blockedCount += on ? 1 : -1;
  }

  /** Marks a block in use outside the allocator's choice (mkfs: the header ring). */
  claim(addr: number): void {
    if (this.isUsed(addr)) return;
    this.setUsed(addr, true);
    this.setBlocked(addr, true);
  }

  /** Allocates up to `max` contiguous blocks; returns the first and how many, or count 0. */
  allocRun(max: number): { start: number; count: number } {
    const start = this.findFree();
    if (start < 0) return { start: 0, count: 0 };
    const limit = Math.min(max, this.blockCount - start);
    let count = 0;
    while (count < limit && !this.isBlocked(start + count)) count++;
    setBits(this.used, start, count);
    setBits(this.blocked, start, count);
    setBits(this.fresh, start, count);
    this.usedCount += count;
    this.blockedCount += count;
    const lastLeaf = Math.floor((start + count - 1) / BITS_PER_BLOCK);
    for (let l = Math.floor(start / BITS_PER_BLOCK); l <= lastLeaf; l++) this.dirtyLeaves.add(l);
    this.cursor = start + count;
    return { start, count };
  }

  alloc(): number {
    const r = this.allocRun(1);
    return r.count ? r.start : -1;
  }

  free(addr: number): void {
    // Only a damaged filesystem (two pointers to one block that both check out) gets here.
    if (!this.isUsed(addr)) throw new FsError('EIO', `corrupt filesystem: block ${addr} freed twice (referenced twice?)`);
    this.setUsed(addr, false);
    if (addr < this.lowestFreed) this.lowestFreed = addr;
    if (this.isFresh(addr)) {
      this.fresh[addr >>> 3] = this.fresh[addr >>> 3]! & ~(1 << (addr & 7));
      this.setBlocked(addr, false);
    }
  }

  isFresh(addr: number): boolean {
    return (this.fresh[addr >>> 3]! & (1 << (addr & 7))) !== 0;
  }

  /** fsck: replaces the bitmap with `bits` (the reachable set). Blocks in either the old or
   *  the new bitmap stay unallocatable until the next commit. */
  reset(bits: Uint8Array): void {
    const bytes = Math.ceil(this.blockCount / 8);
    for (let i = 0; i < bytes; i++) {
      this.blocked[i] = this.blocked[i]! | bits[i]!;
      this.used[i] = bits[i]!;
    }
    this.usedCount = 0;
    this.blockedCount = 0;
    for (let i = 0; i < bytes; i++) {
      this.usedCount += POPCOUNT[this.used[i]!]!;
      this.blockedCount += POPCOUNT[this.blocked[i]!]!;
    }
    for (let l = 0; l < Math.ceil(this.blockCount / BITS_PER_BLOCK); l++) this.dirtyLeaves.add(l);
  }

  /** Blocks freed since the last commit that only the next commit makes allocatable. */
  get quarantined(): number {
    return this.blockedCount - this.usedCount;
  }

  /**
   * After a durable commit: quarantined blocks become free, nothing is fresh any more, and
   * allocation goes back to the lowest block freed, so freed space is reused before space never
   * written (a sparse image file stays as large as its data, and a rewrite lands on blocks
   * whose pages the host still holds) while a long write still fills runs in order.
   */
  committed(): void {
    if (this.lowestFreed < this.cursor) this.cursor = this.lowestFreed;
    this.lowestFreed = Infinity;
    this.blocked.set(this.used);
    this.blockedCount = this.usedCount;
    this.fresh.fill(0);
    this.dirtyLeaves.clear();
  }

  private isBlocked(addr: number): boolean {
    return (this.blocked[addr >>> 3]! & (1 << (addr & 7))) !== 0;
  }

  private findFree(): number {
    if (this.blockedCount >= this.blockCount) return -1;
    const a = this.scan(Math.min(this.cursor, this.blockCount), this.blockCount);
    return a >= 0 ? a : this.scan(0, this.cursor);
  }

  /** Next-fit: continuing from where the last run ended keeps sequential writes contiguous. */
  private scan(from: number, to: number): number {
    let addr = from;
    while (addr < to) {
      if ((addr & 7) === 0 && this.blocked[addr >>> 3] === 0xff) {
        addr += 8;
        continue;
      }
      if (!this.isBlocked(addr)) return addr;
      addr++;
    }
    return -1;
  }
}

/** Sets bits [from, from + n) of `bits`: whole bytes at once. */
function setBits(bits: Uint8Array, from: number, n: number): void {
  let a = from;
  const end = from + n;
  while (a < end && (a & 7) !== 0) {
    bits[a >>> 3] = bits[a >>> 3]! | (1 << (a & 7));
    a++;
  }
  if (end - a >= 8) {
    const wholeEnd = end - (end % 8);
    bits.fill(0xff, a / 8, wholeEnd / 8);
    a = wholeEnd;
  }
  while (a < end) {
    bits[a >>> 3] = bits[a >>> 3]! | (1 << (a & 7));
    a++;
  }
}
