// fsck for MHFS: checks an image without trusting it, then optionally repairs what can be
// repaired without guessing. Exit status in the manner of e2fsck: 0 clean, 1 errors repaired,
// 4 errors left.
//
// Checks, in order: the header ring (the newest valid header, torn or stale slots); every tree
// (node table, bitmap, each node's data): pointers inside the data area, checksums, generation
// not in the future, no block reachable twice; every node record (type, size against its
// blocks, directory buckets well formed, entries naming live nodes of the right type, entry
// counts, link counts, parents); every node reachable from the root; and the bitmap equal to
// the set of reachable blocks (a block in use but marked free would be allocated twice, one
// marked used but unreachable is leaked).
//
// Repairable: link counts, entry counts, parent fields, orphaned nodes (freed), the bitmap and
// the header's counters. Not repairable: checksum failures and malformed blocks (reported with
// the block and what points to it).
import { BLOCK_SIZE, type BlockDevice } from './blockdev.js';
import { Allocator } from './alloc.js';
import { BlockStore } from './store.js';
import { DirBucket, DT_DIR, DT_LNK, DT_REG, MAX_DIR_BITS } from './dirblock.js';
import { FsError } from './errors.js';
import {
  bitmapShape, blockChecksum, HEADER_SLOTS, NODES_PER_BLOCK, PTRS_PER_BLOCK, PTR_SIZE, readPtr, ORPHAN_NODE, ROOT_NODE,
  type BlockPtr, type Header,
} from './layout.js';
import { NodeRecord, NodeType, S_IFMT } from './node.js';
import { Access, Volume } from './volume.js';

export enum FsckStatus {
  Clean = 0,
  Repaired = 1,
  Errors = 4,
}

export interface FsckReport {
  status: FsckStatus;
  errors: string[];
  repaired: string[];
  notes: string[];
  nodes: number;
  usedBlocks: number;
  generation: number;
}

export interface FsckOptions {
  repair?: boolean;
  /** Read every data block and check its checksum (default true). */
  verifyData?: boolean;
}

const MAX_MESSAGES = 200;

interface NodeInfo {
  mode: number;
  nlink: number;
  size: number;
  parent: number;
  entries: number;
  blocks: number;
  refs: number;
  subdirs: number;
  dirParents: number[];
  entriesSeen: number;
  leaves: number;
  /** Named in the orphan directory: unlinked while open, freed at the next mount. */
  orphaned: boolean;
  bad: boolean;
}

class Checker {
  errors: string[] = [];
  fixable: string[] = [];
  notes: string[] = [];
  reach: Uint8Array;
  nodes = new Map<number, NodeInfo>();
  store: BlockStore;
  private dataBuf = new Uint8Array(BLOCK_SIZE);

  constructor(readonly dev: BlockDevice, readonly h: Header, readonly verifyData: boolean) {
    this.reach = new Uint8Array(Math.ceil(h.blockCount / 8));
    this.store = new BlockStore(dev, new Allocator(h.blockCount, new Uint8Array(bitmapShape(h.blockCount).leaves * BLOCK_SIZE)), h.blockCount, h.generation + 1, true);
    for (let b = 0; b < HEADER_SLOTS; b++) this.mark(b, 'header ring');
  }

  error(msg: string): void {
    if (this.errors.length < MAX_MESSAGES) this.errors.push(msg);
    else if (this.errors.length === MAX_MESSAGES) this.errors.push('... more errors not shown');
  }

  /** Marks a block reachable; false (and an error) if it already was. */
  mark(addr: number, where: string): boolean {
    const m = 1 << (addr & 7);
    if (this.reach[addr >>> 3]! & m) {
      this.error(`${where}: block ${addr} is referenced more than once`);
      return false;
    }
    this.reach[addr >>> 3] |= m;
    return true;
  }

  checkPtr(p: BlockPtr, where: string): boolean {
    if (p.addr < HEADER_SLOTS || p.addr >= this.h.blockCount) {
      this.error(`${where}: pointer to block ${p.addr}, outside the data area`);
      return false;
    }
    if (p.generation > (this.h.generation >>> 0) && this.h.generation < 2 ** 32) {
      this.error(`${where}: block ${p.addr} claims generation ${p.generation}, after the header's ${this.h.generation}`);
      return false;
    }
    return this.mark(p.addr, where);
  }

