// WASI path_* functions. A path is resolved beneath a directory descriptor the program holds
// (a preopen or a directory it opened): lexically, refusing absolute paths and any `..` that
// climbs above the directory (ENOTCAPABLE), then handed to the kernel as an absolute path —
// the kernel checks the process's namespace and the scheme follows symlinks and enforces
// permissions. `path_open` maps WASI's oflags, fdflags, lookup flags and rights onto open(2)
// flags and records the new descriptor's rights as the intersection of what was asked, what
// the directory may hand on, and what the object's type allows.

import { O } from '../../abi/flags.js';
import { preopenNames } from '../../abi/preopen.js';
import { readStat } from '../../abi/stat.js';
import { Sys } from '../../abi/syscall.js';
import { WireWriter } from '../../abi/wire.js';
import { Fdflags, Filetype, LOOKUP_SYMLINK_FOLLOW, Oflags, RIGHTS_NEED_READ, RIGHTS_NEED_WRITE, Rights as R } from './constants.js';
import { filetypeOf, rightsFor, type FdEntry, type WasiContext } from './context.js';
import { toWasi, WasiErrno, WasiError } from './errno.js';
import { resolveTimes, setU32 } from './fd.js';
import { writeFilestat } from './stat.js';

/** The directory's absolute path (asked of the kernel once, for inherited descriptors). */
function dirPath(ctx: WasiContext, e: FdEntry): string {
  if (e.filetype !== Filetype.DIRECTORY) throw new WasiError(WasiErrno.ENOTDIR);
  if (e.path === null) {
    const n = ctx.must(Sys.fpath, e.fd);
    e.path = new TextDecoder().decode(ctx.client.data.subarray(0, n));
  }
  return e.path;
}

/** A path with no empty, `.` or `..` component and no NUL: joining it needs no splitting. */
const PLAIN = /^[^/\0]+(?:\/[^/\0]+)*$/;
const DOTS = /(?:^|\/)\.\.?(?:\/|$)/;

function plain(p: string): boolean {
  return PLAIN.test(p) && (p.indexOf('.') < 0 || !DOTS.test(p));
}

/** Joins `rel` beneath `base`, lexically; ENOTCAPABLE if it is absolute or climbs out. */
export function beneath(base: string, rel: string): string {
  // The usual case (a canonical directory, a relative path of plain names) is a concatenation.
  if (plain(rel) && (base === '/' || (base.charCodeAt(0) === 47 && plain(base.slice(1))))) {
    return base === '/' ? '/' + rel : base + '/' + rel;
  }
  if (rel.length === 0) throw new WasiError(WasiErrno.ENOENT);
  if (rel.startsWith('/')) throw new WasiError(WasiErrno.ENOTCAPABLE);
  if (rel.includes('\0')) throw new WasiError(WasiErrno.EINVAL);
  const out = base.split('/').filter(Boolean);
  const floor = out.length;
  for (const seg of rel.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === floor) throw new WasiError(WasiErrno.ENOTCAPABLE);
      out.pop();
    } else out.push(seg);
  }
  return '/' + out.join('/');
}

/** Resolves (dirfd, path) for an operation that needs `rights` on the directory. */
function resolve(ctx: WasiContext, dirfd: number, ptr: number, len: number, rights: number): string {
  const e = ctx.need(dirfd, rights);
  return beneath(dirPath(ctx, e), ctx.str(ptr, len));
}

