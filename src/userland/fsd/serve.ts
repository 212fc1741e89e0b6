// The file scheme over MHFS: each request of the user-scheme protocol becomes a call on the
// Mhfs library with the caller's credentials, and MHFS's errors become errno numbers.

import { putDirent } from '../../abi/dirent.js';
import { Errno } from '../../abi/errno.js';
import { O } from '../../abi/flags.js';
import type { Stat as AbiStat } from '../../abi/stat.js';
import { isFsError } from '../../fs/errors.js';
import { Follow, type Mhfs } from '../../fs/mhfs.js';
import { S_IFDIR, S_IFLNK, S_IFMT, type Stat, type Timespec } from '../../fs/node.js';
import { mayAccess, R_OK, W_OK, type Cred } from '../../fs/perm.js';
import { Redirect, type Caller, type OpenResult, type SchemeHandler, type StatVfs } from '../../runtime/libmh/scheme.js';

/** An error the scheme server turns into -errno. */
class Failed extends Error {
  constructor(readonly errno: number) {
    super(`errno ${errno}`);
  }
}

function guard<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isFsError(e)) throw new Failed(Errno[e.code as keyof typeof Errno] ?? Errno.EIO);
    throw e;
  }
}

const fail = (errno: number): never => {
  throw new Failed(errno);
};

const cred = (c: Caller): Cred => ({ uid: c.uid, gid: c.gid });
const abs = (p: string): string => '/' + p;
const ms = (t: Timespec): number => t.sec * 1000 + Math.floor(t.nsec / 1e6);
const ts = (m: number): Timespec | null => (Number.isFinite(m) && m >= 0 ? { sec: Math.floor(m / 1000), nsec: Math.round((m % 1000) * 1e6) } : null);

function toAbi(s: Stat): AbiStat {
  return { dev: 0x4d48, ino: s.ino, mode: s.mode, nlink: s.nlink, uid: s.uid, gid: s.gid, size: s.size, blksize: s.blksize, blocks: s.blocks, atimeMs: ms(s.atime), mtimeMs: ms(s.mtime), ctimeMs: ms(s.ctime), rdev: 0 };
}

interface Handle {
  id: number;
  flags: number;
}

export class FileServer implements SchemeHandler {
  private handles = new Map<number, Handle>();
  private next = 1;
  private readBuf = new Uint8Array(0);
  constructor(private readonly fs: Mhfs) {}

  commit(): void {
    guard(() => this.fs.sync());
  }

  /**
   * Resolves a path as MHFS does, except that a symbolic link into another scheme
   * (/dev/null -> /scheme/null) ends the walk with a redirect the kernel follows.
   */
  private resolve(path: string, follow: Follow, who: Cred): number {
    const fs = this.fs;
    let budget = 40;
    const walk = (p: string, start: number, followLast: boolean): number => {
      let cur = p.startsWith('/') ? fs.root : start;
      const parts = p.split('/').filter((x) => x !== '' && x !== '.');
      for (let i = 0; i < parts.length; i++) {
        const next = fs.lookup(cur, parts[i]!, who);
        const last = i === parts.length - 1;
        // One node read per component: its type says both "link" and "directory".
        let type = fs.stat(next).mode & S_IFMT;
        if (type === S_IFLNK && (!last || followLast)) {
          if (--budget < 0) fail(Errno.ELOOP);
          const target = fs.readlink(next);
          if (target === '/scheme' || target.startsWith('/scheme/')) {
            const rest = parts.slice(i + 1).join('/');
            throw new Redirect(rest ? `${target.replace(/\/+$/, '')}/${rest}` : target);
          }
          cur = walk(target, cur, true);
          if (!last) type = fs.stat(cur).mode & S_IFMT;
        } else cur = next;
        if (!last && type !== S_IFDIR) fail(Errno.ENOTDIR);
      }
      return cur;
    };
    return walk(path, fs.root, follow === Follow.Yes);
  }

  private node(h: number): Handle {
    return this.handles.get(h) ?? fail(Errno.EBADF);
  }

  open(path: string, flags: number, mode: number, c: Caller): OpenResult {
    return guard(() => {
      const fs = this.fs;
      const who = cred(c);
      let id: number;
      let created = false;
      try {
        id = this.resolve(abs(path), flags & O.NOFOLLOW ? Follow.No : Follow.Yes, who);
      } catch (e) {
        if (!isFsError(e, 'ENOENT') || !(flags & O.CREAT)) throw e;
        const { dir, name } = fs.resolveParent(abs(path), who);
        id = fs.create(dir, name, mode & 0o7777, who);
        created = true;
      }
      if (!created && flags & O.CREAT && flags & O.EXCL) fail(Errno.EEXIST);
      const st = fs.stat(id);
      const type = st.mode & S_IFMT;
      if (!(flags & O.PATH)) {
        if (type === S_IFLNK) fail(Errno.ELOOP);
        if (flags & O.DIRECTORY && type !== S_IFDIR) fail(Errno.ENOTDIR);
        const acc = flags & O.ACCMODE;
        if (type === S_IFDIR && (acc !== O.RDONLY || flags & O.TRUNC)) fail(Errno.EISDIR);
        const want = (acc === O.RDONLY ? R_OK : acc === O.WRONLY ? W_OK : R_OK | W_OK) | (flags & O.TRUNC ? W_OK : 0);
        if (!created && !mayAccess(st, who, want)) fail(Errno.EACCES);
        if (flags & O.TRUNC && type !== S_IFDIR) fs.truncate(id, 0);
      }
      fs.retain(id);
      const h = this.next++;
      this.handles.set(h, { id, flags });
      return { handle: h };
    });
  }