  /** Walks a tree; calls `leaf` with each leaf's index and pointer (already marked). */
  walk(root: BlockPtr, height: number, where: string, leaf: (index: number, p: BlockPtr) => void): void {
    const visit = (p: BlockPtr, level: number, base: number): void => {
      if (p.addr === 0) return;
      if (!this.checkPtr(p, where)) return;
      if (level === 0) return leaf(base, p);
      let buf: Uint8Array;
      try {
        buf = this.store.read(p, `${where} pointer block at level ${level}`);
      } catch (e) {
        this.error((e as Error).message.replace(/^EIO: corrupt filesystem: /, ''));
        return;
      }
      const v = new DataView(buf.buffer);
      const span = PTRS_PER_BLOCK ** (level - 1);
      for (let i = 0; i < PTRS_PER_BLOCK; i++) {
        let child: BlockPtr;
        try {
          child = readPtr(v, i * PTR_SIZE, where);
        } catch (e) {
          this.error(`${where}: block ${p.addr} entry ${i}: ${(e as Error).message}`);
          continue;
        }
        visit(child, level - 1, base + i * span);
      }
    };
    visit(root, height, 0);
  }

  readMeta(p: BlockPtr, where: string): Uint8Array | null {
    try {
      return this.store.read(p, where);
    } catch (e) {
      this.error((e as Error).message.replace(/^EIO: corrupt filesystem: /, ''));
      return null;
    }
  }

  checkDataBlock(p: BlockPtr, where: string): void {
    if (!this.verifyData) return;
    this.dev.read(p.addr, this.dataBuf);
    if (blockChecksum(this.dataBuf, p.addr) !== p.checksum) this.error(`${where} (block ${p.addr}): checksum mismatch`);
  }

  /** Node table: every live record, its type and its data tree. */
  nodeTable(): void {
    this.walk(this.h.nodeRoot, this.h.nodeHeight, 'node table', (leafIdx, p) => {
      const buf = this.readMeta(p, `node table leaf ${leafIdx}`);
      if (!buf) return;
      for (let s = 0; s < NODES_PER_BLOCK; s++) {
        const id = leafIdx * NODES_PER_BLOCK + s;
        const r = new NodeRecord(buf, id);
        if (r.isFree) continue;
        if (id === 0 || id >= this.h.nodeHighWater) {
          this.error(`node ${id}: in use but outside 1..${this.h.nodeHighWater - 1}`);
          continue;
        }
        this.node(r);
      }
    });
  }

  private node(r: NodeRecord): void {
    const id = r.id;
    const where = `node ${id}`;
    const info: NodeInfo = { mode: r.mode, nlink: r.nlink, size: 0, parent: 0, entries: 0, blocks: 0, refs: 0, subdirs: 0, dirParents: [], entriesSeen: 0, leaves: 0, orphaned: false, bad: false };
    this.nodes.set(id, info);
    try {
      info.size = r.size;
      info.parent = r.parent;
      info.entries = r.entries;
      info.blocks = r.blocks;
      r.dataRoot;
    } catch (e) {
      this.error(`${where}: ${(e as Error).message}`);
      info.bad = true;
      return;
    }
    const type = r.type;
    if (type === null) {
      this.error(`${where}: unknown file type in mode ${(r.mode & S_IFMT).toString(8)}`);
      info.bad = true;
      return;
    }
    if (r.dataHeight > 6) {
      this.error(`${where}: data tree height ${r.dataHeight}`);
      info.bad = true;
      return;
    }
    let leaves = 0;
    if (type === NodeType.Directory) {
      const bits = r.dirBits;
      if (bits > MAX_DIR_BITS) {
        this.error(`${where}: directory table of 2^${bits} buckets`);
        info.bad = true;
        return;
      }
      this.walk(r.dataRoot, r.dataHeight, `${where} directory`, (idx, p) => {
        leaves++;
        if (idx >= 2 ** bits) this.error(`${where}: bucket ${idx} beyond the table of ${2 ** bits}`);
        const buf = this.readMeta(p, `${where} bucket ${idx}`);
        if (!buf) return;
        let b: DirBucket;
        try {
          b = DirBucket.parse(buf, `${where} bucket ${idx}`, bits, idx);
        } catch (e) {
          this.error((e as Error).message.replace(/^EIO: corrupt filesystem: /, ''));
          return;
        }
        for (const e of b.entries()) this.entry(id, e.node, e.type, new TextDecoder().decode(e.name));
      });
    } else {
      const maxLeaves = Math.ceil(info.size / BLOCK_SIZE);
      this.walk(r.dataRoot, r.dataHeight, `${where} data`, (idx, p) => {
        leaves++;
        if (idx >= maxLeaves) this.error(`${where}: data block ${idx} beyond the size ${info.size}`);
        this.checkDataBlock(p, `${where} data block ${idx}`);
      });
      if (type === NodeType.Symlink && (info.size === 0 || info.size > 4095)) this.error(`${where}: symlink target of ${info.size} bytes`);
    }
    info.leaves = leaves;
    if (type !== NodeType.Directory && leaves !== info.blocks) this.fixable.push(`${where}: holds ${leaves} data blocks, record says ${info.blocks}`);
  }

