// Block devices: the one narrow interface under MHFS and the GPT code, with three back ends.
//
//   read(block, buf)   fill buf (a whole number of 4 KiB blocks) from `block` on
//   write(block, buf)  write buf (a whole number of blocks) at `block`
//   flush()            return only when everything written so far is durable
//   blockCount         the device's size in blocks
//
// A device may also checksum whole blocks as it moves them (`readSummed`, `writeSummed`): the
// disk queue does, with the host's native CRC, which is several times faster than the portable
// one a MACROHARD program has. `readSummed`/`writeSummed` below use that where it exists and
// compute the same sums here otherwise.
//
// Calls are synchronous: the file daemon serves one request at a time from its own worker, and a
// synchronous pread/pwrite costs a fraction of a promise round trip per call. Offsets and
// lengths are checked here once, so a corrupt pointer can never read or write outside the
// device: it fails with EIO saying which block.
import { openSync, readSync, writeSync, fdatasyncSync, closeSync, fstatSync, ftruncateSync } from 'node:fs';
import { crc32 } from './crc32.js';
import { FsError } from './errors.js';

export const BLOCK_SIZE = 4096;

export interface BlockDevice {
  readonly blockCount: number;
  read(block: number, buf: Uint8Array): void;
  write(block: number, buf: Uint8Array): void;
  flush(): void;
  close(): void;
  /** read, and sums[k] = CRC-32 of block k continued from (seed + k) mod 2^32. */
  readSummed?(block: number, buf: Uint8Array, seed: number, sums: Uint32Array): void;
  /**
   * write, and a function that gives the same sums of what was written: the device may
   * compute them elsewhere, so the caller asks for them only when it needs them.
   */
  writeSummed?(block: number, buf: Uint8Array, seed: number): () => Uint32Array;
}

function sumBlocks(buf: Uint8Array, seed: number, sums: Uint32Array): void {
  for (let k = 0; k < buf.length / BLOCK_SIZE; k++) sums[k] = crc32(buf.subarray(k * BLOCK_SIZE, (k + 1) * BLOCK_SIZE), (seed + k) >>> 0);
}

/** Reads whole blocks and their checksums (MHFS's block checksum when seed is the block's address). */
export function readSummed(dev: BlockDevice, block: number, buf: Uint8Array, seed: number, sums: Uint32Array): void {
  if (dev.readSummed) return dev.readSummed(block, buf, seed, sums);
  dev.read(block, buf);
  sumBlocks(buf, seed, sums);
}

/** Writes whole blocks; the function returned gives their checksums. */
export function writeSummed(dev: BlockDevice, block: number, buf: Uint8Array, seed: number): () => Uint32Array {
  if (dev.writeSummed) return dev.writeSummed(block, buf, seed);
  dev.write(block, buf);
  const sums = new Uint32Array(buf.length / BLOCK_SIZE);
  sumBlocks(buf, seed, sums);
  return () => sums;
}

export function checkRange(dev: { blockCount: number }, block: number, buf: Uint8Array, op: string): void {
  if (buf.length % BLOCK_SIZE !== 0) throw new FsError('EINVAL', `${op}: length ${buf.length} is not a whole number of blocks`);
  const n = buf.length / BLOCK_SIZE;
  if (!Number.isSafeInteger(block) || block < 0 || block + n > dev.blockCount) {
    throw new FsError('EIO', `${op} of block ${block} (+${n}) outside the device (${dev.blockCount} blocks)`);
  }
}

