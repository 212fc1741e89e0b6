// File data over a volume: read, write and truncate at any offset, with holes.
//
// Data blocks are copy-on-write like everything else, but written at once rather than at
// commit: a write puts new bytes into blocks allocated in this transaction (which no commit
// refers to, so they may be written before the header that will point at them), and sets the
// leaf pointers in the file's tree with each block's checksum. A block already allocated in
// this transaction is overwritten in place. Full blocks go out in runs of contiguous
// addresses, so a large sequential write costs one pwrite per run; the device gives a run's
// checksums (computed where a native CRC is at hand) and they are put into the pointers when
// the tree is next used, so the file daemon can answer while the host writes.
//
// Invariant: the bytes of the last block beyond the file size are zero (truncate clears them),
// so extending a file never uncovers old data.
import { BLOCK_SIZE, readSummed } from './blockdev.js';
import { fail, FsError } from './errors.js';
import { blockChecksum, PTRS_PER_BLOCK } from './layout.js';
import { now } from './node.js';
import { SpacePurpose, type Volume } from './volume.js';

const MAX_RUN = 256; // blocks per device write (1 MiB)
/** Checksums of the run being read (the device may compute them as it moves the data). */
const runSums = new Uint32Array(MAX_RUN);
/** The pointers of the leaves being read: addresses and checksums. */
const runAddrs = new Float64Array(MAX_RUN);
const runChecks = new Uint32Array(MAX_RUN);
export const MAX_FILE_SIZE = 2 ** 52;

export function readData(vol: Volume, id: number, offset: number, buf: Uint8Array): number {
  const size = vol.record(id).size;
  if (offset >= size || buf.length === 0) return 0;
  const n = Math.min(buf.length, size - offset);
  const tree = vol.dataTree(id);
  let scratch: Uint8Array | null = null;
  let pos = offset;
  while (pos < offset + n) {
    const bi = Math.floor(pos / BLOCK_SIZE);
    const inBlock = pos % BLOCK_SIZE;
    const want = Math.min(BLOCK_SIZE - inBlock, offset + n - pos);
    const dst = pos - offset;
    if (inBlock === 0 && want === BLOCK_SIZE) {
      // Whole blocks: their pointers a pointer block at a time, one pread per run of blocks at
      // consecutive addresses, every block checked against its pointer's checksum.
      const count = Math.min(MAX_RUN, Math.floor((offset + n - pos) / BLOCK_SIZE));
      tree.leafPtrs(bi, count, runAddrs, runChecks);
      let k = 0;
      while (k < count) {
        const addr = runAddrs[k]!;
        if (addr === 0) {
          buf.fill(0, dst + k * BLOCK_SIZE, dst + (k + 1) * BLOCK_SIZE);
          k++;
          continue;
        }
        let j = k + 1;
        while (j < count && runAddrs[j] === addr + (j - k)) j++;
        vol.store.checkAddr(addr, `node ${id} data block ${bi + k}`);
        vol.store.checkAddr(addr + (j - k) - 1, `node ${id} data block ${bi + j - 1}`);
        readSummed(vol.dev, addr, buf.subarray(dst + k * BLOCK_SIZE, dst + j * BLOCK_SIZE), addr, runSums);
        for (let m = k; m < j; m++) {
          if (runSums[m - k] !== runChecks[m]) fail('EIO', `corrupt filesystem: node ${id} data block ${bi + m} (block ${addr + m - k}): checksum mismatch`);
        }
        k = j;
      }
      pos += count * BLOCK_SIZE;
      continue;
    }
    const ptr = tree.leafPtr(bi);
    if (ptr.addr === 0) {
      buf.fill(0, dst, dst + want);
      pos += want;
      continue;
    }
    scratch ??= new Uint8Array(BLOCK_SIZE);
    vol.store.readInto(ptr, scratch, `node ${id} data block ${bi}`);
    buf.set(scratch.subarray(inBlock, inBlock + want), dst);
    pos += want;
  }
  return n;
}

/** Writes `content` (one block) as file block `bi`, copy-on-write. */
function putBlock(vol: Volume, id: number, bi: number, content: Uint8Array): void {
  const tree = vol.dataTree(id);
  const old = tree.leafPtr(bi);
  let addr = old.addr;
  if (!addr || !vol.alloc.isFresh(addr)) {
    addr = vol.alloc.alloc();
    if (addr < 0) fail('ENOSPC', 'no block left');
    if (old.addr) vol.alloc.free(old.addr);
    else addBlocks(vol, id, 1);
  }
  vol.store.write(addr, content);
  tree.setLeafPtr(bi, { addr, checksum: blockChecksum(content, addr), generation: vol.store.generation });
}

function addBlocks(vol: Volume, id: number, n: number): void {
  const r = vol.recordForWrite(id);
  r.blocks = r.blocks + n;
}

/** Space a write of `blocks` blocks may need: the data and the tree above it. */
function writeCost(vol: Volume, id: number, blocks: number): number {
  return blocks + Math.ceil(blocks / PTRS_PER_BLOCK) + vol.dataTree(id).height + vol.nodeTree.height + 4;
}

