// Block trees: the one structure under every variable-sized thing in MHFS (the node table,
// each file's data, each directory's buckets, the free-space bitmap). A tree of height h maps
// leaf indices 0 .. 256^h - 1: pointer blocks of 256 block pointers, h levels of them, then the
// leaves. Height 0 is a single leaf, pointed to by the root pointer itself. A null pointer is
// a hole: a leaf of zeros (a sparse file range, an empty bucket, a free node block).
//
// Copy-on-write happens at commit, not at each change: changed blocks are kept in memory,
// marked dirty with the path above them, and `flush` writes each dirty block to a block not
// referenced by the last commit (or where it already is, if it was allocated in this
// transaction), children before parents, filling each parent's pointer with the child's new
// address and checksum. File data leaves are the exception: they are written straight to fresh
// blocks by the file code, which then sets their pointers here.
//
// A run of data leaves may be set before its checksums are known (the disk queue's host thread
// computes them while it writes, docs/mhfs.md section 14): the run is kept as pending, and its
// checksums are put in before any leaf in its range is read or changed, before a truncate, and
// at flush. So no pointer is ever read or committed without its checksum, and a file written in
// order never waits for them: each run lands beyond the pending ones.
import { BLOCK_SIZE } from './blockdev.js';
import { corrupt } from './errors.js';
import { blockChecksum, MAX_TREE_HEIGHT, NULL_PTR, PTRS_PER_BLOCK, PTR_CHECKSUM, PTR_SIZE, readPtr, readU64, writePtr, writePtrFields, type BlockPtr } from './layout.js';
import type { BlockStore } from './store.js';

export enum LeafKind {
  /** Leaves are file data: not cached here; the caller reads and writes them. */
  Data,
  /** Leaves are metadata blocks, cached and written at commit. */
  Meta,
}

/** A block of the tree held in memory: a pointer block, or a metadata leaf. */
class TreeBlock {
  dirty = false;
  kids: (TreeBlock | undefined)[] | null = null;
  readonly view: DataView;
  constructor(public ptr: BlockPtr, readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, BLOCK_SIZE);
  }
}

/** Data leaves [first, first + count) pointing at blocks [addr, addr + count), checksums to come. */
interface PendingRun {
  first: number;
  count: number;
  addr: number;
  generation: number;
  sums: () => Uint32Array;
}

export class BlockTree {
  private root: TreeBlock | null = null;
  private rootDirty = false;
  /** Runs whose checksums are still to come, and the range of leaves they span (empty: lo = hi). */
  private pending: PendingRun[] = [];
  private pendingLo = 0;
  private pendingHi = 0;

  constructor(
    private store: BlockStore,
    public rootPtr: BlockPtr,
    public height: number,
    readonly kind: LeafKind,
    readonly name: string,
    /** Whether an all-zero metadata leaf is stored as a hole (not for the bitmap). */
    readonly zeroLeavesAreHoles = true,
  ) {
    if (height > MAX_TREE_HEIGHT) corrupt(name, `tree height ${height} beyond ${MAX_TREE_HEIGHT}`);
  }

  get dirty(): boolean {
    return this.rootDirty || (this.root?.dirty ?? false);
  }

  get capacity(): number {
    return PTRS_PER_BLOCK ** this.height;
  }

  private load(ptr: BlockPtr, what: string): TreeBlock {
    return new TreeBlock(ptr, this.store.read(ptr, `${this.name}: ${what}`));
  }

  private markDirty(b: TreeBlock): void {
    if (!b.dirty) {
      b.dirty = true;
      this.store.noteDirty();
    }
  }

  private rootBlock(create: boolean): TreeBlock | null {
    if (!this.root) {
      if (this.rootPtr.addr === 0) {
        if (!create) return null;
        this.root = new TreeBlock(NULL_PTR, new Uint8Array(BLOCK_SIZE));
      } else {
        this.root = this.load(this.rootPtr, this.height ? `pointer block at level ${this.height}` : 'leaf 0');
      }
    }
    return this.root;
  }

  private child(parent: TreeBlock, idx: number, level: number, create: boolean): TreeBlock | null {
    parent.kids ??= new Array(PTRS_PER_BLOCK);
    let c = parent.kids[idx];
    if (c) return c;
    const ptr = readPtr(parent.view, idx * PTR_SIZE, this.name);
    if (ptr.addr === 0) {
      if (!create) return null;
      c = new TreeBlock(NULL_PTR, new Uint8Array(BLOCK_SIZE));
    } else {
      c = this.load(ptr, level ? `pointer block at level ${level}` : `leaf`);
    }
    parent.kids[idx] = c;
    return c;
  }

