// Out-of-order bookkeeping for TCP reception: which byte ranges past the in-order point have
// arrived. Offsets are relative to that point (RCV.NXT). A fixed number of ranges is kept in
// a preallocated array; a segment that would need one more is refused (and retransmitted by
// the peer later), so memory stays bounded however the peer misbehaves.
import { TCP_ASSEMBLER_RANGES } from '../params.js';

export class Assembler {
  /** [start0, end0, start1, end1, ...], sorted, disjoint and not touching. */
  private readonly r: Int32Array;
  private n = 0;

  constructor(readonly maxRanges = TCP_ASSEMBLER_RANGES) {
    this.r = new Int32Array(maxRanges * 2);
  }

  get rangeCount(): number {
    return this.n;
  }
  get isEmpty(): boolean {
    return this.n === 0;
  }
  rangeStart(i: number): number {
    return this.r[2 * i]!;
  }
  rangeEnd(i: number): number {
    return this.r[2 * i + 1]!;
  }

  clear(): void {
    this.n = 0;
  }

  /** Records [offset, offset + len). Returns false, changing nothing, if it needs too many ranges. */
  add(offset: number, len: number): boolean {
    if (len <= 0) return true;
    const start = offset;
    const end = offset + len;
    const r = this.r;
    // First range that ends at or after our start, and first that starts after our end.
    let i = 0;
    while (i < this.n && r[2 * i + 1]! < start) i++;
    let j = i;
    while (j < this.n && r[2 * j]! <= end) j++;
    if (i === j) {
      // Touches nothing: insert a new range at i.
      if (this.n === this.maxRanges) return false;
      r.copyWithin(2 * i + 2, 2 * i, 2 * this.n);
      r[2 * i] = start;
      r[2 * i + 1] = end;
      this.n++;
      return true;
    }
    // Merge ranges i..j-1 with ours into range i.
    r[2 * i] = Math.min(r[2 * i]!, start);
    r[2 * i + 1] = Math.max(r[2 * (j - 1) + 1]!, end);
    r.copyWithin(2 * i + 2, 2 * j, 2 * this.n);
    this.n -= j - i - 1;
    return true;
  }

  /**
   * If a range starts at offset 0, removes it, shifts the rest down by its length and returns
   * that length (the bytes now in order); otherwise 0.
   */
  removeFront(): number {
    if (this.n === 0 || this.r[0] !== 0) return 0;
    const len = this.r[1]!;
    this.r.copyWithin(0, 2, 2 * this.n);
    this.n--;
    for (let k = 0; k < 2 * this.n; k++) this.r[k] = this.r[k]! - len;
    return len;
  }

  /** Shifts every range down by n after n in-order bytes arrived (n must not overlap a range). */
  advance(n: number): void {
    if (n === 0) return;
    let w = 0;
    for (let k = 0; k < this.n; k++) {
      const s = Math.max(0, this.r[2 * k]! - n);
      const e = this.r[2 * k + 1]! - n;
      if (e <= 0) continue;
      this.r[2 * w] = s;
      this.r[2 * w + 1] = e;
      w++;
    }
    this.n = w;
  }
}
