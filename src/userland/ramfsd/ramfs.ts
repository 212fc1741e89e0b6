// A filesystem in memory with POSIX semantics: regular files, directories, symbolic links,
// hard links, owners and permission bits checked against the caller, timestamps, atomic
// rename, and directory listings with cookies that stay valid while entries come and go.
// ramfsd serves it as a scheme; it is what MACROHARD has for `file:` until a disk filesystem
// is mounted, and for /tmp after.

import { DT, putDirent } from '../../abi/dirent.js';
import { Errno } from '../../abi/errno.js';
import { O, S } from '../../abi/flags.js';
import { emptyStat, type Stat } from '../../abi/stat.js';

export class FsError extends Error {
  constructor(readonly errno: number) {
    super(`errno ${errno}`);
  }
}
const fail = (errno: number): never => {
  throw new FsError(errno);
};

/** The path leaves this filesystem through a link into another scheme. */
export class LeavesScheme extends Error {
  constructor(readonly redirect: string) {
    super(`leaves the scheme for ${redirect}`);
  }
}

export interface Who {
  uid: number;
  gid: number;
}

interface Entry {
  node: Inode;
  serial: number;
}

export class Inode {
  nlink = 0;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  data = new Uint8Array(0);
  size = 0;
  /** For directories: name -> entry, with a serial per entry for getdents cookies. */
  entries: Map<string, Entry> | null = null;
  nextSerial = 1;
  parent: Inode | null = null;
  target = '';
  constructor(readonly ino: number, public mode: number, public uid: number, public gid: number, now: number) {
    this.atimeMs = this.mtimeMs = this.ctimeMs = now;
    if ((mode & S.IFMT) === S.IFDIR) this.entries = new Map();
  }
  get isDir(): boolean {
    return (this.mode & S.IFMT) === S.IFDIR;
  }
  get isLink(): boolean {
    return (this.mode & S.IFMT) === S.IFLNK;
  }
}

const MAX_LINKS = 40;
const NAME_MAX = 255;

export class RamFs {
  readonly root: Inode;
  private nextIno = 2;
  bytesUsed = 0;
  constructor(readonly capacity: number, private readonly now: () => number) {
    this.root = new Inode(1, S.IFDIR | 0o755, 0, 0, now());
    this.root.nlink = 2;
    this.root.parent = this.root;
  }

  // ---- permissions -------------------------------------------------------------------------

  /** Checks `want` (4 read, 2 write, 1 exec/search) for `who`, as POSIX does; root passes. */
  may(n: Inode, who: Who, want: number): boolean {
    if (who.uid === 0) return want & 1 ? n.isDir || (n.mode & 0o111) !== 0 : true;
    const bits = who.uid === n.uid ? n.mode >> 6 : who.gid === n.gid ? n.mode >> 3 : n.mode;
    return (bits & want) === want;
  }
  private need(n: Inode, who: Who, want: number): void {
    if (!this.may(n, who, want)) fail(Errno.EACCES);
  }

  // ---- lookup ------------------------------------------------------------------------------

  /** Resolves a path ('' is the root) to its inode; `follow` for a final symlink. */
  lookup(path: string, who: Who, follow = true, depth = 0): Inode {
    const { dir, name } = this.parentOf(path, who, depth);
    if (name === '') return dir;
    const e = dir.entries!.get(name);
    if (!e) return fail(Errno.ENOENT);
    if (e.node.isLink && follow) return this.followLink(dir, e.node, who, depth);
    return e.node;
  }

  private followLink(dir: Inode, link: Inode, who: Who, depth: number, rest = ''): Inode {
    if (depth >= MAX_LINKS) fail(Errno.ELOOP);
    const t = link.target;
    // A link into another scheme (/dev/null -> /scheme/null): the kernel goes on from there.
    if (t === '/scheme' || t.startsWith('/scheme/')) throw new LeavesScheme(rest ? `${t.replace(/\/+$/, '')}/${rest}` : t);
    const base = t.startsWith('/') ? '' : this.pathOf(dir);
    return this.lookup(joinPath(base, t), who, true, depth + 1);
  }