  /** Makes the tree tall enough to hold leaf `index`. */
  private grow(index: number): void {
    while (index >= this.capacity) {
      if (this.height >= MAX_TREE_HEIGHT) corrupt(this.name, `leaf ${index} beyond the largest tree`);
      if (this.rootPtr.addr === 0 && !this.root) {
        this.height++;
        continue;
      }
      const top = new TreeBlock(NULL_PTR, new Uint8Array(BLOCK_SIZE));
      writePtr(top.view, 0, this.rootPtr);
      top.kids = new Array(PTRS_PER_BLOCK);
      if (this.root) top.kids[0] = this.root;
      this.markDirty(top);
      this.root = top;
      this.rootPtr = NULL_PTR;
      this.rootDirty = true;
      this.height++;
    }
  }

  /** Walks to the pointer block above leaf `index` (height >= 1). */
  private parentOf(index: number, write: boolean): TreeBlock | null {
    let b = this.rootBlock(write);
    if (!b) return null;
    if (write) this.markDirty(b);
    for (let level = this.height; level > 1; level--) {
      const idx = Math.floor(index / PTRS_PER_BLOCK ** (level - 1)) % PTRS_PER_BLOCK;
      const c: TreeBlock | null = this.child(b, idx, level - 1, write);
      if (!c) return null;
      if (write) this.markDirty(c);
      b = c;
    }
    return b;
  }

  /** The pointer to data leaf `index` (NULL_PTR for a hole). */
  leafPtr(index: number): BlockPtr {
    if (index >= this.capacity) return NULL_PTR;
    if (index >= this.pendingLo && index < this.pendingHi) this.settle();
    if (this.height === 0) return this.rootPtr;
    const p = this.parentOf(index, false);
    return p ? readPtr(p.view, (index % PTRS_PER_BLOCK) * PTR_SIZE, this.name) : NULL_PTR;
  }

  /**
   * The addresses of data leaves [first, first + count) into `out` (0 for a hole). Checksums
   * may still be pending: this is for choosing where to write.
   */
  leafAddrs(first: number, count: number, out: Float64Array): void {
    this.readLeaves(first, count, out, null);
  }

  /** The pointers of data leaves [first, first + count): addresses (0 for a hole) and checksums. */
  leafPtrs(first: number, count: number, addrs: Float64Array, checksums: Uint32Array): void {
    if (first < this.pendingHi && first + count > this.pendingLo) this.settle();
    this.readLeaves(first, count, addrs, checksums);
  }

  /** Reads leaf pointers a pointer block at a time. */
  private readLeaves(first: number, count: number, addrs: Float64Array, checksums: Uint32Array | null): void {
    addrs.fill(0, 0, count);
    checksums?.fill(0, 0, count);
    if (this.height === 0) {
      if (first === 0 && count > 0) {
        addrs[0] = this.rootPtr.addr;
        if (checksums) checksums[0] = this.rootPtr.checksum;
      }
      return;
    }
    let i = 0;
    while (i < count && first + i < this.capacity) {
      const index = first + i;
      const slot = index % PTRS_PER_BLOCK;
      const n = Math.min(count - i, PTRS_PER_BLOCK - slot);
      const p = this.parentOf(index, false);
      if (p) {
        for (let k = 0; k < n; k++) addrs[i + k] = readU64(p.view, (slot + k) * PTR_SIZE, this.name);
        if (checksums) for (let k = 0; k < n; k++) checksums[i + k] = p.view.getUint32((slot + k) * PTR_SIZE + PTR_CHECKSUM, true);
      }
      i += n;
    }
  }

  /**
   * Points data leaves [first, first + count) at blocks [addr, addr + count), which the caller
   * has written (or is writing); `sums` gives their checksums when they are first needed.
   */
  setLeafRun(first: number, count: number, addr: number, generation: number, sums: () => Uint32Array): void {
    if (count <= 0) return;
    if (first < this.pendingHi && first + count > this.pendingLo) this.settle();
    this.putRun(first, count, addr, generation, null);
    this.pending.push({ first, count, addr, generation, sums });
    if (this.pendingLo === this.pendingHi) {
      this.pendingLo = first;
      this.pendingHi = first + count;
    } else {
      this.pendingLo = Math.min(this.pendingLo, first);
      this.pendingHi = Math.max(this.pendingHi, first + count);
    }
  }