/** A device in memory: tests, and building images before writing them out. */
export class MemoryBlockDevice implements BlockDevice {
  readonly bytes: Uint8Array;
  flushes = 0;
  constructor(readonly blockCount: number, bytes?: Uint8Array) {
    this.bytes = bytes ?? new Uint8Array(blockCount * BLOCK_SIZE);
    if (this.bytes.length < blockCount * BLOCK_SIZE) throw new FsError('EINVAL', 'memory device smaller than its block count');
  }
  read(block: number, buf: Uint8Array): void {
    checkRange(this, block, buf, 'read');
    buf.set(this.bytes.subarray(block * BLOCK_SIZE, block * BLOCK_SIZE + buf.length));
  }
  write(block: number, buf: Uint8Array): void {
    checkRange(this, block, buf, 'write');
    this.bytes.set(buf, block * BLOCK_SIZE);
  }
  flush(): void {
    this.flushes++;
  }
  close(): void {}
}

export enum OpenMode {
  ReadOnly,
  ReadWrite,
}

/** A host file (a disk image) through pread/pwrite; flush is fdatasync. */
export class FileBlockDevice implements BlockDevice {
  readonly blockCount: number;
  private fd: number;
  constructor(readonly path: string, mode: OpenMode = OpenMode.ReadWrite) {
    this.fd = openSync(path, mode === OpenMode.ReadOnly ? 'r' : 'r+');
    this.blockCount = Math.floor(fstatSync(this.fd).size / BLOCK_SIZE);
  }
  /** Creates (or truncates) `path` to `blocks` blocks; the file is sparse until written. */
  static create(path: string, blocks: number): FileBlockDevice {
    const fd = openSync(path, 'w');
    try {
      ftruncateSync(fd, blocks * BLOCK_SIZE);
    } finally {
      closeSync(fd);
    }
    return new FileBlockDevice(path);
  }
  read(block: number, buf: Uint8Array): void {
    checkRange(this, block, buf, 'read');
    let done = 0;
    while (done < buf.length) {
      const n = readSync(this.fd, buf, done, buf.length - done, block * BLOCK_SIZE + done);
      if (n === 0) throw new FsError('EIO', `short read at block ${block} of ${this.path}`);
      done += n;
    }
  }
  write(block: number, buf: Uint8Array): void {
    checkRange(this, block, buf, 'write');
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done, block * BLOCK_SIZE + done);
  }
  flush(): void {
    fdatasyncSync(this.fd);
  }
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** A window of blocks [start, start+count) of another device: a partition. */
export class PartitionBlockDevice implements BlockDevice {
  constructor(readonly disk: BlockDevice, readonly start: number, readonly blockCount: number) {
    if (start < 0 || start + blockCount > disk.blockCount) {
      throw new FsError('EINVAL', `partition blocks ${start}+${blockCount} do not fit the disk (${disk.blockCount} blocks)`);
    }
  }
  read(block: number, buf: Uint8Array): void {
    checkRange(this, block, buf, 'read');
    this.disk.read(this.start + block, buf);
  }
  write(block: number, buf: Uint8Array): void {
    checkRange(this, block, buf, 'write');
    this.disk.write(this.start + block, buf);
  }
  readSummed(block: number, buf: Uint8Array, seed: number, sums: Uint32Array): void {
    checkRange(this, block, buf, 'read');
    readSummed(this.disk, this.start + block, buf, seed, sums);
  }
  writeSummed(block: number, buf: Uint8Array, seed: number): () => Uint32Array {
    checkRange(this, block, buf, 'write');
    return writeSummed(this.disk, this.start + block, buf, seed);
  }
  flush(): void {
    this.disk.flush();
  }
  close(): void {
    this.disk.close();
  }
}

/**
 * Copies into a cached run of blocks (`count` blocks from `start`, held in `cache`) the part of
 * a write of `buf` at `block` that overlaps it, so a read-ahead window stays true to what is
 * written over it.
 */
export function overlayBlocks(cache: Uint8Array, start: number, count: number, block: number, buf: Uint8Array): void {
  if (count === 0) return;
  const from = Math.max(block, start);
  const to = Math.min(block + buf.length / BLOCK_SIZE, start + count);
  if (from >= to) return;
  cache.set(buf.subarray((from - block) * BLOCK_SIZE, (to - block) * BLOCK_SIZE), (from - start) * BLOCK_SIZE);
}