  /** The directory that holds the last component, and that component ('' for the root). */
  parentOf(path: string, who: Who, depth = 0): { dir: Inode; name: string } {
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    let dir = this.root;
    for (let i = 0; i < parts.length - 1; i++) {
      const part = parts[i]!;
      this.need(dir, who, 1);
      if (part === '..') {
        dir = dir.parent!;
        continue;
      }
      const e = dir.entries!.get(part);
      if (!e) return fail(Errno.ENOENT);
      let n = e.node;
      if (n.isLink) n = this.followLink(dir, n, who, depth, parts.slice(i + 1).join('/'));
      if (!n.isDir) fail(Errno.ENOTDIR);
      dir = n;
    }
    const name = parts.length ? parts[parts.length - 1]! : '';
    if (name.length > NAME_MAX) fail(Errno.ENAMETOOLONG);
    if (name !== '') this.need(dir, who, 1);
    if (name === '..') return { dir: dir.parent!.parent!, name: this.nameIn(dir.parent!.parent!, dir.parent!) };
    return { dir, name };
  }

  private nameIn(dir: Inode, child: Inode): string {
    if (child === this.root) return '';
    for (const [k, e] of dir.entries!) if (e.node === child) return k;
    return '';
  }

  pathOf(dir: Inode): string {
    const parts: string[] = [];
    for (let d = dir; d !== this.root; d = d.parent!) parts.unshift(this.nameIn(d.parent!, d));
    return parts.join('/');
  }

  // ---- changes -----------------------------------------------------------------------------

  private make(dir: Inode, name: string, mode: number, who: Who): Inode {
    if (dir.entries!.has(name)) fail(Errno.EEXIST);
    this.need(dir, who, 3);
    const gid = dir.mode & 0o2000 ? dir.gid : who.gid;
    const n = new Inode(this.nextIno++, mode, who.uid, gid, this.now());
    this.attach(dir, name, n);
    return n;
  }

  private attach(dir: Inode, name: string, n: Inode): void {
    dir.entries!.set(name, { node: n, serial: dir.nextSerial++ });
    n.nlink++;
    if (n.isDir) {
      n.parent = dir;
      n.nlink++;
      dir.nlink++;
    }
    dir.mtimeMs = dir.ctimeMs = this.now();
  }

  private detach(dir: Inode, name: string): Inode {
    const e = dir.entries!.get(name)!;
    dir.entries!.delete(name);
    const n = e.node;
    n.nlink--;
    if (n.isDir) {
      n.nlink--;
      dir.nlink--;
    }
    n.ctimeMs = dir.mtimeMs = dir.ctimeMs = this.now();
    if (n.nlink === 0) this.bytesUsed -= n.data.length;
    return n;
  }

  /** May `who` remove `name` from `dir`? Write and search on dir, and the sticky-bit rule. */
  private mayRemove(dir: Inode, n: Inode, who: Who): void {
    this.need(dir, who, 3);
    if (dir.mode & 0o1000 && who.uid !== 0 && who.uid !== dir.uid && who.uid !== n.uid) fail(Errno.EPERM);
  }

  open(path: string, flags: number, mode: number, who: Who): Inode {
    const { dir, name } = this.parentOf(path, who);
    let n: Inode;
    const e = name === '' ? null : dir.entries!.get(name);
    if (name === '') n = dir;
    else if (!e) {
      if (!(flags & O.CREAT)) return fail(Errno.ENOENT);
      n = this.make(dir, name, S.IFREG | (mode & 0o7777), who);
      return n;
    } else {
      if (flags & O.CREAT && flags & O.EXCL) fail(Errno.EEXIST);
      n = e.node;
      if (n.isLink) {
        if (flags & O.NOFOLLOW && !(flags & O.PATH)) fail(Errno.ELOOP);
        if (!(flags & (O.NOFOLLOW | O.PATH))) n = this.followLink(dir, n, who, 0);
      }
    }
    if (flags & O.PATH) return n;
    if (flags & O.DIRECTORY && !n.isDir) fail(Errno.ENOTDIR);
    const acc = flags & O.ACCMODE;
    if (n.isDir && (acc !== O.RDONLY || flags & O.TRUNC)) fail(Errno.EISDIR);
    const want = (acc === O.RDONLY ? 4 : acc === O.WRONLY ? 2 : 6) | (flags & O.TRUNC ? 2 : 0);
    this.need(n, who, want);
    if (flags & O.TRUNC && !n.isDir) this.truncate(n, 0);
    return n;
  }