  /** Puts in the checksums of every pending run; the first failure is thrown after all have
   *  been tried, and a run that failed stays pending. */
  settle(): void {
    if (this.pending.length === 0) return;
    const runs = this.pending;
    this.pending = [];
    let failure: unknown = null;
    for (const r of runs) {
      try {
        this.putRun(r.first, r.count, r.addr, r.generation, r.sums());
      } catch (e) {
        failure ??= e;
        this.pending.push(r);
      }
    }
    this.pendingLo = Math.min(...this.pending.map((r) => r.first));
    this.pendingHi = Math.max(...this.pending.map((r) => r.first + r.count));
    if (this.pending.length === 0) this.pendingLo = this.pendingHi = 0;
    if (failure !== null) throw failure;
  }

  private putRun(first: number, count: number, addr: number, generation: number, sums: Uint32Array | null): void {
    this.grow(first + count - 1);
    if (this.height === 0) {
      this.rootPtr = { addr, checksum: sums ? sums[0]! : 0, generation };
      this.rootDirty = true;
      return;
    }
    let i = 0;
    while (i < count) {
      const index = first + i;
      const slot = index % PTRS_PER_BLOCK;
      const n = Math.min(count - i, PTRS_PER_BLOCK - slot);
      const p = this.parentOf(index, true)!;
      for (let k = 0; k < n; k++) writePtrFields(p.view, (slot + k) * PTR_SIZE, addr + i + k, sums ? sums[i + k]! : 0, generation);
      i += n;
    }
  }

  /** Points data leaf `index` at a block the caller has written. */
  setLeafPtr(index: number, ptr: BlockPtr): void {
    if (index >= this.pendingLo && index < this.pendingHi) this.settle();
    this.grow(index);
    if (this.height === 0) {
      this.rootPtr = ptr;
      this.rootDirty = true;
      return;
    }
    const p = this.parentOf(index, true)!;
    writePtr(p.view, (index % PTRS_PER_BLOCK) * PTR_SIZE, ptr);
  }

  /** Metadata leaf `index` for reading, or null for a hole. The buffer must not be changed. */
  leaf(index: number): Uint8Array | null {
    if (index >= this.capacity) return null;
    if (this.height === 0) return this.rootBlock(false)?.buf ?? null;
    const p = this.parentOf(index, false);
    return p ? (this.child(p, index % PTRS_PER_BLOCK, 0, false)?.buf ?? null) : null;
  }

  /** The first leaf at or after `from` that is stored (or cached), or -1: skips holes a
   *  pointer block at a time, so walking a sparse tree costs what it holds. */
  nextLeaf(from: number): number {
    if (from >= this.capacity) return -1;
    if (this.height === 0) return from === 0 && (this.root || this.rootPtr.addr) ? 0 : -1;
    const r = this.rootBlock(false);
    return r ? this.nextIn(r, this.height, 0, from) : -1;
  }

  private nextIn(b: TreeBlock, level: number, base: number, from: number): number {
    const span = PTRS_PER_BLOCK ** (level - 1);
    for (let idx = Math.max(0, Math.floor((from - base) / span)); idx < PTRS_PER_BLOCK; idx++) {
      const start = base + idx * span;
      if (!b.kids?.[idx] && readPtr(b.view, idx * PTR_SIZE, this.name).addr === 0) continue;
      if (level === 1) return start;
      const c = this.child(b, idx, level - 1, false);
      if (!c) continue;
      const found = this.nextIn(c, level - 1, start, Math.max(from, start));
      if (found >= 0) return found;
    }
    return -1;
  }

  /** Metadata leaf `index` for changing: created if a hole, marked dirty with its path. */
  leafForWrite(index: number): Uint8Array {
    this.grow(index);
    if (this.height === 0) {
      const r = this.rootBlock(true)!;
      this.markDirty(r);
      return r.buf;
    }
    const p = this.parentOf(index, true)!;
    const c = this.child(p, index % PTRS_PER_BLOCK, 0, true)!;
    this.markDirty(c);
    return c.buf;
  }

  /** Frees every leaf at or after `from` (all of them for 0) and the pointer blocks left empty.
   *  Calls `onLeaf` for each data leaf freed. */
  truncate(from: number, onLeaf: (p: BlockPtr) => void = () => {}): void {
    if (from >= this.capacity) return;
    if (this.pendingHi > from) this.settle();
    if (this.height === 0 || from === 0) {
      this.freeSubtree(this.root, this.rootPtr, this.height, onLeaf);
      this.root = null;
      this.rootPtr = NULL_PTR;
      this.rootDirty = true;
      this.height = 0;
      return;
    }
    const r = this.rootBlock(false);
    if (r) this.truncateIn(r, this.height, 0, from, onLeaf);
  }

