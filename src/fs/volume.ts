// An MHFS volume: the header ring, the node table, the bitmap and the per-node trees, and the
// commit that makes a transaction durable. The POSIX-shaped operations (mhfs.ts) sit on top.
//
// Commit protocol (docs/mhfs.md, "Commit"): flush every dirty file and directory tree (new
// blocks only), then the node tree, then the bitmap (whose own new blocks are allocated to a
// fixpoint so that it describes itself), flush the device, write the header of the next
// generation into ring slot generation % 16, flush again. Mount takes the valid header with
// the highest generation. Until the header write is durable, nothing the last commit refers to
// has been overwritten, so a crash anywhere leaves the last commit whole.
import { randomBytes, randomU32 } from './entropy.js';
import { BLOCK_SIZE, type BlockDevice } from './blockdev.js';
import { Allocator } from './alloc.js';
import { BlockStore } from './store.js';
import { BlockTree, LeafKind } from './tree.js';
import { FsError, corrupt, fail } from './errors.js';
import {
  bitmapShape, decodeHeader, encodeHeader, HEADER_SLOTS, MIN_BLOCKS, NODES_PER_BLOCK, NULL_PTR, ORPHAN_NODE, ROOT_NODE, PTRS_PER_BLOCK,
  type Header,
} from './layout.js';
import { NodeRecord, NodeType, now, S_IFDIR, type Timespec } from './node.js';

export interface FormatOptions {
  label?: string;
  uuid?: Uint8Array;
  hashSalt?: number;
  time?: Timespec;
  rootMode?: number;
  rootUid?: number;
  rootGid?: number;
}

export enum Access {
  ReadWrite,
  ReadOnly,
}

/** Why space is asked for: operations that free space may dip into a reserve others may not. */
export enum SpacePurpose {
  Grow,
  Release,
}

const GROW_RESERVE = 64; // blocks kept back so that unlink, rmdir and truncate work on a full disk
const COMMIT_SLACK = 8;
/** Knobs for tests: `cacheBlocks` is how many metadata blocks may be read (64 MiB by default)
 *  before the caches are dropped after a commit; tests set it to 0 to drop them every time. */
export const tuning = { cacheBlocks: 16384 };

export class Volume {
  readonly store: BlockStore;
  readonly alloc: Allocator;
  header: Header;
  readonly nodeTree: BlockTree;
  readonly bitmapTree: BlockTree;
  nodeHighWater: number;
  usedNodes: number;
  private trees = new Map<number, BlockTree>();
  private freeIds = new Set<number>();
  private scanCursor = 1;
  private readonly bitmapBlocks: number;
  /** Set when a commit failed half way (a device error): memory no longer matches any
   *  committed state, so further changes are refused until a remount. */
  private failure: string | null = null;

  private constructor(readonly dev: BlockDevice, header: Header, used: Uint8Array, access: Access) {
    this.header = header;
    this.alloc = new Allocator(header.blockCount, used);
    this.store = new BlockStore(dev, this.alloc, header.blockCount, header.generation + 1, access === Access.ReadOnly);
    this.nodeTree = new BlockTree(this.store, header.nodeRoot, header.nodeHeight, LeafKind.Meta, 'node table');
    this.bitmapTree = new BlockTree(this.store, header.bitmapRoot, header.bitmapHeight, LeafKind.Meta, 'bitmap', false);
    this.nodeHighWater = header.nodeHighWater;
    this.usedNodes = header.usedNodes;
    const shape = bitmapShape(header.blockCount);
    let ptrBlocks = 0;
    for (let n = shape.leaves; n > 1; n = Math.ceil(n / PTRS_PER_BLOCK)) ptrBlocks += Math.ceil(n / PTRS_PER_BLOCK);
    this.bitmapBlocks = shape.leaves + ptrBlocks + shape.height;
  }