  read(n: Inode, offset: number, len: number): Uint8Array {
    if (n.isDir) fail(Errno.EISDIR);
    n.atimeMs = this.now();
    if (offset >= n.size) return new Uint8Array(0);
    return n.data.slice(offset, Math.min(n.size, offset + len));
  }

  write(n: Inode, offset: number, src: Uint8Array): [number, number] {
    const at = offset < 0 ? n.size : offset;
    const end = at + src.length;
    if (end > n.data.length) this.grow(n, end);
    n.data.set(src, at);
    if (end > n.size) n.size = end;
    n.mtimeMs = n.ctimeMs = this.now();
    return [src.length, end];
  }

  private grow(n: Inode, need: number): void {
    const cap = Math.max(need, Math.min(n.data.length * 2, need + 64 * 1024 * 1024));
    if (this.bytesUsed + (cap - n.data.length) > this.capacity) {
      if (this.bytesUsed + (need - n.data.length) > this.capacity) fail(Errno.ENOSPC);
      return this.resize(n, need);
    }
    this.resize(n, cap);
  }

  private resize(n: Inode, cap: number): void {
    const next = new Uint8Array(cap);
    next.set(n.data.subarray(0, Math.min(n.size, cap)));
    this.bytesUsed += cap - n.data.length;
    n.data = next;
  }

  truncate(n: Inode, len: number): void {
    if (n.isDir) fail(Errno.EISDIR);
    if (len > n.data.length) this.grow(n, len);
    else if (len < n.size) n.data.fill(0, len, n.size);
    n.size = len;
    n.mtimeMs = n.ctimeMs = this.now();
  }

  mkdir(path: string, mode: number, who: Who): void {
    const { dir, name } = this.parentOf(path, who);
    if (name === '') fail(Errno.EEXIST);
    this.make(dir, name, S.IFDIR | (mode & 0o7777), who);
  }

  rmdir(path: string, who: Who): void {
    const { dir, name } = this.parentOf(path, who);
    const e = name === '' ? null : dir.entries!.get(name);
    if (!e) return fail(name === '' ? Errno.EBUSY : Errno.ENOENT);
    if (!e.node.isDir) fail(Errno.ENOTDIR);
    if (e.node.entries!.size) fail(Errno.ENOTEMPTY);
    this.mayRemove(dir, e.node, who);
    this.detach(dir, name);
  }

  unlink(path: string, who: Who): void {
    const { dir, name } = this.parentOf(path, who);
    const e = name === '' ? null : dir.entries!.get(name);
    if (!e) return fail(Errno.ENOENT);
    if (e.node.isDir) fail(Errno.EISDIR);
    this.mayRemove(dir, e.node, who);
    this.detach(dir, name);
  }

  /** Atomic: the new name refers to the old node or to the replaced one, never to neither. */
  rename(from: string, to: string, who: Who): void {
    const a = this.parentOf(from, who);
    const b = this.parentOf(to, who);
    const e = a.name === '' ? null : a.dir.entries!.get(a.name);
    if (!e || b.name === '') return fail(e ? Errno.EBUSY : Errno.ENOENT);
    const n = e.node;
    if (n.isDir) for (let d: Inode = b.dir; ; d = d.parent!) {
      if (d === n) fail(Errno.EINVAL); // into its own subtree
      if (d === this.root) break;
    }
    this.mayRemove(a.dir, n, who);
    this.need(b.dir, who, 3);
    const old = b.dir.entries!.get(b.name);
    if (old) {
      if (old.node === n) return;
      if (old.node.isDir && !n.isDir) fail(Errno.EISDIR);
      if (!old.node.isDir && n.isDir) fail(Errno.ENOTDIR);
      if (old.node.isDir && old.node.entries!.size) fail(Errno.ENOTEMPTY);
      this.mayRemove(b.dir, old.node, who);
      this.detach(b.dir, b.name);
    }
    this.detach(a.dir, a.name);
    this.bytesUsed += n.nlink === 0 ? n.data.length : 0; // detach freed it; it lives on
    this.attach(b.dir, b.name, n);
  }

