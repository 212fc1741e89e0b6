// Directory buckets and the name hash. A directory's data is a table of 2^bits bucket blocks
// (bits in the node record). A name's 52-bit hash picks its bucket by its top `bits` bits, so
// the buckets are in hash order: bucket i holds hashes in [i, i+1) * 2^(52-bits). When a
// bucket is full the table doubles, bucket i splitting into 2i and 2i+1. Lookup reads one
// block. readdir walks entries in hash order, so a cookie (the last hash returned) stays valid
// across inserts, removals and doublings.
//
// Bucket block: 0 count u16, 2 end u16 (byte offset past the last entry), 4 reserved u32,
// then entries packed from byte 8:
//   0 hash u64   8 node u64   16 type u8 (DT_REG 8, DT_DIR 4, DT_LNK 10)   17 name length u8
//   18 name (1..255 bytes of UTF-8, no '/' or NUL)
// An empty bucket is all zero, and is stored as a hole.
import { BLOCK_SIZE, readU64, writeU64 } from './layout.js';
import { corrupt } from './errors.js';

export const HASH_BITS = 52;
export const MIN_HASH = 16; // cookies 0..15 are free for ".", ".." and the start
export const MAX_DIR_BITS = 24;
export const NAME_MAX = 255;
export const BUCKET_HEADER = 8;
const ENTRY_FIXED = 18;
export const DT_DIR = 4;
export const DT_REG = 8;
export const DT_LNK = 10;

/** 52-bit salted name hash: two 32-bit multiplicative mixes, finalised as in MurmurHash3. */
export function nameHash(name: Uint8Array, salt: number): number {
  let a = salt ^ 0x2545f491;
  let b = Math.imul(salt, 0x9e3779b1) ^ 0x5bd1e995;
  for (let i = 0; i < name.length; i++) {
    a = Math.imul(a ^ name[i]!, 0x01000193);
    b = Math.imul(b + name[i]! + 1, 0x85ebca6b);
    b ^= b >>> 13;
  }
  a = fmix(a ^ name.length);
  b = fmix(b ^ a);
  const h = (a & 0xfffff) * 0x100000000 + (b >>> 0);
  return h < MIN_HASH ? h + MIN_HASH : h;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export function bucketOf(hash: number, bits: number): number {
  return Math.floor(hash / 2 ** (HASH_BITS - bits));
}

export interface DirEntry {
  hash: number;
  node: number;
  type: number;
  name: Uint8Array;
}

export function entrySize(nameLen: number): number {
  return ENTRY_FIXED + nameLen;
}

/** Buckets already validated (cached blocks change only through this view afterwards), keyed
 *  by the buffer and remembering the table size they were checked for. */
const validated = new WeakMap<Uint8Array, number>();

/** A view of one bucket block; `parse` validates it once so the accessors cannot fail. */
export class DirBucket {
  private v: DataView;
  private constructor(readonly buf: Uint8Array) {
    this.v = new DataView(buf.buffer, buf.byteOffset, BLOCK_SIZE);
  }
  static parse(buf: Uint8Array, where: string, bits: number, index: number): DirBucket {
    const b = new DirBucket(buf);
    if (validated.get(buf) === bits * 0x1000000 + index) return b;
    const count = b.count;
    const end = b.end;
    if (count === 0 && end === 0) return b;
    if (end < BUCKET_HEADER || end > BLOCK_SIZE) corrupt(where, `bucket end ${end} outside the block`);
    let off = BUCKET_HEADER;
    for (let i = 0; i < count; i++) {
      if (off + ENTRY_FIXED > end) corrupt(where, `entry ${i} at byte ${off} runs past the bucket end ${end}`);
      const len = buf[off + 17]!;
      if (len === 0 || off + ENTRY_FIXED + len > end) corrupt(where, `entry ${i} at byte ${off} has a name of ${len} bytes past the end`);
      const hash = readU64(b.v, off, where);
      if (hash < MIN_HASH || hash >= 2 ** HASH_BITS || bucketOf(hash, bits) !== index) corrupt(where, `entry ${i} hash ${hash} does not belong in bucket ${index}`);
      if (readU64(b.v, off + 8, where) === 0) corrupt(where, `entry ${i} points to node 0`);
      const name = buf.subarray(off + ENTRY_FIXED, off + ENTRY_FIXED + len);
      if (name.includes(0) || name.includes(0x2f)) corrupt(where, `entry ${i} name contains NUL or '/'`);
      off += ENTRY_FIXED + len;
    }
    if (off !== end) corrupt(where, `${count} entries end at byte ${off}, bucket says ${end}`);
    validated.set(buf, bits * 0x1000000 + index);
    return b;
  }
  get count(): number { return this.v.getUint16(0, true); }
  get end(): number { return this.v.getUint16(2, true); }
  get free(): number { return BLOCK_SIZE - Math.max(this.end, BUCKET_HEADER); }

  *entries(): Generator<DirEntry & { offset: number }> {
    let off = BUCKET_HEADER;
    for (let i = 0; i < this.count; i++) {
      const len = this.buf[off + 17]!;
      yield {
        offset: off,
        hash: readU64(this.v, off, 'bucket'),
        node: readU64(this.v, off + 8, 'bucket'),
        type: this.buf[off + 16]!,
        name: this.buf.subarray(off + ENTRY_FIXED, off + ENTRY_FIXED + len),
      };
      off += ENTRY_FIXED + len;
    }
  }

  find(name: Uint8Array, hash: number): (DirEntry & { offset: number }) | null {
    for (const e of this.entries()) if (e.hash === hash && equalBytes(e.name, name)) return e;
    return null;
  }

  /** Appends; the caller has checked `free`. */
  add(e: DirEntry): void {
    const off = Math.max(this.end, BUCKET_HEADER);
    writeU64(this.v, off, e.hash);
    writeU64(this.v, off + 8, e.node);
    this.buf[off + 16] = e.type;
    this.buf[off + 17] = e.name.length;
    this.buf.set(e.name, off + ENTRY_FIXED);
    this.v.setUint16(0, this.count + 1, true);
    this.v.setUint16(2, off + ENTRY_FIXED + e.name.length, true);
  }

  /** Rewrites the node and type of the entry at `offset` (rename over an existing name). */
  retarget(offset: number, node: number, type: number): void {
    writeU64(this.v, offset + 8, node);
    this.buf[offset + 16] = type;
  }

  remove(offset: number): void {
    const size = ENTRY_FIXED + this.buf[offset + 17]!;
    const end = this.end;
    this.buf.copyWithin(offset, offset + size, end);
    this.buf.fill(0, end - size, end);
    const count = this.count - 1;
    this.v.setUint16(0, count, true);
    this.v.setUint16(2, count === 0 ? 0 : end - size, true);
  }

  clear(): void {
    this.buf.fill(0);
  }
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