  read(h: number, offset: number, len: number): Uint8Array {
    const { id } = this.node(h);
    return guard(() => {
      const size = this.fs.stat(id).size;
      const want = Math.max(0, Math.min(len, size - offset));
      // The scheme server copies a reply's payload at once, so one buffer serves every read.
      if (want > this.readBuf.length) this.readBuf = new Uint8Array(want);
      const buf = this.readBuf.subarray(0, want);
      const n = buf.length ? this.fs.read(id, offset, buf) : 0;
      return buf.subarray(0, n);
    });
  }

  write(h: number, offset: number, data: Uint8Array): [number, number] {
    const { id } = this.node(h);
    return guard(() => {
      const at = offset < 0 ? this.fs.stat(id).size : offset;
      const n = this.fs.write(id, at, data);
      return [n, at + n];
    });
  }

  fstat(h: number): AbiStat {
    const { id } = this.node(h);
    return guard(() => toAbi(this.fs.stat(id)));
  }

  fsync(): void {
    this.commit();
  }

  ftruncate(h: number, len: number): void {
    const { id } = this.node(h);
    guard(() => this.fs.truncate(id, len));
  }

  close(h: number): void {
    const hd = this.handles.get(h);
    if (!hd) return;
    this.handles.delete(h);
    try {
      this.fs.release(hd.id);
    } catch {
      // freeing an unlinked file's space can wait for the next mount's orphan sweep
    }
  }

  getdents(h: number, cookie: number, max: number, c: Caller): [Uint8Array, number] {
    const { id } = this.node(h);
    return guard(() => {
      const dst = new Uint8Array(max);
      let pos = 0;
      let next = cookie;
      for (;;) {
        const batch = this.fs.readdir(id, next, 64, cred(c));
        if (batch.length === 0) break;
        for (const e of batch) {
          const p = putDirent(dst, pos, { ino: e.ino, next: e.cookie, type: e.type, name: e.name });
          if (p < 0) {
            if (pos === 0) fail(Errno.EINVAL);
            return [dst.subarray(0, pos), next];
          }
          pos = p;
          next = e.cookie;
        }
      }
      return [dst.subarray(0, pos), next];
    });
  }

  mkdir(path: string, mode: number, c: Caller): void {
    guard(() => {
      const { dir, name } = this.fs.resolveParent(abs(path), cred(c));
      this.fs.mkdir(dir, name, mode & 0o7777, cred(c));
    });
  }

  rmdir(path: string, c: Caller): void {
    guard(() => {
      const { dir, name } = this.fs.resolveParent(abs(path), cred(c));
      this.fs.rmdir(dir, name, cred(c));
    });
  }

  unlink(path: string, c: Caller): void {
    guard(() => {
      const { dir, name } = this.fs.resolveParent(abs(path), cred(c));
      this.fs.unlink(dir, name, cred(c));
    });
  }

  rename(from: string, to: string, c: Caller): void {
    guard(() => {
      const a = this.fs.resolveParent(abs(from), cred(c));
      const b = this.fs.resolveParent(abs(to), cred(c));
      this.fs.rename(a.dir, a.name, b.dir, b.name, cred(c));
    });
  }

  link(from: string, to: string, c: Caller): void {
    guard(() => {
      const id = this.fs.resolve(abs(from), Follow.No, cred(c));
      const b = this.fs.resolveParent(abs(to), cred(c));
      this.fs.link(id, b.dir, b.name, cred(c));
    });
  }

  symlink(target: string, path: string, c: Caller): void {
    guard(() => {
      const { dir, name } = this.fs.resolveParent(abs(path), cred(c));
      this.fs.symlink(dir, name, target, cred(c));
    });
  }

  readlink(path: string, c: Caller): string {
    return guard(() => this.fs.readlink(this.fs.resolve(abs(path), Follow.No, cred(c))));
  }

  chmod(path: string, mode: number, c: Caller): void {
    guard(() => this.fs.chmod(this.fs.resolve(abs(path), Follow.Yes, cred(c)), mode, cred(c)));
  }

  chown(path: string, uid: number, gid: number, c: Caller): void {
    guard(() => this.fs.chown(this.fs.resolve(abs(path), Follow.Yes, cred(c)), uid, gid, cred(c)));
  }

  utimens(path: string, atimeMs: number, mtimeMs: number, c: Caller): void {
    guard(() => this.fs.utimens(this.fs.resolve(abs(path), Follow.Yes, cred(c)), ts(atimeMs), ts(mtimeMs), cred(c)));
  }

  stat(path: string, nofollow: boolean, c: Caller): AbiStat {
    return guard(() => toAbi(this.fs.stat(this.resolve(abs(path), nofollow ? Follow.No : Follow.Yes, cred(c)))));
  }

  fchmod(h: number, mode: number, c: Caller): void {
    guard(() => this.fs.chmod(this.node(h).id, mode, cred(c)));
  }

  fchown(h: number, uid: number, gid: number, c: Caller): void {
    guard(() => this.fs.chown(this.node(h).id, uid, gid, cred(c)));
  }

  futimens(h: number, atimeMs: number, mtimeMs: number, c: Caller): void {
    guard(() => this.fs.utimens(this.node(h).id, ts(atimeMs), ts(mtimeMs), cred(c)));
  }

  statvfs(): StatVfs {
    return guard(() => {
      const s = this.fs.statvfs();
      return { bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, files: s.files, ffree: s.ffree, namemax: s.namemax };
    });
  }
}
