// Directory operations over a volume: lookup, insert, remove, retarget and listing of the
// hashed bucket table described in dirblock.ts. Callers (mhfs.ts) check permissions, name
// validity and space first; these functions keep the table and the entry count right.
import { BUCKET_HEADER, DirBucket, bucketOf, entrySize, MAX_DIR_BITS, MIN_HASH, nameHash, type DirEntry } from './dirblock.js';
import { BLOCK_SIZE } from './layout.js';
import { fail } from './errors.js';
import type { Volume } from './volume.js';

function bucket(vol: Volume, dirId: number, bits: number, index: number, write: boolean): DirBucket | null {
  const tree = vol.dataTree(dirId);
  const buf = write ? tree.leafForWrite(index) : tree.leaf(index);
  return buf ? DirBucket.parse(buf, `directory node ${dirId} bucket ${index}`, bits, index) : null;
}

export function dirLookup(vol: Volume, dirId: number, name: Uint8Array): DirEntry | null {
  const bits = vol.record(dirId).dirBits;
  if (bits > MAX_DIR_BITS) fail('EIO', `corrupt filesystem: directory node ${dirId}: table of 2^${bits} buckets`);
  const hash = nameHash(name, vol.header.hashSalt);
  const b = bucket(vol, dirId, bits, bucketOf(hash, bits), false);
  const e = b?.find(name, hash);
  return e ? { hash: e.hash, node: e.node, type: e.type, name: e.name.slice() } : null;
}

/** Blocks inserting `name` may dirty, found before anything changes: the bucket's path when
 *  the name fits; otherwise as many doublings of the table as it takes for the name's share of
 *  its bucket to fit (worked out from that bucket's entries, the only ones that can share it). */
export function dirInsertCost(vol: Volume, dirId: number, name: Uint8Array): number {
  const bits = vol.record(dirId).dirBits;
  const path = 2 * vol.dataTree(dirId).height + vol.nodeTree.height + 8;
  const hash = nameHash(name, vol.header.hashSalt);
  const b = bucket(vol, dirId, bits, bucketOf(hash, bits), false);
  const need = entrySize(name.length);
  if (!b || b.free >= need) return path + 2;
  const sizes = [...b.entries()].map((e) => ({ hash: e.hash, size: entrySize(e.name.length) }));
  let cost = path;
  for (let k = 1; bits + k <= MAX_DIR_BITS; k++) {
    const buckets = 2 ** (bits + k);
    cost += buckets + Math.ceil(buckets / 128);
    const mine = bucketOf(hash, bits + k);
    const used = sizes.filter((e) => bucketOf(e.hash, bits + k) === mine).reduce((n, e) => n + e.size, 0);
    if (BUCKET_HEADER + used + need <= BLOCK_SIZE) break;
  }
  return cost;
}

export function dirInsert(vol: Volume, dirId: number, name: Uint8Array, node: number, type: number): void {
  const hash = nameHash(name, vol.header.hashSalt);
  let bits = vol.record(dirId).dirBits;
  for (;;) {
    const b = bucket(vol, dirId, bits, bucketOf(hash, bits), true)!;
    if (b.free >= entrySize(name.length)) {
      b.add({ hash, node, type, name });
      const r = vol.recordForWrite(dirId);
      r.entries = r.entries + 1;
      return;
    }
    if (bits >= MAX_DIR_BITS) fail('ENOSPC', `directory node ${dirId} is full (2^${bits} buckets)`);
    double(vol, dirId, bits);
    bits++;
  }
}

/** Splits every bucket i into 2i and 2i+1, from the top down so no bucket is overwritten
 *  before it is read. */
function double(vol: Volume, dirId: number, bits: number): void {
  const tree = vol.dataTree(dirId);
  for (let i = 2 ** bits - 1; i >= 0; i--) {
    const old = bucket(vol, dirId, bits, i, false);
    const entries = old ? [...old.entries()].map((e) => ({ hash: e.hash, node: e.node, type: e.type, name: e.name.slice() })) : [];
    if (old) tree.leafForWrite(i).fill(0);
    const hi = entries.filter((e) => bucketOf(e.hash, bits + 1) === 2 * i + 1);
    const lo = entries.filter((e) => bucketOf(e.hash, bits + 1) === 2 * i);
    for (const [idx, list] of [[2 * i + 1, hi], [2 * i, lo]] as const) {
      if (list.length === 0) continue;
      const nb = bucket(vol, dirId, bits + 1, idx, true)!;
      nb.clear();
      for (const e of list) nb.add(e);
    }
  }
  vol.recordForWrite(dirId).dirBits = bits + 1;
}

export function dirRemove(vol: Volume, dirId: number, name: Uint8Array): DirEntry {
  const bits = vol.record(dirId).dirBits;
  const hash = nameHash(name, vol.header.hashSalt);
  const idx = bucketOf(hash, bits);
  const probe = bucket(vol, dirId, bits, idx, false);
  if (!probe?.find(name, hash)) fail('ENOENT', `no entry ${new TextDecoder().decode(name)} in directory node ${dirId}`);
  const b = bucket(vol, dirId, bits, idx, true)!;
  const e = b.find(name, hash)!;
  const out = { hash: e.hash, node: e.node, type: e.type, name: e.name.slice() };
  b.remove(e.offset);
  const r = vol.recordForWrite(dirId);
  r.entries = r.entries - 1;
  return out;
}

/** Points an existing name at another node (rename over it). */
export function dirRetarget(vol: Volume, dirId: number, name: Uint8Array, node: number, type: number): void {
  const bits = vol.record(dirId).dirBits;
  const hash = nameHash(name, vol.header.hashSalt);
  const b = bucket(vol, dirId, bits, bucketOf(hash, bits), true)!;
  const e = b.find(name, hash);
  if (!e) fail('ENOENT', `no entry ${new TextDecoder().decode(name)} in directory node ${dirId}`);
  b.retarget(e.offset, node, type);
}

export interface ListedEntry extends DirEntry {
  /** Pass this back to continue after this entry. */
  cookie: number;
}

/** Entries after `cookie` in hash order, about `max` of them (a group of names sharing one
 *  hash is never split, so a cookie always resumes exactly after a whole group). */
export function dirList(vol: Volume, dirId: number, cookie: number, max: number): ListedEntry[] {
  const bits = vol.record(dirId).dirBits;
  const out: ListedEntry[] = [];
  const buckets = 2 ** bits;
  const tree = vol.dataTree(dirId);
  for (let i = cookie < MIN_HASH ? 0 : bucketOf(cookie, bits); i < buckets && out.length < max; i++) {
    i = tree.nextLeaf(i); // empty buckets are holes: skip them wholesale
    if (i < 0 || i >= buckets) break;
    const b = bucket(vol, dirId, bits, i, false);
    if (!b) continue;
    const es = [...b.entries()].filter((e) => e.hash > cookie).sort((x, y) => x.hash - y.hash || Buffer.compare(x.name, y.name));
    for (let k = 0; k < es.length; k++) {
      const e = es[k]!;
      if (out.length >= max && e.hash !== out[out.length - 1]!.hash) return out;
      out.push({ hash: e.hash, node: e.node, type: e.type, name: e.name.slice(), cookie: e.hash });
    }
  }
  return out;
}

/** Every entry (fsck, rmdir checks on small directories, tools). */
export function* dirAll(vol: Volume, dirId: number): Generator<DirEntry> {
  let cookie = 0;
  for (;;) {
    const batch = dirList(vol, dirId, cookie, 256);
    if (batch.length === 0) return;
    yield* batch;
    cookie = batch[batch.length - 1]!.cookie;
  }
}
