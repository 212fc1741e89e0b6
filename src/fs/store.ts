// The block store: the device, the allocator and the transaction's bookkeeping, as the trees
// see them. Every metadata read goes through `read`, which checks the pointer's target lies in
// the data area and the block matches the pointer's checksum, so corruption surfaces as EIO
// naming the block and what pointed to it, never as a wrong answer.
import { BLOCK_SIZE, writeSummed, type BlockDevice } from './blockdev.js';
import { Allocator } from './alloc.js';
import { FsError, corrupt } from './errors.js';
import { blockChecksum, HEADER_SLOTS, type BlockPtr } from './layout.js';

export class BlockStore {
  /** Generation of the transaction being built: the last committed one plus one. */
  generation: number;
  /** Tree blocks made dirty since the last commit; each may need one new block to commit. */
  dirtyBlocks = 0;
  /** Metadata blocks read since the caches were last dropped. */
  loads = 0;
  readonly readOnly: boolean;

  constructor(readonly dev: BlockDevice, readonly alloc: Allocator, readonly blockCount: number, generation: number, readOnly = false) {
    this.generation = generation;
    this.readOnly = readOnly;
  }

  checkAddr(addr: number, where: string): void {
    if (!Number.isSafeInteger(addr) || addr < HEADER_SLOTS || addr >= this.blockCount) {
      corrupt(where, `pointer to block ${addr}, outside the data area ${HEADER_SLOTS}..${this.blockCount - 1}`);
    }
  }

  /** Reads and verifies the block `ptr` points to. */
  read(ptr: BlockPtr, where: string): Uint8Array {
    const buf = new Uint8Array(BLOCK_SIZE);
    this.readInto(ptr, buf, where);
    this.loads++;
    return buf;
  }

  readInto(ptr: BlockPtr, buf: Uint8Array, where: string): void {
    this.checkAddr(ptr.addr, where);
    this.dev.read(ptr.addr, buf);
    const sum = blockChecksum(buf, ptr.addr);
    if (sum !== ptr.checksum) {
      corrupt(where, `block ${ptr.addr} checksum ${sum.toString(16).padStart(8, '0')} does not match ${ptr.checksum.toString(16).padStart(8, '0')} in its pointer`);
    }
  }

  write(addr: number, buf: Uint8Array): void {
    if (this.readOnly) throw new FsError('EROFS', 'filesystem mounted read-only');
    this.dev.write(addr, buf);
  }

  /** Writes whole blocks at `addr`; the function returned gives each one's block checksum. */
  writeSummed(addr: number, buf: Uint8Array): () => Uint32Array {
    if (this.readOnly) throw new FsError('EROFS', 'filesystem mounted read-only');
    return writeSummed(this.dev, addr, buf, addr);
  }

  /** A block for metadata at commit time; the reserve kept by `ensure` makes this succeed. */
  allocMeta(): number {
    const a = this.alloc.alloc();
    if (a < 0) throw new FsError('ENOSPC', 'no block left for metadata at commit (reserve exhausted)');
    return a;
  }

  free(addr: number): void {
    this.alloc.free(addr);
  }

  isFresh(addr: number): boolean {
    return this.alloc.isFresh(addr);
  }

  noteDirty(): void {
    this.dirtyBlocks++;
  }
}