  private entries: { dir: number; node: number; type: number; name: string }[] = [];

  private entry(dir: number, node: number, type: number, name: string): void {
    this.entries.push({ dir, node, type, name });
  }

  /** Cross-checks directory entries against the nodes they name. */
  links(): Set<number> {
    for (const e of this.entries) {
      const d = this.nodes.get(e.dir)!;
      d.entriesSeen++;
      const n = this.nodes.get(e.node);
      if (!n) {
        this.error(`directory node ${e.dir}: entry ${JSON.stringify(e.name)} names node ${e.node}, which is free`);
        continue;
      }
      const want = (n.mode & S_IFMT) === 0o040000 ? DT_DIR : (n.mode & S_IFMT) === 0o120000 ? DT_LNK : DT_REG;
      if (e.type !== want) this.error(`directory node ${e.dir}: entry ${JSON.stringify(e.name)} has type ${e.type}, node ${e.node} is ${want}`);
      if (e.dir === ORPHAN_NODE) {
        if (want === DT_DIR) this.error(`orphan directory: entry ${JSON.stringify(e.name)} is a directory`);
        if (e.name !== String(e.node)) this.error(`orphan directory: entry ${JSON.stringify(e.name)} names node ${e.node}`);
        n.orphaned = true;
        continue;
      }
      n.refs++;
      if (want === DT_DIR) {
        d.subdirs++;
        n.dirParents.push(e.dir);
      }
    }
    // Reachability from the root, over directory entries.
    const seen = new Set<number>([ROOT_NODE, ORPHAN_NODE]);
    const byDir = new Map<number, number[]>();
    for (const e of this.entries) {
      let l = byDir.get(e.dir);
      if (!l) byDir.set(e.dir, (l = []));
      l.push(e.node);
    }
    const queue = [ROOT_NODE, ORPHAN_NODE];
    while (queue.length) {
      const d = queue.pop()!;
      for (const c of byDir.get(d) ?? []) if (!seen.has(c) && this.nodes.has(c)) {
        seen.add(c);
        queue.push(c);
      }
    }
    const root = this.nodes.get(ROOT_NODE);
    if (!root || (root.mode & S_IFMT) !== 0o040000) this.error('node 1: the root directory is missing or not a directory');
    const orphans = this.nodes.get(ORPHAN_NODE);
    if (!orphans || (orphans.mode & S_IFMT) !== 0o040000) this.error('node 2: the orphan directory is missing or not a directory');
    for (const [id, n] of this.nodes) {
      if (n.bad) continue;
      const isDir = (n.mode & S_IFMT) === 0o040000;
      if (!seen.has(id)) {
        this.fixable.push(`node ${id}: orphan (not reachable from the root${n.nlink === 0 ? ', no links' : ''})`);
        continue;
      }
      if (isDir) {
        const top = id === ROOT_NODE || id === ORPHAN_NODE;
        if (!top && n.dirParents.length !== 1) this.error(`directory node ${id}: named in ${n.dirParents.length} directories`);
        const parent = top ? id : n.dirParents[0];
        if (parent !== undefined && n.parent !== parent) this.fixable.push(`directory node ${id}: parent is ${n.parent}, but it is named in node ${parent}`);
        if (n.nlink !== 2 + n.subdirs) this.fixable.push(`directory node ${id}: link count ${n.nlink}, should be ${2 + n.subdirs}`);
        if (n.entries !== n.entriesSeen) this.fixable.push(`directory node ${id}: entry count ${n.entries}, holds ${n.entriesSeen}`);
      } else if (n.orphaned && n.refs === 0 && n.nlink === 0) {
        this.notes.push(`node ${id}: unlinked while open, to be freed at the next mount`);
      } else if (n.orphaned) {
        this.error(`node ${id}: in the orphan directory but has ${n.nlink} links and ${n.refs} names`);
      } else if (n.nlink !== n.refs) {
        this.fixable.push(`node ${id}: link count ${n.nlink}, named ${n.refs} times`);
      }
    }
    return seen;
  }

  bitmap(): Uint8Array {
    const shape = bitmapShape(this.h.blockCount);
    const used = new Uint8Array(shape.leaves * BLOCK_SIZE);
    if (this.h.bitmapHeight !== shape.height) this.error(`header: bitmap height ${this.h.bitmapHeight}, expected ${shape.height}`);
    this.walk(this.h.bitmapRoot, this.h.bitmapHeight, 'bitmap', (idx, p) => {
      if (idx >= shape.leaves) return this.error(`bitmap: leaf ${idx} beyond the ${shape.leaves} needed`);
      const buf = this.readMeta(p, `bitmap leaf ${idx}`);
      if (buf) used.set(buf, idx * BLOCK_SIZE);
    });
    return used;
  }
}

