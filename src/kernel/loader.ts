// Program loading: reads an executable through its scheme and recognises its kind by its
// first bytes — `\0asm` (WebAssembly/WASI), `#MHJS1\n` (an MH-JS bundle built from a
// TypeScript program against libmh), or `#!interpreter [arg]` (run by that interpreter).

import { E, isErr, Redirect, type Result } from '../abi/errno.js';
import { FD_CLOEXEC, O, S } from '../abi/flags.js';
import { preopenNames } from '../abi/preopen.js';
import type { Stat } from '../abi/stat.js';
import { fromUtf8 } from '../abi/wire.js';
import type { ProgramImage } from './host.js';
import type { Kernel } from './kernel.js';
import type { Process } from './process.js';
import { settle } from './settle.js';
import { WouldBlock } from './waitqueue.js';
import { concatBytes } from '../abi/bytes.js';

export const MHJS_MAGIC = '#MHJS1\n';
const MAX_IMAGE = 256 * 1024 * 1024;
const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const MAX_INTERP_DEPTH = 4;

export interface LoadedImage {
  path: string;
  argv: string[];
  image: ProgramImage;
  /** Set-user-id / set-group-id: the ids the program runs with, from its file's owner. */
  setuid: number | null;
  setgid: number | null;
}

/**
 * Recognised images, by path and the file's identity (device, inode, size, mtime, ctime): a
 * program spawned again is neither read nor decoded again — only stat-ed, so permissions are
 * checked each time. One cache per kernel: two kernels in one host have different file daemons,
 * whose inode numbers mean different files. The host's compiler keeps modules by content too,
 * so a file that is read again (renamed, copied, or not yet settled) is not compiled again.
 */
const caches = new WeakMap<Kernel, Map<string, ProgramImage>>();
const CACHE_ENTRIES = 64;

/**
 * How long before it is read a file must have last changed for its identity to stand for its
 * contents (ms). Timestamps have a granularity (a millisecond in ramfsd and MHFS, a second in
 * some file systems): a file rewritten within the same tick as the read, at the same size,
 * would keep its identity while its bytes change. So an image read from a file that changed
 * this recently is used once and not kept, as git treats a "racily clean" index entry; any
 * later change stamps a ctime after the read and so gives the file a new identity.
 */
export const SETTLED_MS = 1000;

/** Names given to images that are not kept, so the thread's script cache never confuses two. */
let unsettledSerial = 0;

function cacheOf(k: Kernel): Map<string, ProgramImage> {
  let c = caches.get(k);
  if (!c) caches.set(k, (c = new Map()));
  return c;
}

interface ReadFile {
  /** The image kept for this identity, or else the file's bytes. */
  known: ProgramImage | null;
  bytes: Uint8Array | null;
  canonical: string;
  key: string;
  /** Whether the file had settled when it was read: its identity then names these bytes. */
  settled: boolean;
  setuid: number | null;
  setgid: number | null;
}

/** Whether `caller` may read the file, by its mode bits as the file daemon's open decides. */
function mayRead(st: Stat, caller: { uid: number; gid: number }): boolean {
  if (caller.uid === 0) return true;
  const bits = caller.uid === st.uid ? st.mode >> 6 : caller.gid === st.gid ? st.mode >> 3 : st.mode;
  return (bits & 4) !== 0;
}

/** The identity the cache knows an image by, and what the file's mode says of running it. */
function identify(canonical: string, st: Stat, needExec: boolean, readAt: number): Result<ReadFile> {
  if ((st.mode & S.IFMT) === S.IFDIR) return E.EACCES;
  if (needExec && (st.mode & S.IFMT) !== 0 && (st.mode & 0o111) === 0) return E.EACCES;
  return {
    known: null, bytes: null, canonical, key: `${canonical}\0${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`,
    settled: Math.max(st.mtimeMs, st.ctimeMs) < readAt - SETTLED_MS,
    setuid: st.mode & S_ISUID ? st.uid : null, setgid: st.mode & S_ISGID ? st.gid : null,
  };
}

async function readFile(k: Kernel, as: Process, path: string, needExec: boolean, depth = 0): Promise<Result<ReadFile>> {
  const r = k.resolve(as, path);
  if (isErr(r)) return r;
  const caller = as.caller();
  const cache = cacheOf(k);
  const readAt = k.host.wallClock();
  // A program started before is recognised by one stat (one request to a file daemon rather
  // than an open and an fstat), as long as the caller could have opened it to read.
  const known = await settle(() => r.scheme.stat(r.ref, false, caller));
  // A missing file is missing for open too; a link out of the scheme is for open to follow.
  if (isErr(known) && !(known instanceof Redirect) && known !== E.EOPNOTSUPP) return known;
  if (!isErr(known) && mayRead(known, caller)) {
    const id = identify(r.canonical, known, needExec, readAt);
    if (isErr(id)) return id;
    id.known = cache.get(id.key) ?? null;
    if (id.known) return id;
  }
  const opened = await settle(() => r.scheme.open(r.ref, O.RDONLY, 0, caller));
  if (opened instanceof Redirect) return depth < 8 ? readFile(k, as, opened.path, needExec, depth + 1) : E.ELOOP;
  if (isErr(opened)) return opened;
  const h = opened.handle;
  try {
    const st = await settle(() => r.scheme.fstat(h));
    if (isErr(st)) return st;
    const id = identify(r.canonical, st, needExec, readAt);
    if (isErr(id)) return id;
    id.known = cache.get(id.key) ?? null;
    if (id.known) return id;
    if (st.size > MAX_IMAGE) return E.EFBIG;
    // One request for the whole file as fstat sized it (a file daemon answers a read of a
    // regular file in full up to its end), then more only if it turns out to have grown.
    const chunks: Uint8Array[] = [];
    let total = 0;
    let want = Math.max(st.size + 1, 4096);
    for (;;) {
      const buf = new Uint8Array(want);
      const n = await settle(() => r.scheme.read(h, buf, total, caller));
      if (isErr(n)) return n;
      const got = typeof n === 'number' ? buf.subarray(0, n) : n;
      if (got.length === 0) break;
      chunks.push(typeof n === 'number' ? got : got.slice());
      total += got.length;
      if (total > MAX_IMAGE) return E.EFBIG;
      // Short of what was asked, past the size fstat gave: the end of the file.
      if (got.length < want && total >= st.size) break;
      want = 256 * 1024;
    }
    return { ...id, bytes: chunks.length === 1 ? chunks[0]! : concatBytes(chunks, total) };
  } finally {
    r.scheme.close(h);
  }
}