  /** Writes an empty MHFS (a root directory) on `dev` and returns it mounted. */
  static format(dev: BlockDevice, opts: FormatOptions = {}): Volume {
    const blockCount = dev.blockCount;
    if (blockCount < MIN_BLOCKS) fail('EINVAL', `device of ${blockCount} blocks is too small for MHFS (at least ${MIN_BLOCKS})`);
    const zero = new Uint8Array(HEADER_SLOTS * BLOCK_SIZE);
    dev.write(0, zero);
    const shape = bitmapShape(blockCount);
    const t = opts.time ?? now();
    const header: Header = {
      generation: 0, uuid: opts.uuid ?? randomBytes(16), blockCount,
      hashSalt: opts.hashSalt ?? randomU32(), nodeRoot: NULL_PTR, nodeHeight: 0, bitmapRoot: NULL_PTR,
      bitmapHeight: shape.height, nodeHighWater: ORPHAN_NODE + 1, usedBlocks: 0, usedNodes: 0,
      commitSec: t.sec, commitNsec: t.nsec, label: opts.label ?? '',
    };
    const v = new Volume(dev, header, new Uint8Array(shape.leaves * BLOCK_SIZE), Access.ReadWrite);
    for (let b = 0; b < HEADER_SLOTS; b++) v.alloc.claim(b);
    const root = v.initNode(ROOT_NODE, S_IFDIR | ((opts.rootMode ?? 0o755) & 0o7777), opts.rootUid ?? 0, opts.rootGid ?? 0, t);
    root.nlink = 2;
    root.parent = ROOT_NODE;
    const orphans = v.initNode(ORPHAN_NODE, S_IFDIR | 0o700, 0, 0, t);
    orphans.nlink = 2;
    orphans.parent = ORPHAN_NODE;
    v.usedNodes = 2;
    v.commit(t);
    return v;
  }

  /** Mounts the newest valid header; refuses, saying what and where, if anything is wrong. */
  static mount(dev: BlockDevice, access: Access = Access.ReadWrite, strict = true): Volume {
    const header = Volume.newestHeader(dev);
    const shape = bitmapShape(header.blockCount);
    if (header.bitmapHeight !== shape.height) corrupt('header', `bitmap height ${header.bitmapHeight}, expected ${shape.height} for ${header.blockCount} blocks`);
    const used = new Uint8Array(shape.leaves * BLOCK_SIZE);
    const probe = new Volume(dev, header, used, access);
    for (let i = 0; i < shape.leaves; i++) {
      const leaf = probe.bitmapTree.leaf(i);
      if (leaf) used.set(leaf, i * BLOCK_SIZE);
    }
    const v = new Volume(dev, header, used, access);
    if (!strict) return v; // fsck repairing: it checks the rest itself
    if (v.alloc.usedCount !== header.usedBlocks) corrupt('bitmap', `${v.alloc.usedCount} blocks marked used, header says ${header.usedBlocks}`);
    for (let b = 0; b < HEADER_SLOTS; b++) if (!v.alloc.isUsed(b)) corrupt('bitmap', `header slot block ${b} marked free`);
    if (header.nodeHighWater <= ORPHAN_NODE) corrupt('header', `node high-water mark ${header.nodeHighWater} leaves no root`);
    for (const [id, what] of [[ROOT_NODE, 'root directory'], [ORPHAN_NODE, 'orphan directory']] as const) {
      if (!v.exists(id)) corrupt(`node ${id}`, `the ${what} is missing`);
      const r = v.record(id);
      if (r.type !== NodeType.Directory) corrupt(`node ${id}`, `the ${what} is not a directory (mode ${r.mode.toString(8)})`);
    }
    return v;
  }

  /** Reads the ring and returns the valid header with the highest generation. */
  static newestHeader(dev: BlockDevice): Header {
    if (dev.blockCount < MIN_BLOCKS) corrupt('device', `only ${dev.blockCount} blocks, too small for MHFS`);
    const ring = new Uint8Array(HEADER_SLOTS * BLOCK_SIZE);
    dev.read(0, ring);
    let best: Header | null = null;
    const problems: string[] = [];
    for (let slot = 0; slot < HEADER_SLOTS; slot++) {
      try {
        const h = decodeHeader(ring.subarray(slot * BLOCK_SIZE, (slot + 1) * BLOCK_SIZE), slot, dev.blockCount);
        if (!best || h.generation > best.generation) best = h;
      } catch (e) {
        if (!(e instanceof FsError)) throw e;
        problems.push(e.message.replace(/^EIO: corrupt filesystem: /, ''));
      }
    }
    if (!best) {
      const allEmpty = problems.every((p) => p.includes('empty'));
      corrupt('header ring (blocks 0-15)', allEmpty ? 'no MHFS header (not an MHFS partition?)' : `no valid header: ${problems.filter((p) => !p.includes('empty')).join('; ')}`);
    }
    return best;
  }

