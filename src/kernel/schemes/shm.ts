// shm: named shared-memory regions. `open("/scheme/shm/NAME", O_CREAT)` makes one,
// ftruncate sizes it (before it is first mapped), read/write/seek reach its bytes through the
// kernel, and fmap hands the region's buffer to the calling process so that several processes
// share memory directly. unlink removes the name; the region lives while it is open.

import { E, type Result } from '../../abi/errno.js';
import { O, S } from '../../abi/flags.js';
import { emptyStat, type Stat } from '../../abi/stat.js';
import { params } from '../params.js';
import { Scheme, type Caller, type Opened } from '../scheme.js';

interface Region {
  name: string;
  buffer: SharedArrayBuffer;
  mapped: boolean;
  mode: number;
  uid: number;
  gid: number;
  opens: number;
}

export class ShmScheme extends Scheme {
  readonly name = 'shm';
  private regions = new Map<string, Region>();
  private handles = new Map<number, Region>();
  private next = 1;

  override open(ref: string, flags: number, mode: number, caller: Caller): Result<Opened> {
    if (!ref || ref.includes('/')) return E.ENOENT;
    let r = this.regions.get(ref);
    if (r && flags & O.CREAT && flags & O.EXCL) return E.EEXIST;
    if (!r) {
      if (!(flags & O.CREAT)) return E.ENOENT;
      r = { name: ref, buffer: new SharedArrayBuffer(0), mapped: false, mode: mode & 0o777, uid: caller.uid, gid: caller.gid, opens: 0 };
      this.regions.set(ref, r);
    } else if (caller.uid !== 0 && !permits(r, caller, flags)) {
      return E.EACCES;
    }
    r.opens++;
    const h = this.next++;
    this.handles.set(h, r);
    return { handle: h };
  }

  region(h: number): Region | undefined {
    return this.handles.get(h);
  }

  /** The buffer to hand a process for fmap; the region's size is fixed from then on. */
  override map(h: number): Result<SharedArrayBuffer> {
    const r = this.handles.get(h);
    if (!r) return E.EBADF;
    if (r.buffer.byteLength === 0) return E.EINVAL;
    r.mapped = true;
    return r.buffer;
  }

  override ftruncate(h: number, len: number): Result<number> {
    const r = this.handles.get(h);
    if (!r) return E.EBADF;
    if (len > params.shmMaxBytes) return E.EFBIG;
    if (len === r.buffer.byteLength) return 0;
    if (r.mapped) return E.EBUSY;
    const next = new SharedArrayBuffer(len);
    new Uint8Array(next).set(new Uint8Array(r.buffer, 0, Math.min(len, r.buffer.byteLength)));
    r.buffer = next;
    return 0;
  }

  override read(h: number, dst: Uint8Array, offset: number): Result<number> {
    const r = this.handles.get(h);
    if (!r) return E.EBADF;
    if (offset >= r.buffer.byteLength) return 0;
    const n = Math.min(dst.length, r.buffer.byteLength - offset);
    dst.set(new Uint8Array(r.buffer, offset, n));
    return n;
  }

  override write(h: number, src: Uint8Array, offset: number): Result<number> {
    const r = this.handles.get(h);
    if (!r) return E.EBADF;
    const at = offset < 0 ? r.buffer.byteLength : offset;
    if (at >= r.buffer.byteLength) return src.length === 0 ? 0 : E.ENOSPC;
    const n = Math.min(src.length, r.buffer.byteLength - at);
    new Uint8Array(r.buffer, at, n).set(src.subarray(0, n));
    return n;
  }

  override fstat(h: number): Result<Stat> {
    const r = this.handles.get(h);
    if (!r) return E.EBADF;
    return { ...emptyStat(), mode: S.IFREG | r.mode, size: r.buffer.byteLength, uid: r.uid, gid: r.gid };
  }

  override unlink(ref: string, caller: Caller): Result<number> {
    const r = this.regions.get(ref);
    if (!r) return E.ENOENT;
    if (caller.uid !== 0 && caller.uid !== r.uid) return E.EACCES;
    this.regions.delete(ref);
    return 0;
  }

  override close(h: number): void {
    const r = this.handles.get(h);
    if (!r) return;
    this.handles.delete(h);
    r.opens--;
  }
}

function permits(r: Region, c: Caller, flags: number): boolean {
  const bits = c.uid === r.uid ? r.mode >> 6 : c.gid === r.gid ? r.mode >> 3 : r.mode;
  const acc = flags & O.ACCMODE;
  const need = acc === O.RDONLY ? 4 : acc === O.WRONLY ? 2 : 6;
  return (bits & need) === need;
}