/** Checks (and with `repair`, fixes) the MHFS on `dev`. Never throws for a bad image. */
export function fsck(dev: BlockDevice, opts: FsckOptions = {}): FsckReport {
  const report: FsckReport = { status: FsckStatus.Clean, errors: [], repaired: [], notes: [], nodes: 0, usedBlocks: 0, generation: 0 };
  let h: Header;
  try {
    h = Volume.newestHeader(dev);
  } catch (e) {
    report.errors.push(e instanceof FsError ? e.message.replace(/^EIO: /, '') : String(e));
    report.status = FsckStatus.Errors;
    return report;
  }
  report.generation = h.generation;
  const c = new Checker(dev, h, opts.verifyData ?? true);
  c.nodeTable();
  const used = c.bitmap();
  const reachable = c.links();
  let leaked = 0;
  let unmarked = 0;
  const firstOf: { leak: number[]; unmarked: number[] } = { leak: [], unmarked: [] };
  for (let b = 0; b < h.blockCount; b++) {
    const r = (c.reach[b >>> 3]! >> (b & 7)) & 1;
    const u = (used[b >>> 3]! >> (b & 7)) & 1;
    if (r && !u) {
      unmarked++;
      if (firstOf.unmarked.length < 8) firstOf.unmarked.push(b);
    } else if (u && !r) {
      leaked++;
      if (firstOf.leak.length < 8) firstOf.leak.push(b);
    }
  }
  let reachCount = 0;
  for (const byte of c.reach) for (let x = byte; x; x &= x - 1) reachCount++;
  if (unmarked) c.fixable.push(`bitmap: ${unmarked} blocks in use are marked free (first: ${firstOf.unmarked.join(', ')})`);
  if (leaked) c.fixable.push(`bitmap: ${leaked} blocks marked used are unreachable (first: ${firstOf.leak.join(', ')})`);
  if (h.usedBlocks !== reachCount && !unmarked && !leaked) c.fixable.push(`header: ${h.usedBlocks} blocks used, counted ${reachCount}`);
  const live = [...c.nodes].filter(([id, n]) => reachable.has(id) && id !== ORPHAN_NODE && !n.orphaned).length;
  if (h.usedNodes !== c.nodes.size) c.fixable.push(`header: ${h.usedNodes} nodes in use, counted ${c.nodes.size}`);
  report.nodes = live;
  report.usedBlocks = reachCount;
  report.errors = c.errors;
  report.notes = c.notes;
  if (c.errors.length) {
    report.errors.push(...c.fixable);
    report.status = FsckStatus.Errors;
    return report;
  }
  if (!c.fixable.length) return report;
  if (!opts.repair) {
    report.errors = c.fixable;
    report.status = FsckStatus.Errors;
    return report;
  }
  repair(dev, c, reachable);
  report.repaired = c.fixable;
  report.status = FsckStatus.Repaired;
  return report;
}

/** Applies the fixable findings through the volume code, then rebuilds the bitmap. */
function repair(dev: BlockDevice, c: Checker, reachable: Set<number>): void {
  const vol = Volume.mount(dev, Access.ReadWrite, false);
  for (const [id, n] of c.nodes) {
    if (!reachable.has(id)) {
      vol.freeNode(id);
      continue;
    }
    const r = vol.record(id);
    const isDir = r.type === NodeType.Directory;
    const want = isDir ? 2 + n.subdirs : n.refs;
    if (r.nlink !== want) vol.recordForWrite(id).nlink = want;
    if (isDir && r.entries !== n.entriesSeen) vol.recordForWrite(id).entries = n.entriesSeen;
    if (isDir && id !== ROOT_NODE && id !== ORPHAN_NODE && n.dirParents[0] !== undefined && r.parent !== n.dirParents[0]) vol.recordForWrite(id).parent = n.dirParents[0];
    if (!isDir && r.blocks !== n.leaves) vol.recordForWrite(id).blocks = n.leaves;
  }
  vol.usedNodes = [...c.nodes.keys()].filter((id) => reachable.has(id)).length;
  // Commit the fixes, then make the bitmap exactly the reachable set of the new tree.
  vol.commit();
  const again = new Checker(dev, vol.header, false);
  again.nodeTable();
  again.bitmap();
  vol.alloc.reset(again.reach);
  vol.commit();
}
