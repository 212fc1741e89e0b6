// A read-only tree of files and directories, the shape shared by `initfs` (the boot programs)
// and `sys` (kernel state as text). A file's contents are taken when it is opened, so a reader
// sees one consistent snapshot however it reads it.

import { DT, putDirent } from '../../abi/dirent.js';
import { E, type Result } from '../../abi/errno.js';
import { canWrite, O, S } from '../../abi/flags.js';
import { emptyStat, type Stat } from '../../abi/stat.js';
import { Scheme, type Caller, type Opened } from '../scheme.js';

export type TreeNode =
  | { kind: 'file'; mode: number; ino: number; mtimeMs?: number; contents: () => Uint8Array }
  | { kind: 'dir'; mode: number; ino: number; list: () => string[] };

interface Handle {
  ref: string;
  node: TreeNode;
  data: Uint8Array | null;
  names: string[] | null;
}

export abstract class TreeScheme extends Scheme {
  private handles = new Map<number, Handle>();
  private next = 1;

  /** The node at `ref` ('' is the root), or null. */
  protected abstract lookup(ref: string): TreeNode | null;

  override open(ref: string, flags: number, _mode: number, _caller: Caller): Result<Opened> {
    const node = this.lookup(trim(ref));
    if (!node) return flags & O.CREAT ? E.EROFS : E.ENOENT;
    if (canWrite(flags) || flags & (O.TRUNC | O.CREAT)) return node.kind === 'dir' ? E.EISDIR : E.EROFS;
    if (flags & O.DIRECTORY && node.kind !== 'dir') return E.ENOTDIR;
    const h = this.next++;
    const lazy = (flags & O.PATH) !== 0;
    this.handles.set(h, {
      ref: trim(ref),
      node,
      data: node.kind === 'file' && !lazy ? node.contents() : null,
      names: node.kind === 'dir' && !lazy ? node.list() : null,
    });
    return { handle: h };
  }

  override read(h: number, dst: Uint8Array, offset: number): Result<number> {
    const hd = this.handles.get(h);
    if (!hd) return E.EBADF;
    if (hd.node.kind === 'dir') return E.EISDIR;
    const data = (hd.data ??= hd.node.contents());
    if (offset >= data.length) return 0;
    const n = Math.min(dst.length, data.length - offset);
    dst.set(data.subarray(offset, offset + n));
    return n;
  }

  override fstat(h: number): Result<Stat> {
    const hd = this.handles.get(h);
    if (!hd) return E.EBADF;
    return this.statNode(hd.node, hd.data);
  }

  private statNode(node: TreeNode, data: Uint8Array | null): Stat {
    const st = emptyStat();
    st.ino = node.ino;
    if (node.kind === 'dir') {
      st.mode = S.IFDIR | node.mode;
      st.nlink = 2;
    } else {
      st.mode = S.IFREG | node.mode;
      st.size = (data ?? node.contents()).length;
      st.blocks = Math.ceil(st.size / 512);
      st.mtimeMs = st.ctimeMs = st.atimeMs = node.mtimeMs ?? 0;
    }
    return st;
  }

  override stat(ref: string): Result<Stat> {
    const node = this.lookup(trim(ref));
    return node ? this.statNode(node, null) : E.ENOENT;
  }

  override getdents(h: number, dst: Uint8Array, cookie: number): Result<{ bytes: number; next: number }> {
    const hd = this.handles.get(h);
    if (!hd) return E.EBADF;
    if (hd.node.kind !== 'dir') return E.ENOTDIR;
    const names = (hd.names ??= hd.node.list());
    let pos = 0;
    let i = cookie;
    for (; i < names.length; i++) {
      const child = this.lookup(hd.ref ? `${hd.ref}/${names[i]}` : names[i]!);
      const type = child?.kind === 'dir' ? DT.DIR : DT.REG;
      const next = putDirent(dst, pos, { ino: child?.ino ?? 0, next: i + 1, type, name: names[i]! });
      if (next < 0) break;
      pos = next;
    }
    if (pos === 0 && i < names.length) return E.EINVAL; // the buffer cannot hold one entry
    return { bytes: pos, next: i };
  }

  override close(h: number): void {
    this.handles.delete(h);
  }
}

function trim(ref: string): string {
  return ref.replace(/^\/+|\/+$/g, '');
}