  link(from: string, to: string, who: Who): void {
    const n = this.lookup(from, who, false);
    if (n.isDir) fail(Errno.EPERM);
    const b = this.parentOf(to, who);
    if (b.name === '' || b.dir.entries!.has(b.name)) fail(Errno.EEXIST);
    this.need(b.dir, who, 3);
    this.attach(b.dir, b.name, n);
    n.ctimeMs = this.now();
  }

  symlink(target: string, path: string, who: Who): void {
    const { dir, name } = this.parentOf(path, who);
    if (name === '') fail(Errno.EEXIST);
    const n = this.make(dir, name, S.IFLNK | 0o777, who);
    n.target = target;
    n.size = new TextEncoder().encode(target).length;
  }

  readlink(path: string, who: Who): string {
    const n = this.lookup(path, who, false);
    if (!n.isLink) fail(Errno.EINVAL);
    return n.target;
  }

  chmod(n: Inode, mode: number, who: Who): void {
    if (who.uid !== 0 && who.uid !== n.uid) fail(Errno.EPERM);
    n.mode = (n.mode & S.IFMT) | (mode & 0o7777);
    n.ctimeMs = this.now();
  }

  chown(n: Inode, uid: number, gid: number, who: Who): void {
    if (who.uid !== 0) {
      // An owner may only give the file to a group it belongs to (its own), keeping itself.
      if (who.uid !== n.uid || (uid !== -1 && uid !== n.uid) || (gid !== -1 && gid !== who.gid)) fail(Errno.EPERM);
    }
    if (uid !== -1) n.uid = uid;
    if (gid !== -1) n.gid = gid;
    n.ctimeMs = this.now();
  }

  utimens(n: Inode, atimeMs: number, mtimeMs: number, who: Who): void {
    if (who.uid !== 0 && who.uid !== n.uid && !this.may(n, who, 2)) fail(Errno.EACCES);
    if (Number.isFinite(atimeMs)) n.atimeMs = atimeMs;
    if (Number.isFinite(mtimeMs)) n.mtimeMs = mtimeMs;
    n.ctimeMs = this.now();
  }

  stat(n: Inode): Stat {
    const s = emptyStat();
    s.dev = 0x52414d;
    s.ino = n.ino;
    s.mode = n.mode;
    s.nlink = n.nlink;
    s.uid = n.uid;
    s.gid = n.gid;
    s.size = n.isDir ? n.entries!.size * 32 : n.size;
    s.blocks = Math.ceil(n.data.length / 512);
    s.atimeMs = n.atimeMs;
    s.mtimeMs = n.mtimeMs;
    s.ctimeMs = n.ctimeMs;
    return s;
  }

  /** Packs entries with serial > cookie into `max` bytes; '.' and '..' come first. */
  getdents(n: Inode, cookie: number, max: number): [Uint8Array, number] {
    if (!n.isDir) fail(Errno.ENOTDIR);
    const dst = new Uint8Array(max);
    let pos = 0;
    let next = cookie;
    let full = false;
    const put = (name: string, node: Inode, serial: number): boolean => {
      const type = node.isDir ? DT.DIR : node.isLink ? DT.LNK : DT.REG;
      const p = putDirent(dst, pos, { ino: node.ino, next: serial, type, name });
      if (p < 0) {
        full = true;
        return false;
      }
      pos = p;
      next = serial;
      return true;
    };
    // Cookies: 1 is '.', 2 is '..', entries use serial + 2.
    if (cookie < 1 && !put('.', n, 1)) return [dst.subarray(0, pos), next];
    if (cookie < 2 && !put('..', n.parent!, 2)) return [dst.subarray(0, pos), next];
    for (const [name, e] of n.entries!) {
      if (e.serial + 2 <= cookie) continue;
      if (!put(name, e.node, e.serial + 2)) break;
    }
    if (pos === 0 && full) fail(Errno.EINVAL); // the caller's buffer cannot hold one entry
    return [dst.subarray(0, pos), next];
  }
}

export function joinPath(base: string, rel: string): string {
  if (rel.startsWith('/')) return rel.slice(1);
  return base ? `${base}/${rel}` : rel;
}
