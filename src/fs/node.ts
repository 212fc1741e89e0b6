// The MHFS node (inode) record: 256 bytes, 16 to a block in the leaves of the node tree.
// Node id n lives in leaf n / 16, slot n % 16. A slot whose mode is 0 is free; node 0 is
// never used and node 1 is the root directory.
//
//   0 mode u32   4 uid u32   8 gid u32   12 nlink u32   16 size u64
//   24 atime  40 mtime  56 ctime  72 btime    each { sec i64, nsec u32, pad u32 }
//   88 parent u64 (directories: the directory holding it; the root: itself)
//   96 generation u32 (bumped each time the slot is reused)   100 flags u32
//   104 data root (block pointer, 16)   120 data height u32   124 dir bits u32
//   128 entries u64 (directories: number of names)   136 blocks u64 (data blocks held)
//   144..255 reserved, zero
import { BlockPtr, NODE_SIZE, readI64, readPtr, readU64, writeI64, writePtr, writeU64 } from './layout.js';

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const PERM_MASK = 0o7777;

export enum NodeType {
  File = S_IFREG,
  Directory = S_IFDIR,
  Symlink = S_IFLNK,
}

export function nodeTypeOf(mode: number): NodeType | null {
  const t = mode & S_IFMT;
  return t === S_IFREG || t === S_IFDIR || t === S_IFLNK ? (t as NodeType) : null;
}

const N = {
  mode: 0, uid: 4, gid: 8, nlink: 12, size: 16, atime: 24, mtime: 40, ctime: 56, btime: 72, parent: 88,
  generation: 96, flags: 100, dataRoot: 104, dataHeight: 120, dirBits: 124, entries: 128, blocks: 136,
} as const;

export interface Timespec {
  sec: number;
  nsec: number;
}

export function now(): Timespec {
  const ms = Date.now();
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1_000_000 };
}

/** A view of one node record inside a node-tree leaf. Short-lived: take it, use it, drop it. */
export class NodeRecord {
  private v: DataView;
  constructor(buf: Uint8Array, readonly id: number) {
    const off = (id % (buf.length / NODE_SIZE)) * NODE_SIZE;
    this.v = new DataView(buf.buffer, buf.byteOffset + off, NODE_SIZE);
  }
  private where(): string {
    return `node ${this.id}`;
  }
  get mode(): number { return this.v.getUint32(N.mode, true); }
  set mode(x: number) { this.v.setUint32(N.mode, x, true); }
  get uid(): number { return this.v.getUint32(N.uid, true); }
  set uid(x: number) { this.v.setUint32(N.uid, x, true); }
  get gid(): number { return this.v.getUint32(N.gid, true); }
  set gid(x: number) { this.v.setUint32(N.gid, x, true); }
  get nlink(): number { return this.v.getUint32(N.nlink, true); }
  set nlink(x: number) { this.v.setUint32(N.nlink, x, true); }
  get size(): number { return readU64(this.v, N.size, this.where()); }
  set size(x: number) { writeU64(this.v, N.size, x); }
  get parent(): number { return readU64(this.v, N.parent, this.where()); }
  set parent(x: number) { writeU64(this.v, N.parent, x); }
  get generation(): number { return this.v.getUint32(N.generation, true); }
  set generation(x: number) { this.v.setUint32(N.generation, x >>> 0, true); }
  get flags(): number { return this.v.getUint32(N.flags, true); }
  set flags(x: number) { this.v.setUint32(N.flags, x, true); }
  get dataRoot(): BlockPtr { return readPtr(this.v, N.dataRoot, this.where()); }
  set dataRoot(p: BlockPtr) { writePtr(this.v, N.dataRoot, p); }
  get dataHeight(): number { return this.v.getUint32(N.dataHeight, true); }
  set dataHeight(x: number) { this.v.setUint32(N.dataHeight, x, true); }
  get dirBits(): number { return this.v.getUint32(N.dirBits, true); }
  set dirBits(x: number) { this.v.setUint32(N.dirBits, x, true); }
  get entries(): number { return readU64(this.v, N.entries, this.where()); }
  set entries(x: number) { writeU64(this.v, N.entries, x); }
  get blocks(): number { return readU64(this.v, N.blocks, this.where()); }
  set blocks(x: number) { writeU64(this.v, N.blocks, x); }

  private time(off: number): Timespec {
    return { sec: readI64(this.v, off), nsec: this.v.getUint32(off + 8, true) };
  }
  private setTime(off: number, t: Timespec): void {
    writeI64(this.v, off, t.sec);
    this.v.setUint32(off + 8, t.nsec, true);
  }
  get atime(): Timespec { return this.time(N.atime); }
  set atime(t: Timespec) { this.setTime(N.atime, t); }
  get mtime(): Timespec { return this.time(N.mtime); }
  set mtime(t: Timespec) { this.setTime(N.mtime, t); }
  get ctime(): Timespec { return this.time(N.ctime); }
  set ctime(t: Timespec) { this.setTime(N.ctime, t); }
  get btime(): Timespec { return this.time(N.btime); }
  set btime(t: Timespec) { this.setTime(N.btime, t); }

  get type(): NodeType | null { return nodeTypeOf(this.mode); }
  get isFree(): boolean { return this.mode === 0; }

  /** Clears the record to a free slot, keeping the generation so a reused id is told apart. */
  clear(): void {
    const gen = this.generation;
    new Uint8Array(this.v.buffer, this.v.byteOffset, NODE_SIZE).fill(0);
    this.generation = gen;
  }
}

/** What stat() returns; the daemon turns it into the ABI's stat layout. */
export interface Stat {
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  blocks: number; // 512-byte units, as st_blocks counts
  blksize: number;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  btime: Timespec;
  generation: number;
}
