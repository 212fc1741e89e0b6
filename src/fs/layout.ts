// MHFS on-disk layouts (docs/mhfs.md is the specification): the constants, the block pointer,
// the header. Each layout is a small view over a DataView with its field offsets named once.
// All integers are little-endian. 64-bit fields are read as JavaScript numbers and refused
// (as corruption) above 2^53.
//
// Format history: version 1 (2026-11), the first.
import { BLOCK_SIZE } from './blockdev.js';
import { crc32 } from './crc32.js';
import { corrupt } from './errors.js';

export { BLOCK_SIZE };
export const FORMAT_VERSION = 1;
export const HEADER_MAGIC = 'MHFS\0HDR';
export const HEADER_SLOTS = 16; // blocks 0..15 of the partition: the header ring
export const PTR_SIZE = 16;
export const PTRS_PER_BLOCK = BLOCK_SIZE / PTR_SIZE; // 256
export const NODE_SIZE = 256;
export const NODES_PER_BLOCK = BLOCK_SIZE / NODE_SIZE; // 16
export const BITS_PER_BLOCK = BLOCK_SIZE * 8; // blocks described by one bitmap leaf
export const ROOT_NODE = 1;
/** A directory not reachable by name, holding nodes unlinked while open (named by their id). */
export const ORPHAN_NODE = 2;
export const MAX_TREE_HEIGHT = 6; // 256^6 leaves: far beyond any 64-bit disk
export const MIN_BLOCKS = 64;

export function readU64(v: DataView, off: number, where: string): number {
  const lo = v.getUint32(off, true);
  const hi = v.getUint32(off + 4, true);
  if (hi >= 0x200000) corrupt(where, `64-bit field at byte ${off} is ${hi.toString(16)}_${lo.toString(16).padStart(8, '0')}, beyond 2^53`);
  return hi * 0x100000000 + lo;
}

export function writeU64(v: DataView, off: number, n: number): void {
  v.setUint32(off, n >>> 0, true);
  v.setUint32(off + 4, Math.floor(n / 0x100000000), true);
}

export function readI64(v: DataView, off: number): number {
  return Number(v.getBigInt64(off, true));
}

export function writeI64(v: DataView, off: number, n: number): void {
  v.setBigInt64(off, BigInt(Math.trunc(n)), true);
}

/** Checksum of a block as stored in the pointer to it. Seeding with the address catches a
 *  pointer that leads to a well-formed block written for another place. */
export function blockChecksum(block: Uint8Array, addr: number): number {
  return crc32(block, addr >>> 0);
}

// ---- Block pointer: { addr u64, checksum u32, generation u32 } ---------------------------
// addr 0 is a hole (block 0 is a header slot, never pointed to). generation is the low 32
// bits of the commit generation that wrote the block, for fsck and for reading dumps.
const P = { addr: 0, checksum: 8, generation: 12 } as const;
/** Where a block pointer's checksum lies in it. */
export const PTR_CHECKSUM = P.checksum;

export interface BlockPtr {
  addr: number;
  checksum: number;
  generation: number;
}

export const NULL_PTR: BlockPtr = Object.freeze({ addr: 0, checksum: 0, generation: 0 });

export function readPtr(v: DataView, off: number, where: string): BlockPtr {
  return {
    addr: readU64(v, off + P.addr, where),
    checksum: v.getUint32(off + P.checksum, true),
    generation: v.getUint32(off + P.generation, true),
  };
}

export function writePtr(v: DataView, off: number, p: BlockPtr): void {
  writePtrFields(v, off, p.addr, p.checksum, p.generation);
}

/** writePtr without a BlockPtr object: runs of leaf pointers are written in loops. */
export function writePtrFields(v: DataView, off: number, addr: number, checksum: number, generation: number): void {
  writeU64(v, off + P.addr, addr);
  v.setUint32(off + P.checksum, checksum, true);
  v.setUint32(off + P.generation, generation >>> 0, true);
}

// ---- Header: one 4 KiB block per ring slot ------------------------------------------------
const HD = {
  magic: 0, version: 8, blockSize: 12, uuid: 16, generation: 32, blockCount: 40, ringSlots: 48,
  hashSalt: 52, nodeRoot: 56, nodeHeight: 72, bitmapHeight: 76, bitmapRoot: 80, nodeHighWater: 96,
  usedBlocks: 104, usedNodes: 112, commitSec: 120, commitNsec: 128, flags: 132, label: 136,
  checksum: BLOCK_SIZE - 4,
} as const;
export const LABEL_SIZE = 32;

export interface Header {
  generation: number;
  uuid: Uint8Array;
  blockCount: number;
  hashSalt: number;
  nodeRoot: BlockPtr;
  nodeHeight: number;
  bitmapRoot: BlockPtr;
  bitmapHeight: number;
  nodeHighWater: number;
  usedBlocks: number;
  usedNodes: number;
  commitSec: number;
  commitNsec: number;
  label: string;
}