  get readOnly(): boolean {
    return this.store.readOnly;
  }

  // ---- nodes ------------------------------------------------------------------------------

  private checkId(id: number): void {
    if (!Number.isSafeInteger(id) || id < 1 || id >= this.nodeHighWater) fail('ENOENT', `no node ${id}`);
  }

  /** The record of a live node, for reading. */
  record(id: number): NodeRecord {
    this.checkId(id);
    const leaf = this.nodeTree.leaf(Math.floor(id / NODES_PER_BLOCK));
    if (!leaf) fail('ENOENT', `no node ${id}`);
    const r = new NodeRecord(leaf, id);
    if (r.isFree) fail('ENOENT', `no node ${id} (free slot)`);
    return r;
  }

  /** The record of a node for changing (its node-table block is marked dirty). */
  recordForWrite(id: number): NodeRecord {
    this.checkId(id);
    return new NodeRecord(this.nodeTree.leafForWrite(Math.floor(id / NODES_PER_BLOCK)), id);
  }

  exists(id: number): boolean {
    if (!Number.isSafeInteger(id) || id < 1 || id >= this.nodeHighWater) return false;
    const leaf = this.nodeTree.leaf(Math.floor(id / NODES_PER_BLOCK));
    return !!leaf && !new NodeRecord(leaf, id).isFree;
  }

  initNode(id: number, mode: number, uid: number, gid: number, t: Timespec): NodeRecord {
    const r = this.recordForWrite(id);
    const gen = r.generation + 1;
    r.clear();
    r.generation = gen;
    r.mode = mode;
    r.uid = uid;
    r.gid = gid;
    r.nlink = 1;
    r.atime = r.mtime = r.ctime = r.btime = t;
    return r;
  }

  /** A free node id: ids freed this mount, then free slots found by scanning, then new ones. */
  allocNodeId(): number {
    for (;;) {
      const it = this.freeIds.values().next();
      if (!it.done) {
        this.freeIds.delete(it.value);
        if (!this.exists(it.value)) return it.value;
        continue;
      }
      if (this.scanCursor < this.nodeHighWater) {
        const leafIdx = Math.floor(this.scanCursor / NODES_PER_BLOCK);
        const leaf = this.nodeTree.leaf(leafIdx);
        const end = Math.min((leafIdx + 1) * NODES_PER_BLOCK, this.nodeHighWater);
        for (let id = Math.max(this.scanCursor, 1); id < end; id++) if (!leaf || new NodeRecord(leaf, id).isFree) this.freeIds.add(id);
        this.scanCursor = end;
        continue;
      }
      return this.nodeHighWater++;
    }
  }

  /** Frees a node and all its data. */
  freeNode(id: number): void {
    this.dataTree(id).truncate(0);
    this.trees.delete(id);
    this.recordForWrite(id).clear();
    this.usedNodes--;
    this.freeIds.add(id);
  }

  /** The tree of a node's data (file bytes, directory buckets, symlink target). */
  dataTree(id: number): BlockTree {
    let t = this.trees.get(id);
    if (!t) {
      const r = this.record(id);
      const kind = r.type === NodeType.Directory ? LeafKind.Meta : LeafKind.Data;
      t = new BlockTree(this.store, r.dataRoot, r.dataHeight, kind, `node ${id} ${kind === LeafKind.Meta ? 'directory' : 'data'}`);
      this.trees.set(id, t);
    }
    return t;
  }

  // ---- space --------------------------------------------------------------------------------

