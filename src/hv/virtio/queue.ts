// A split virtqueue (Virtio 1.2 §2.7) as seen by the device, over guest RAM:
//   descriptor table  num x {addr u64, len u32, flags u16, next u16}           16 bytes each
//   available ring    {flags u16, idx u16, ring[num] u16, used_event u16}      written by the driver
//   used ring         {flags u16, idx u16, ring[num] {id u32, len u32}, avail_event u16}
// pop() takes the next available chain and returns its buffers as views into guest RAM (no
// copies): the device reads the driver's buffers and writes into the writable ones, then push()
// returns the chain with the number of bytes written. Malformed chains (loops, addresses outside
// RAM, a readable buffer after a writable one) throw VirtqError; the transport then marks the
// device as needing reset.
import type { GuestRam } from '../memory.js';

const DESC_SIZE = 16;
const DESC_ADDR = 0;
const DESC_LEN = 8;
const DESC_FLAGS = 12;
const DESC_NEXT = 14;
export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;

const AVAIL_FLAGS = 0;
const AVAIL_IDX = 2;
const AVAIL_RING = 4;
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;

const USED_FLAGS = 0;
const USED_IDX = 2;
const USED_RING = 4;
const USED_ELEM_SIZE = 8;

export class VirtqError extends Error {}

export interface Chain {
  /** Head descriptor index: the id returned in the used ring. */
  head: number;
  /** Buffers the device reads, in order. */
  readable: Uint8Array[];
  /** Buffers the device writes, in order. */
  writable: Uint8Array[];
}

export class VirtQueue {
  /** Next available-ring slot the device will consume (free-running 16-bit). */
  lastAvail = 0;

  constructor(
    private readonly ram: GuestRam,
    readonly num: number,
    readonly desc: number,
    readonly avail: number,
    readonly used: number,
  ) {
    if (num === 0 || num > 32768 || (num & (num - 1)) !== 0) throw new VirtqError(`queue size ${num} is not a power of two up to 32768`);
    if (!ram.contains(desc, DESC_SIZE * num) || !ram.contains(avail, AVAIL_RING + 2 * num + 2) || !ram.contains(used, USED_RING + USED_ELEM_SIZE * num + 2)) {
      throw new VirtqError('virtqueue rings outside guest RAM');
    }
  }

  /** True when the driver has made chains available that the device has not taken. */
  get hasWork(): boolean {
    return this.ram.u16(this.avail + AVAIL_IDX) !== (this.lastAvail & 0xffff);
  }

  /** Takes the next available chain, or undefined when there is none. */
  pop(): Chain | undefined {
    if (!this.hasWork) return undefined;
    const slot = this.lastAvail % this.num;
    const head = this.ram.u16(this.avail + AVAIL_RING + 2 * slot);
    this.lastAvail = (this.lastAvail + 1) & 0xffff;
    if (head >= this.num) throw new VirtqError(`descriptor index ${head} out of range`);
    const chain: Chain = { head, readable: [], writable: [] };
    let table = this.desc;
    let size = this.num;
    let i = head;
    let seen = 0;
    let indirect = false;
    for (;;) {
      if (++seen > size) throw new VirtqError('descriptor chain loops');
      const d = table + DESC_SIZE * i;
      const addr = Number(this.ram.u64(d + DESC_ADDR));
      const len = this.ram.u32(d + DESC_LEN);
      const flags = this.ram.u16(d + DESC_FLAGS);
      if (flags & VIRTQ_DESC_F_INDIRECT) {
        if (indirect) throw new VirtqError('nested indirect descriptors');
        if (len % DESC_SIZE !== 0 || len === 0 || !this.ram.contains(addr, len)) throw new VirtqError('bad indirect table');
        table = addr;
        size = len / DESC_SIZE;
        i = 0;
        seen = 0;
        indirect = true;
        continue;
      }
      if (!this.ram.contains(addr, len)) throw new VirtqError(`buffer 0x${addr.toString(16)}+${len} outside guest RAM`);
      const buf = this.ram.slice(addr, len);
      if (flags & VIRTQ_DESC_F_WRITE) chain.writable.push(buf);
      else if (chain.writable.length) throw new VirtqError('readable buffer after a writable one');
      else chain.readable.push(buf);
      if (!(flags & VIRTQ_DESC_F_NEXT)) break;
      i = this.ram.u16(d + DESC_NEXT);
      if (i >= size) throw new VirtqError(`next index ${i} out of range`);
    }
    return chain;
  }

  /** Returns a chain to the driver with `written` bytes in its writable buffers. */
  push(head: number, written: number): void {
    const idx = this.ram.u16(this.used + USED_IDX);
    const e = this.used + USED_RING + USED_ELEM_SIZE * (idx % this.num);
    this.ram.setU32(e, head);
    this.ram.setU32(e + 4, written);
    this.ram.setU16(this.used + USED_IDX, (idx + 1) & 0xffff);
  }

  /** Whether the driver asked not to be interrupted for used buffers. */
  get interruptSuppressed(): boolean {
    return (this.ram.u16(this.avail + AVAIL_FLAGS) & VIRTQ_AVAIL_F_NO_INTERRUPT) !== 0;
  }

  /** The used ring's flags word, for devices that set VIRTQ_USED_F_NO_NOTIFY. */
  setUsedFlags(flags: number): void {
    this.ram.setU16(this.used + USED_FLAGS, flags);
  }
}

/** Copies `src` into a chain's writable buffers; returns bytes copied. */
export function writeToChain(chain: Chain, src: Uint8Array, skip = 0): number {
  let off = 0;
  let toSkip = skip;
  for (const b of chain.writable) {
    if (toSkip >= b.byteLength) {
      toSkip -= b.byteLength;
      continue;
    }
    const n = Math.min(b.byteLength - toSkip, src.byteLength - off);
    b.set(src.subarray(off, off + n), toSkip);
    off += n;
    toSkip = 0;
    if (off === src.byteLength) break;
  }
  return off;
}

/** Concatenates a chain's readable buffers. */
export function readChain(chain: Chain): Uint8Array {
  if (chain.readable.length === 1) return chain.readable[0]!;
  const total = chain.readable.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let p = 0;
  for (const b of chain.readable) {
    out.set(b, p);
    p += b.byteLength;
  }
  return out;
}