/** Writes `data` at `offset`; returns the bytes written (short only when the disk filled). */
export function writeData(vol: Volume, id: number, offset: number, data: Uint8Array): number {
  if (offset + data.length > MAX_FILE_SIZE) fail('EFBIG', `write to ${offset + data.length} beyond the largest file`);
  if (data.length === 0) return 0;
  const end = offset + data.length;
  let pos = offset;
  try {
    while (pos < end) {
      const bi = Math.floor(pos / BLOCK_SIZE);
      const inBlock = pos % BLOCK_SIZE;
      const src = pos - offset;
      if (inBlock !== 0 || end - pos < BLOCK_SIZE) {
        // A partial block: read what is there (or zeros), merge, write.
        vol.ensure(writeCost(vol, id, 1));
        const want = Math.min(BLOCK_SIZE - inBlock, end - pos);
        const block = new Uint8Array(BLOCK_SIZE);
        const ptr = vol.dataTree(id).leafPtr(bi);
        if (ptr.addr) vol.store.readInto(ptr, block, `node ${id} data block ${bi}`);
        block.set(data.subarray(src, src + want), inBlock);
        putBlock(vol, id, bi, block);
        pos += want;
        grow(vol, id, pos);
        continue;
      }
      const whole = Math.min(Math.floor((end - pos) / BLOCK_SIZE), MAX_RUN);
      vol.ensure(writeCost(vol, id, whole));
      pos += writeRun(vol, id, bi, data.subarray(src, src + whole * BLOCK_SIZE)) * BLOCK_SIZE;
      grow(vol, id, pos);
    }
  } catch (e) {
    if (e instanceof FsError && e.code === 'ENOSPC' && pos > offset) return finish(vol, id, pos - offset);
    if (pos > offset) finish(vol, id, pos - offset);
    throw e;
  }
  return finish(vol, id, data.length);
}

function grow(vol: Volume, id: number, pos: number): void {
  const r = vol.record(id);
  if (pos > r.size) vol.recordForWrite(id).size = pos;
}

function finish(vol: Volume, id: number, n: number): number {
  const r = vol.recordForWrite(id);
  r.mtime = r.ctime = now();
  return n;
}

/** Addresses of the leaves a run overwrites, reused across writes. */
const oldAddrs = new Float64Array(MAX_RUN);

/**
 * Whole blocks from `bi` on (at most MAX_RUN): where they are already fresh and contiguous,
 * overwritten in place; elsewhere into newly allocated runs, the blocks they replace freed.
 * Each run is one device write whose checksums come later (BlockTree.setLeafRun).
 */
function writeRun(vol: Volume, id: number, bi: number, data: Uint8Array): number {
  const tree = vol.dataTree(id);
  const count = data.length / BLOCK_SIZE;
  const old = oldAddrs;
  tree.leafAddrs(bi, count, old);
  const fresh = (k: number): boolean => old[k]! !== 0 && vol.alloc.isFresh(old[k]!);
  const generation = vol.store.generation;
  let k = 0;
  while (k < count) {
    let j = k + 1;
    let start: number;
    if (fresh(k)) {
      while (j < count && fresh(j) && old[j] === old[k]! + (j - k)) j++;
      start = old[k]!;
    } else {
      while (j < count && !fresh(j)) j++;
      const run = vol.alloc.allocRun(j - k);
      if (run.count === 0) fail('ENOSPC', 'no block left');
      j = k + run.count;
      start = run.start;
      let added = 0;
      for (let m = k; m < j; m++) {
        if (old[m]) vol.alloc.free(old[m]!);
        else added++;
      }
      if (added) addBlocks(vol, id, added);
    }
    const sums = vol.store.writeSummed(start, data.subarray(k * BLOCK_SIZE, j * BLOCK_SIZE));
    tree.setLeafRun(bi + k, j - k, start, generation, sums);
    k = j;
  }
  return count;
}

/** Sets the file's size: frees blocks past it, or leaves a hole up to it. */
export function truncateData(vol: Volume, id: number, size: number): void {
  if (size < 0 || !Number.isSafeInteger(size)) fail('EINVAL', `size ${size}`);
  if (size > MAX_FILE_SIZE) fail('EFBIG', `size ${size} beyond the largest file`);
  const old = vol.record(id).size;
  if (size < old) {
    vol.ensure(writeCost(vol, id, 1) + vol.dataTree(id).height, SpacePurpose.Release);
    // Taken after `ensure`, which may commit and drop the cached trees.
    const tree = vol.dataTree(id);
    let freed = 0;
    tree.truncate(Math.ceil(size / BLOCK_SIZE), () => freed++);
    if (freed) addBlocks(vol, id, -freed);
    const tail = size % BLOCK_SIZE;
    const bi = Math.floor(size / BLOCK_SIZE);
    const ptr = tail ? tree.leafPtr(bi) : null;
    if (ptr && ptr.addr) {
      const block = new Uint8Array(BLOCK_SIZE);
      vol.store.readInto(ptr, block, `node ${id} data block ${bi}`);
      block.fill(0, tail);
      putBlock(vol, id, bi, block);
    }
  }
  const r = vol.recordForWrite(id);
  r.size = size;
  r.mtime = r.ctime = now();
}