  /** Blocks free to users now (what statvfs reports as available). */
  get freeBlocks(): number {
    return Math.max(0, this.alloc.available - this.store.dirtyBlocks - this.bitmapBlocks - COMMIT_SLACK - GROW_RESERVE);
  }

  /** Fails with ENOSPC unless `blocks` more blocks can be allocated or dirtied and the next
   *  commit still finds room for everything dirty. Called before an operation changes anything.
   *  Blocks freed since the last commit are quarantined; committing releases them. */
  ensure(blocks: number, purpose: SpacePurpose = SpacePurpose.Grow): void {
    if (this.readOnly) fail('EROFS', 'filesystem mounted read-only');
    this.checkHealthy();
    const need = () => blocks + this.store.dirtyBlocks + this.bitmapBlocks + COMMIT_SLACK + (purpose === SpacePurpose.Grow ? GROW_RESERVE : 0);
    if (this.alloc.available >= need()) return;
    if (this.alloc.available < this.alloc.blockCount - this.alloc.usedCount || this.store.dirtyBlocks > 0) {
      this.commit();
      if (this.alloc.available >= need()) return;
    }
    fail('ENOSPC', `no space left: ${blocks} blocks wanted, ${this.alloc.available} free of ${this.alloc.blockCount}`);
  }

  // ---- commit -------------------------------------------------------------------------------

  get dirty(): boolean {
    if (this.nodeTree.dirty || this.alloc.dirtyLeaves.size > 0) return true;
    for (const t of this.trees.values()) if (t.dirty) return true;
    return false;
  }

  private checkHealthy(): void {
    if (this.failure) fail('EIO', `an earlier commit failed (${this.failure}); the filesystem must be remounted`);
  }

  /** Makes everything done so far durable; returns when it is. If it throws, the disk still
   *  holds the last commit whole, and this volume refuses further changes. */
  commit(t: Timespec = now()): void {
    if (this.readOnly) return;
    this.checkHealthy();
    if (!this.dirty && this.header.generation > 0) return;
    try {
      this.writeCommit(t);
    } catch (e) {
      this.failure = (e as Error).message;
      throw e;
    }
  }

  private writeCommit(t: Timespec): void {
    for (const [id, tree] of this.trees) {
      if (!tree.dirty) continue;
      const ptr = tree.flush();
      const r = this.recordForWrite(id);
      r.dataRoot = ptr;
      r.dataHeight = tree.height;
    }
    const nodeRoot = this.nodeTree.flush();
    // The bitmap describes the blocks holding itself: give its dirty blocks their new places
    // until no allocation dirties another bitmap leaf, then copy the bits in and write.
    const handled = new Set<number>();
    for (;;) {
      let added = false;
      for (const leaf of this.alloc.dirtyLeaves) {
        if (handled.has(leaf)) continue;
        this.bitmapTree.leafForWrite(leaf);
        handled.add(leaf);
        added = true;
      }
      this.bitmapTree.assignAddresses();
      if (!added && [...this.alloc.dirtyLeaves].every((l) => handled.has(l))) break;
    }
    for (const leaf of handled) this.bitmapTree.leafForWrite(leaf).set(this.alloc.used.subarray(leaf * BLOCK_SIZE, (leaf + 1) * BLOCK_SIZE));
    const bitmapRoot = this.bitmapTree.flush();
    this.dev.flush();
    const header: Header = {
      ...this.header,
      generation: this.store.generation,
      nodeRoot, nodeHeight: this.nodeTree.height, bitmapRoot, bitmapHeight: this.bitmapTree.height,
      nodeHighWater: this.nodeHighWater, usedBlocks: this.alloc.usedCount, usedNodes: this.usedNodes,
      commitSec: t.sec, commitNsec: t.nsec,
    };
    this.dev.write(header.generation % HEADER_SLOTS, encodeHeader(header));
    this.dev.flush();
    this.header = header;
    this.alloc.committed();
    this.store.generation++;
    this.store.dirtyBlocks = 0;
    if (this.store.loads >= tuning.cacheBlocks) {
      this.store.loads = 0;
      this.trees.clear();
      this.nodeTree.dropCache();
      this.bitmapTree.dropCache();
    }
  }
}