export async function loadImage(k: Kernel, as: Process, path: string, argv: string[], depth = 0): Promise<Result<LoadedImage>> {
  if (depth > MAX_INTERP_DEPTH) return E.ELOOP;
  const file = await readFile(k, as, path, true);
  if (isErr(file)) return file;
  const ids = { setuid: file.setuid, setgid: file.setgid };
  const cache = cacheOf(k);
  if (file.known) {
    cache.delete(file.key);
    cache.set(file.key, file.known);
    return { path: file.canonical, argv, image: file.known, ...ids };
  }
  const key = file.settled ? file.key : `${file.key}\0unsettled ${++unsettledSerial}`;
  const image = await recognise(k, file.bytes!, file.canonical, key, path, argv, as, depth);
  if (isErr(image) || 'interpreted' in image) return isErr(image) ? image : image.interpreted;
  if (file.settled) {
    if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(file.key, image);
  }
  return { path: file.canonical, argv, image, ...ids };
}

async function recognise(k: Kernel, b: Uint8Array, canonical: string, key: string, path: string, argv: string[], as: Process, depth: number): Promise<Result<ProgramImage | { interpreted: Result<LoadedImage> }>> {
  if (b.length >= 4 && b[0] === 0 && b[1] === 0x61 && b[2] === 0x73 && b[3] === 0x6d) {
    try {
      return { kind: 'wasm', module: await k.host.compileWasm(b), key, startFunction: hasStartSection(b) };
    } catch (e) {
      k.klog.log(`exec ${canonical}: invalid WebAssembly: ${(e as Error).message}`);
      return E.ENOEXEC;
    }
  }
  const head = fromUtf8(b.subarray(0, Math.min(b.length, MHJS_MAGIC.length)));
  if (head === MHJS_MAGIC) {
    const source = fromUtf8(b.subarray(MHJS_MAGIC.length));
    if (source === null) return E.ENOEXEC;
    return { kind: 'mhjs', source, key };
  }
  if (b.length >= 2 && b[0] === 0x23 && b[1] === 0x21) {
    const nl = b.indexOf(0x0a);
    const line = fromUtf8(b.subarray(2, nl < 0 ? Math.min(b.length, 256) : Math.min(nl, 256)));
    if (line === null) return E.ENOEXEC;
    const parts = line.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) return E.ENOEXEC;
    const interp = parts[0]!;
    const rest = parts.length > 1 ? [parts.slice(1).join(' ')] : [];
    return { interpreted: await loadImage(k, as, interp, [interp, ...rest, path, ...argv.slice(1)], depth + 1) };
  }
  return E.ENOEXEC;
}

/**
 * Opens, for a WebAssembly program about to start, one /scheme/null descriptor (close-on-exec)
 * per directory it will find preopened, at the lowest free numbers: what the runtime's first
 * call would otherwise do, and on a loaded machine a syscall that wakes the kernel costs a
 * good part of a start. The runtime later puts the directory itself at that number when a call
 * needs it (WasiContext.unopened). Reserves none where the process's namespace has no `null`
 * (the runtime then does what it can itself) or its table is full, and stops at the first
 * failure: the runtime opens the rest in the same order.
 */
export function reservePreopens(k: Kernel, p: Process, schemes: string[] | null): number[] {
  const fds: number[] = [];
  const nul = k.resolve(p, '/scheme/null');
  if (isErr(nul)) return fds;
  for (let i = preopenNames(schemes).length; i > 0; i--) {
    const o = nul.scheme.open(nul.ref, O.RDONLY, 0, p.caller());
    if (isErr(o) || o instanceof Promise || o instanceof WouldBlock || !('handle' in o)) break;
    const d = k.describe(nul.scheme, o, O.RDONLY, nul.canonical);
    const fd = p.fds.install(d, FD_CLOEXEC);
    if (isErr(fd)) {
      if (d.refs === 0) k.release(d);
      break;
    }
    fds.push(fd);
  }
  return fds;
}

/** Whether a module (already compiled, so well formed) has a start section (id 8). */
function hasStartSection(b: Uint8Array): boolean {
  let i = 8;
  while (i < b.length) {
    const id = b[i++]!;
    let size = 0;
    for (let shift = 0; i < b.length && shift < 35; shift += 7) {
      const byte = b[i++]!;
      size += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) break;
    }
    if (id === 8) return true;
    i += size;
  }
  return false;
}