export function encodeHeader(h: Header): Uint8Array {
  const b = new Uint8Array(BLOCK_SIZE);
  const v = new DataView(b.buffer);
  b.set(new TextEncoder().encode(HEADER_MAGIC), HD.magic);
  v.setUint32(HD.version, FORMAT_VERSION, true);
  v.setUint32(HD.blockSize, BLOCK_SIZE, true);
  b.set(h.uuid.subarray(0, 16), HD.uuid);
  writeU64(v, HD.generation, h.generation);
  writeU64(v, HD.blockCount, h.blockCount);
  v.setUint32(HD.ringSlots, HEADER_SLOTS, true);
  v.setUint32(HD.hashSalt, h.hashSalt >>> 0, true);
  writePtr(v, HD.nodeRoot, h.nodeRoot);
  v.setUint32(HD.nodeHeight, h.nodeHeight, true);
  v.setUint32(HD.bitmapHeight, h.bitmapHeight, true);
  writePtr(v, HD.bitmapRoot, h.bitmapRoot);
  writeU64(v, HD.nodeHighWater, h.nodeHighWater);
  writeU64(v, HD.usedBlocks, h.usedBlocks);
  writeU64(v, HD.usedNodes, h.usedNodes);
  writeU64(v, HD.commitSec, h.commitSec);
  v.setUint32(HD.commitNsec, h.commitNsec, true);
  b.set(new TextEncoder().encode(h.label).subarray(0, LABEL_SIZE), HD.label);
  v.setUint32(HD.checksum, crc32(b.subarray(0, HD.checksum)), true);
  return b;
}

/** Parses the header in ring slot `slot`, or throws EIO saying what is wrong with it. */
export function decodeHeader(b: Uint8Array, slot: number, deviceBlocks: number): Header {
  const where = `header slot ${slot} (block ${slot})`;
  const v = new DataView(b.buffer, b.byteOffset, BLOCK_SIZE);
  const magic = new TextDecoder('latin1').decode(b.subarray(HD.magic, HD.magic + 8));
  if (magic !== HEADER_MAGIC) corrupt(where, b.subarray(0, 8).every((x) => x === 0) ? 'empty (all zero magic)' : `bad magic ${JSON.stringify(magic)}`);
  const sum = v.getUint32(HD.checksum, true);
  const actual = crc32(b.subarray(0, HD.checksum));
  if (sum !== actual) corrupt(where, `checksum ${sum.toString(16)} stored, ${actual.toString(16)} computed`);
  const version = v.getUint32(HD.version, true);
  if (version !== FORMAT_VERSION) corrupt(where, `format version ${version}, this build reads ${FORMAT_VERSION}`);
  if (v.getUint32(HD.blockSize, true) !== BLOCK_SIZE) corrupt(where, `block size ${v.getUint32(HD.blockSize, true)}, expected ${BLOCK_SIZE}`);
  if (v.getUint32(HD.ringSlots, true) !== HEADER_SLOTS) corrupt(where, `ring of ${v.getUint32(HD.ringSlots, true)} slots, expected ${HEADER_SLOTS}`);
  const h: Header = {
    generation: readU64(v, HD.generation, where),
    uuid: b.slice(HD.uuid, HD.uuid + 16),
    blockCount: readU64(v, HD.blockCount, where),
    hashSalt: v.getUint32(HD.hashSalt, true),
    nodeRoot: readPtr(v, HD.nodeRoot, where),
    nodeHeight: v.getUint32(HD.nodeHeight, true),
    bitmapRoot: readPtr(v, HD.bitmapRoot, where),
    bitmapHeight: v.getUint32(HD.bitmapHeight, true),
    nodeHighWater: readU64(v, HD.nodeHighWater, where),
    usedBlocks: readU64(v, HD.usedBlocks, where),
    usedNodes: readU64(v, HD.usedNodes, where),
    commitSec: readU64(v, HD.commitSec, where),
    commitNsec: v.getUint32(HD.commitNsec, true),
    label: new TextDecoder().decode(b.subarray(HD.label, HD.label + LABEL_SIZE)).replace(/\0+$/, ''),
  };
  if (h.generation % HEADER_SLOTS !== slot) corrupt(where, `generation ${h.generation} does not belong in this slot`);
  if (h.blockCount < MIN_BLOCKS || h.blockCount > deviceBlocks) corrupt(where, `block count ${h.blockCount} does not fit the device (${deviceBlocks} blocks)`);
  if (h.nodeHeight > MAX_TREE_HEIGHT || h.bitmapHeight > MAX_TREE_HEIGHT) corrupt(where, `tree height ${h.nodeHeight}/${h.bitmapHeight} beyond ${MAX_TREE_HEIGHT}`);
  for (const [name, p] of [['node tree root', h.nodeRoot], ['bitmap root', h.bitmapRoot]] as const) {
    if (p.addr !== 0 && (p.addr < HEADER_SLOTS || p.addr >= h.blockCount)) corrupt(where, `${name} points to block ${p.addr}, outside the data area`);
  }
  if (h.usedBlocks > h.blockCount) corrupt(where, `${h.usedBlocks} blocks used of ${h.blockCount}`);
  return h;
}

/** Blocks described by the bitmap tree: leaves needed for `blockCount`, and its height. */
export function bitmapShape(blockCount: number): { leaves: number; height: number } {
  const leaves = Math.ceil(blockCount / BITS_PER_BLOCK);
  let height = 0;
  while (PTRS_PER_BLOCK ** height < leaves) height++;
  return { leaves, height };
}