export function pathFunctions(ctx: WasiContext) {

  function twoPaths(nr: number, a: string, b: string): number {
    ctx.must(nr, 0, 0, 0, 0, new WireWriter().str(a).str(b).finish());
    return 0;
  }

  return {
    path_open(dirfd: number, dirflags: number, ptr: number, len: number, oflags: number, base: bigint, inheriting: bigint, fdflags: number, fdOut: number): number {
      let need = R.PATH_OPEN;
      if (oflags & Oflags.CREAT) need |= R.PATH_CREATE_FILE;
      if (oflags & Oflags.TRUNC) need |= R.PATH_FILESTAT_SET_SIZE;
      const dir = ctx.need(dirfd, need);
      const path = beneath(dirPath(ctx, dir), ctx.str(ptr, len));
      const asked = Number(base & 0x3fffffffn);
      const read = (asked & RIGHTS_NEED_READ) !== 0;
      // A directory is never opened for writing, whatever rights were asked for with it.
      const write = !(oflags & Oflags.DIRECTORY) && ((asked & RIGHTS_NEED_WRITE) !== 0 || (oflags & Oflags.TRUNC) !== 0);
      const acc = read && write ? O.RDWR : write ? O.WRONLY : O.RDONLY;
      let flags: number = acc;
      if (oflags & Oflags.CREAT) flags |= O.CREAT;
      if (oflags & Oflags.EXCL) flags |= O.EXCL;
      if (oflags & Oflags.TRUNC) flags |= O.TRUNC;
      if (oflags & Oflags.DIRECTORY) flags |= O.DIRECTORY;
      if (fdflags & Fdflags.APPEND) flags |= O.APPEND;
      if (fdflags & Fdflags.NONBLOCK) flags |= O.NONBLOCK;
      if (!(dirflags & LOOKUP_SYMLINK_FOLLOW)) flags |= O.NOFOLLOW;
      const fd = ctx.must(Sys.open, flags, 0o666, 0, 0, ctx.pathBytes(path));
      let filetype: number = Filetype.DIRECTORY;
      if (!(oflags & Oflags.DIRECTORY)) {
        const r = ctx.call(Sys.fstat, fd);
        filetype = r >= 0 ? filetypeOf(readStat(ctx.client.data)!.mode) : Filetype.UNKNOWN;
      }
      ctx.forgetFd(fd);
      const allowed = rightsFor(filetype, acc) & dir.rightsInheriting;
      ctx.fds.set(fd, {
        fd, filetype,
        rightsBase: asked & allowed,
        rightsInheriting: filetype === Filetype.DIRECTORY ? Number(inheriting & 0x3fffffffn) & dir.rightsInheriting : 0,
        fdflags, path, preopen: null,
      });
      setU32(ctx, fdOut, fd);
      return 0;
    },

    path_filestat_get(dirfd: number, flags: number, ptr: number, len: number, buf: number): number {
      const path = resolve(ctx, dirfd, ptr, len, R.PATH_FILESTAT_GET);
      ctx.mustPath(Sys.stat, flags & LOOKUP_SYMLINK_FOLLOW ? 0 : 1, path);
      writeFilestat(ctx, buf, readStat(ctx.client.data)!);
      return 0;
    },

    path_filestat_set_times(dirfd: number, flags: number, ptr: number, len: number, atim: bigint, mtim: bigint, fst: number): number {
      const path = resolve(ctx, dirfd, ptr, len, R.PATH_FILESTAT_SET_TIMES);
      const current = () => {
        ctx.must(Sys.stat, flags & LOOKUP_SYMLINK_FOLLOW ? 0 : 1, 0, 0, 0, ctx.pathBytes(path));
        return readStat(ctx.client.data)!;
      };
      const [a, m] = resolveTimes(ctx, current, atim, mtim, fst);
      ctx.must(Sys.utimens, a, m, 0, 0, ctx.pathBytes(path));
      return 0;
    },

    path_create_directory(dirfd: number, ptr: number, len: number): number {
      ctx.must(Sys.mkdir, 0o777, 0, 0, 0, ctx.pathBytes(resolve(ctx, dirfd, ptr, len, R.PATH_CREATE_DIRECTORY)));
      return 0;
    },

    path_remove_directory(dirfd: number, ptr: number, len: number): number {
      ctx.must(Sys.rmdir, 0, 0, 0, 0, ctx.pathBytes(resolve(ctx, dirfd, ptr, len, R.PATH_REMOVE_DIRECTORY)));
      return 0;
    },

    path_unlink_file(dirfd: number, ptr: number, len: number): number {
      ctx.must(Sys.unlink, 0, 0, 0, 0, ctx.pathBytes(resolve(ctx, dirfd, ptr, len, R.PATH_UNLINK_FILE)));
      return 0;
    },

    path_rename(fd: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number): number {
      const from = resolve(ctx, fd, oldPtr, oldLen, R.PATH_RENAME_SOURCE);
      const to = resolve(ctx, newFd, newPtr, newLen, R.PATH_RENAME_TARGET);
      return twoPaths(Sys.rename, from, to);
    },

    path_link(oldFd: number, _oldFlags: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number): number {
      const from = resolve(ctx, oldFd, oldPtr, oldLen, R.PATH_LINK_SOURCE);
      const to = resolve(ctx, newFd, newPtr, newLen, R.PATH_LINK_TARGET);
      return twoPaths(Sys.link, from, to);
    },

    path_symlink(targetPtr: number, targetLen: number, dirfd: number, ptr: number, len: number): number {
      const target = ctx.str(targetPtr, targetLen);
      const at = resolve(ctx, dirfd, ptr, len, R.PATH_SYMLINK);
      return twoPaths(Sys.symlink, target, at);
    },

    path_readlink(dirfd: number, ptr: number, len: number, buf: number, bufLen: number, bufused: number): number {
      const path = resolve(ctx, dirfd, ptr, len, R.PATH_READLINK);
      const n = ctx.must(Sys.readlink, 0, 0, 0, 0, ctx.pathBytes(path));
      const take = Math.min(n, bufLen);
      ctx.bytes(buf, take).set(ctx.client.data.subarray(0, take));
      setU32(ctx, bufused, take);
      return 0;
    },
  };
}

/**
 * Opens the preopened directories: the root of the process's namespace (`/`) when it can
 * name the file scheme or everything, and `/scheme/NAME` for each scheme of a narrowed
 * namespace. They take the lowest free descriptors, so descriptors the parent passed at 3 and
 * above keep their numbers; fd_prestat_get lets wasi-libc's scan from 3 go past those (fd.ts).
 * A root that cannot be opened as a directory (no file daemon yet) is still offered: its
 * descriptor is then a placeholder and paths beneath it are resolved by name, as all are.
 */
export function openPreopens(ctx: WasiContext, schemes: string[] | null, reserved: readonly number[] = []): void {
  const names = preopenNames(schemes);
  const placeholder = new TextEncoder().encode('/scheme/null');
  names.forEach((name, i) => {
    // The directory is opened when a call first needs it (WasiContext.unopened). Its number is
    // held meanwhile by a descriptor of /scheme/null, which the kernel usually opened at spawn.
    let fd = reserved[i] ?? ctx.client.call(Sys.open, O.RDONLY | O.CLOEXEC, 0, 0, 0, placeholder);
    if (fd >= 0) ctx.unopened.set(fd, name);
    else fd = ctx.openDirectory(name);
    if (fd < 0) {
      // Hold the number with the read end of a fresh pipe whose write end is closed.
      const r = ctx.client.call(Sys.pipe, O.CLOEXEC);
      if (r < 0) return;
      ctx.client.call(Sys.close, r >>> 16);
      fd = r & 0xffff;
    }
    ctx.fds.set(fd, {
      fd, filetype: Filetype.DIRECTORY, rightsBase: rightsFor(Filetype.DIRECTORY, O.RDONLY),
      rightsInheriting: (1 << 30) - 1, fdflags: 0, path: name, preopen: name,
    });
  });
  void toWasi;
}
