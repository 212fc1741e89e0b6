// The disk as MHFS sees it from inside MACROHARD when the host offers no disk queue (queue.ts)
// or fsd is told `--no-queue`: a block device whose reads and writes are pread/pwrite on a
// descriptor of the disk scheme, and whose flush is fsync.
//
// Each call crosses the kernel to the host's disk, so blocks are moved in runs: writes of
// consecutive blocks are gathered and written together (before any flush, any read of them,
// and any write elsewhere), and a read fetches a window of the blocks that follow, so a file
// read in order costs one call per window. Gathering writes between flushes changes nothing
// MHFS relies on: a device may reorder writes between flushes anyway, and flush still returns
// only when everything before it is durable.

import * as mh from 'libmh';
import { BLOCK_SIZE, checkRange, overlayBlocks, type BlockDevice } from '../../fs/blockdev.js';

/** Blocks in one gathered write or read-ahead window (240 KiB: a metadata miss reads no more). */
const RUN = 60;

export class DescriptorBlockDevice implements BlockDevice {
  readonly blockCount: number;
  private pending = new Uint8Array(RUN * BLOCK_SIZE);
  private pendingStart = -1;
  private pendingBlocks = 0;
  private window = new Uint8Array(RUN * BLOCK_SIZE);
  private windowStart = -1;
  private windowBlocks = 0;

  constructor(private readonly fd: number) {
    this.blockCount = Math.floor(mh.fstat(fd).size / BLOCK_SIZE);
  }

  read(block: number, buf: Uint8Array): void {
    checkRange(this, block, buf, 'read');
    const n = buf.length / BLOCK_SIZE;
    this.writePending();
    if (n === 1 && this.inWindow(block)) {
      const off = (block - this.windowStart) * BLOCK_SIZE;
      buf.set(this.window.subarray(off, off + BLOCK_SIZE));
      return;
    }
    if (n === 1) {
      this.fill(block);
      buf.set(this.window.subarray(0, BLOCK_SIZE));
      return;
    }
    this.pread(block, buf);
  }

  write(block: number, buf: Uint8Array): void {
    checkRange(this, block, buf, 'write');
    const n = buf.length / BLOCK_SIZE;
    this.updateWindow(block, buf);
    if (this.pendingBlocks > 0 && block === this.pendingStart + this.pendingBlocks && this.pendingBlocks + n <= RUN) {
      this.pending.set(buf, this.pendingBlocks * BLOCK_SIZE);
      this.pendingBlocks += n;
      return;
    }
    this.writePending();
    if (n > RUN) {
      mh.write(this.fd, buf, block * BLOCK_SIZE);
      return;
    }
    this.pending.set(buf, 0);
    this.pendingStart = block;
    this.pendingBlocks = n;
  }

  flush(): void {
    this.writePending();
    mh.fsync(this.fd);
  }

  close(): void {
    this.writePending();
    mh.close(this.fd);
  }

  private writePending(): void {
    if (this.pendingBlocks === 0) return;
    mh.write(this.fd, this.pending.subarray(0, this.pendingBlocks * BLOCK_SIZE), this.pendingStart * BLOCK_SIZE);
    this.pendingBlocks = 0;
  }

  private inWindow(block: number): boolean {
    return this.windowBlocks > 0 && block >= this.windowStart && block < this.windowStart + this.windowBlocks;
  }

  /** Reads the window starting at `block` (as many blocks as the device has, up to RUN). */
  private fill(block: number): void {
    const n = Math.min(RUN, this.blockCount - block);
    this.pread(block, this.window.subarray(0, n * BLOCK_SIZE));
    this.windowStart = block;
    this.windowBlocks = n;
  }

  /** Keeps the read window true to what is written over it. */
  private updateWindow(block: number, buf: Uint8Array): void {
    overlayBlocks(this.window, this.windowStart, this.windowBlocks, block, buf);
  }

  private pread(block: number, buf: Uint8Array): void {
    let done = 0;
    while (done < buf.length) {
      const got = mh.read(this.fd, buf.subarray(done), block * BLOCK_SIZE + done);
      if (got === 0) throw new Error(`disk: end of device at block ${block}`);
      done += got;
    }
  }
}