  private truncateIn(b: TreeBlock, level: number, base: number, from: number, onLeaf: (p: BlockPtr) => void): void {
    const span = PTRS_PER_BLOCK ** (level - 1);
    const first = Math.max(0, Math.floor((from - base) / span));
    this.markDirty(b);
    for (let idx = first; idx < PTRS_PER_BLOCK; idx++) {
      const start = base + idx * span;
      const ptr = readPtr(b.view, idx * PTR_SIZE, this.name);
      const kid = b.kids?.[idx];
      if (!kid && ptr.addr === 0) continue;
      if (start >= from) {
        this.freeSubtree(kid ?? null, ptr, level - 1, onLeaf);
        writePtr(b.view, idx * PTR_SIZE, NULL_PTR);
        if (b.kids) b.kids[idx] = undefined;
      } else if (level > 1) {
        const c = this.child(b, idx, level - 1, false);
        if (c) this.truncateIn(c, level - 1, start, from, onLeaf);
      }
    }
  }

  private freeSubtree(b: TreeBlock | null, ptr: BlockPtr, level: number, onLeaf: (p: BlockPtr) => void): void {
    const own = b ? b.ptr : ptr;
    if (level === 0) {
      if (own.addr === 0) return;
      if (this.kind === LeafKind.Data) onLeaf(own);
      this.store.free(own.addr);
      return;
    }
    if (!b) {
      if (ptr.addr === 0) return;
      b = this.load(ptr, `pointer block at level ${level}`);
    }
    for (let idx = 0; idx < PTRS_PER_BLOCK; idx++) {
      const kid = b.kids?.[idx];
      if (kid) this.freeSubtree(kid, kid.ptr, level - 1, onLeaf);
      else {
        const p = readPtr(b.view, idx * PTR_SIZE, this.name);
        if (p.addr) this.freeSubtree(null, p, level - 1, onLeaf);
      }
    }
    if (own.addr) this.store.free(own.addr);
  }

  /** Gives every dirty block an address not referenced by the last commit, without writing. */
  assignAddresses(): void {
    const visit = (b: TreeBlock | null | undefined): void => {
      if (!b || !b.dirty) return;
      b.kids?.forEach(visit);
      if (!b.ptr.addr || !this.store.isFresh(b.ptr.addr)) {
        const addr = this.store.allocMeta();
        if (b.ptr.addr) this.store.free(b.ptr.addr);
        b.ptr = { addr, checksum: 0, generation: this.store.generation };
      }
    };
    visit(this.root);
  }

  /** Writes every dirty block, children first; returns the new root pointer. */
  flush(): BlockPtr {
    this.settle();
    if (this.root?.dirty) this.rootPtr = this.flushBlock(this.root, this.height);
    if (this.rootPtr.addr === 0) this.root = null;
    this.rootDirty = false;
    return this.rootPtr;
  }

  private flushBlock(b: TreeBlock, level: number): BlockPtr {
    if (!b.dirty) return b.ptr;
    let empty = true;
    if (level > 0) {
      for (let idx = 0; idx < PTRS_PER_BLOCK; idx++) {
        const kid = b.kids?.[idx];
        if (kid?.dirty) {
          const p = this.flushBlock(kid, level - 1);
          writePtr(b.view, idx * PTR_SIZE, p);
          if (p.addr === 0 && b.kids) b.kids[idx] = undefined;
        }
        if (empty && readPtr(b.view, idx * PTR_SIZE, this.name).addr !== 0) empty = false;
      }
    } else {
      empty = this.zeroLeavesAreHoles && b.buf.every((x) => x === 0);
    }
    b.dirty = false;
    if (empty && (level > 0 || this.zeroLeavesAreHoles)) {
      if (b.ptr.addr) this.store.free(b.ptr.addr);
      b.ptr = NULL_PTR;
      return NULL_PTR;
    }
    let addr = b.ptr.addr;
    if (!addr || !this.store.isFresh(addr)) {
      addr = this.store.allocMeta();
      if (b.ptr.addr) this.store.free(b.ptr.addr);
    }
    this.store.write(addr, b.buf);
    b.ptr = { addr, checksum: blockChecksum(b.buf, addr), generation: this.store.generation };
    return b.ptr;
  }

  /** Drops cached blocks (after a commit, when the cache has grown). */
  dropCache(): void {
    if (!this.dirty) this.root = null;
  }
}
