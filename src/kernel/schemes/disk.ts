// disk: the block devices the host hands the kernel (disk images on a Node host, OPFS files in
// a browser), as `/scheme/disk/N`. Only uid 0 may open them: the file daemon does, and then
// enters capability mode. Reads and writes go to the host asynchronously, so the kernel never
// waits on storage; each answers with its own buffer, so a call interrupted meanwhile cannot
// have the device write into a channel that has moved on.
//
// A host may also serve a disk through a shared-memory queue (src/abi/diskqueue.ts): `fmap` on a
// descriptor of the disk hands the caller the queue's buffer, and a host I/O thread does the
// I/O, so bulk data never crosses the kernel's thread. The queue has the access the descriptor
// was opened with, and closes with the descriptor.

import { DT, putDirent } from '../../abi/dirent.js';
import { E, isErr, type Result } from '../../abi/errno.js';
import { canWrite, S } from '../../abi/flags.js';
import { emptyStat, type Stat } from '../../abi/stat.js';
import { Scheme, type Answer, type Caller, type Opened } from '../scheme.js';

/** A host block store: byte-addressed, durable after flush. */
export interface BlockStore {
  readonly name: string;
  readonly size: number;
  readonly readOnly: boolean;
  read(offset: number, dst: Uint8Array): Promise<number>;
  write(offset: number, src: Uint8Array): Promise<number>;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** A disk queue served by a host I/O thread, where the host has them. */
  openQueue?(writable: boolean): DiskQueue;
}

export interface DiskQueue {
  readonly buffer: SharedArrayBuffer;
  /** Stops the I/O thread; requests in flight fail, later ones see the queue closed. */
  close(): void;
}

interface Handle {
  disk: number;
  writable: boolean;
  queue?: DiskQueue;
}

export class DiskScheme extends Scheme {
  readonly name = 'disk';
  private handles = new Map<number, Handle>();
  private next = 1;
  constructor(private readonly stores: readonly BlockStore[]) {
    super();
  }

  override open(ref: string, flags: number, _mode: number, caller: Caller): Result<Opened> {
    if (caller.uid !== 0) return E.EACCES;
    if (ref === '') {
      const h = this.next++;
      this.handles.set(h, { disk: -1, writable: false });
      return { handle: h };
    }
    if (!/^\d+$/.test(ref)) return E.ENOENT;
    const disk = Number(ref);
    const store = this.stores[disk];
    if (!store) return E.ENOENT;
    if (canWrite(flags) && store.readOnly) return E.EROFS;
    const h = this.next++;
    this.handles.set(h, { disk, writable: canWrite(flags) });
    return { handle: h };
  }

  override map(h: number): Result<SharedArrayBuffer> {
    const hd = this.handles.get(h);
    if (!hd) return E.EBADF;
    const s = this.stores[hd.disk];
    if (!s?.openQueue) return E.ENODEV;
    hd.queue ??= s.openQueue(hd.writable);
    return hd.queue.buffer;
  }

  private store(h: number): Result<BlockStore> {
    const hd = this.handles.get(h);
    const s = hd && hd.disk >= 0 ? this.stores[hd.disk] : undefined;
    return s ?? E.EBADF;
  }

  override read(h: number, dst: Uint8Array, offset: number): Answer<number | Uint8Array> {
    const s = this.store(h);
    if (isErr(s)) return s;
    if (offset >= s.size) return 0;
    const buf = new Uint8Array(Math.min(dst.length, s.size - offset));
    return s.read(offset, buf).then((n) => buf.subarray(0, n), () => E.EIO);
  }

  override write(h: number, src: Uint8Array, offset: number): Answer<number> {
    const s = this.store(h);
    if (isErr(s)) return s;
    if (s.readOnly) return E.EROFS;
    if (offset < 0 || offset + src.length > s.size) return src.length === 0 ? 0 : E.ENOSPC;
    return s.write(offset, src.slice()).catch(() => E.EIO);
  }

  override fsync(h: number): Answer<number> {
    const s = this.store(h);
    if (isErr(s)) return s;
    return s.flush().then(() => 0, () => E.EIO);
  }

  override fstat(h: number): Result<Stat> {
    const hd = this.handles.get(h);
    if (!hd) return E.EBADF;
    if (hd.disk < 0) return { ...emptyStat(), mode: S.IFDIR | 0o700, nlink: 2 };
    const s = this.stores[hd.disk]!;
    return { ...emptyStat(), mode: S.IFBLK | (s.readOnly ? 0o400 : 0o600), size: s.size, rdev: (8 << 8) | hd.disk, ino: hd.disk + 2 };
  }

  override getdents(h: number, dst: Uint8Array, cookie: number): Result<{ bytes: number; next: number }> {
    const hd = this.handles.get(h);
    if (!hd) return E.EBADF;
    if (hd.disk >= 0) return E.ENOTDIR;
    let pos = 0;
    let i = cookie;
    for (; i < this.stores.length; i++) {
      const p = putDirent(dst, pos, { ino: i + 2, next: i + 1, type: DT.BLK, name: String(i) });
      if (p < 0) break;
      pos = p;
    }
    return { bytes: pos, next: i };
  }

  override close(h: number): void {
    this.handles.get(h)?.queue?.close();
    this.handles.delete(h);
  }

  shutdown(): void {
    for (const s of this.stores) void s.close().catch(() => undefined);
  }
}
