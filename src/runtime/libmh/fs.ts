// Files and directories for TypeScript programs: descriptors, whole-file helpers, metadata,
// directory listing and path operations. Every function throws MhError on failure.

import { DATA_SIZE } from '../../abi/channel.js';
import { parseDirents, type Dirent } from '../../abi/dirent.js';
import { Errno } from '../../abi/errno.js';
import { F, O, S, SEEK } from '../../abi/flags.js';
import { Flock, LOCK_RECORD_BYTES, LockCmd, LockType, readLockRecord, writeLockRecord, type LockRecord } from '../../abi/lock.js';
import { RingEnd } from '../../abi/ring.js';
import { Sig } from '../../abi/signal.js';
import { readStat, type Stat } from '../../abi/stat.js';
import { decodeUtf8, encodeUtf8 } from '../../abi/utf8.js';
import { WireWriter } from '../../abi/wire.js';
import { NEEDS_KERNEL } from '../rings.js';
import { check, MhError } from './error.js';
import { toKernelPath } from './path.js';
import { proc } from './process.js';
import { runSignalHandlers } from './signals.js';
import { concatBytes } from '../../abi/bytes.js';

export { F, O, S, SEEK, Flock, LockCmd, LockType };
export type { Stat, Dirent, LockRecord };

export function open(path: string, flags: number = O.RDONLY, mode = 0o666): number {
  return check(proc().sys.open(flags, mode, 0, 0, encodeUtf8(toKernelPath(path))), 'open', path);
}

export function openat(dirfd: number, path: string, flags: number = O.RDONLY, mode = 0o666): number {
  return check(proc().sys.openat(dirfd, flags, mode, 0, encodeUtf8(path)), 'openat', path);
}

export function close(fd: number): void {
  const p = proc();
  p.rings.forget(fd);
  check(p.sys.close(fd), 'close');
}

/** Reads at most dst.length bytes; 0 at end of file. `at` reads at an offset (pread). */
export function read(fd: number, dst: Uint8Array, at = -1): number {
  const p = proc();
  const r = at < 0 ? p.rings.get(fd) : undefined;
  if (r && r.end === RingEnd.Read && dst.length > 0) {
    for (;;) {
      const n = p.rings.read(r, dst);
      if (n >= 0) return n;
      if (n === -Errno.EINTR) {
        runSignalHandlers();
        continue;
      }
      break; // NEEDS_KERNEL: the kernel parks a stopped process, then reads for it
    }
  }
  const len = Math.min(dst.length, DATA_SIZE);
  for (;;) {
    const n = p.sys.read(fd, len, at);
    if (n === -Errno.EINTR) continue; // handlers ran in the client; restart
    check(n, 'read');
    dst.set(p.client.data.subarray(0, n));
    return n;
  }
}

/** Writes all of `data` (in several calls if large); returns the count. */
export function write(fd: number, data: Uint8Array | string, at = -1): number {
  const bytes = typeof data === 'string' ? encodeUtf8(data) : data;
  const p = proc();
  const r = at < 0 ? p.rings.get(fd) : undefined;
  if (r && r.end === RingEnd.Write) {
    for (;;) {
      const n = p.rings.write(r, bytes);
      if (n >= 0) return n;
      if (n === -Errno.EINTR) {
        runSignalHandlers();
        continue;
      }
      if (n === -Errno.EPIPE) {
        p.sys.kill(p.pid, Sig.SIGPIPE);
        throw new MhError(Errno.EPIPE, 'write');
      }
      if (n === NEEDS_KERNEL) break;
    }
  }
  let done = 0;
  do {
    const chunk = bytes.subarray(done, done + DATA_SIZE);
    const n = p.sys.write(fd, at < 0 ? -1 : at + done, 0, 0, chunk);
    if (n === -Errno.EINTR) continue;
    check(n, 'write');
    done += n;
    if (n === 0) break;
  } while (done < bytes.length);
  return done;
}

export function seek(fd: number, offset: number, whence: number = SEEK.SET): number {
  return check(proc().sys.seek(fd, offset, whence), 'seek');
}

export function fstat(fd: number): Stat {
  const p = proc();
  check(p.sys.fstat(fd), 'fstat');
  return readStat(p.client.data)!;
}

export function stat(path: string): Stat {
  const p = proc();
  check(p.sys.stat(0, 0, 0, 0, encodeUtf8(toKernelPath(path))), 'stat', path);
  return readStat(p.client.data)!;
}

export function lstat(path: string): Stat {
  const p = proc();
  check(p.sys.stat(1, 0, 0, 0, encodeUtf8(toKernelPath(path))), 'lstat', path);
  return readStat(p.client.data)!;
}

export function exists(path: string): boolean {
  try {
    stat(path);
    return true;
  } catch (e) {
    if (e instanceof MhError && (e.errno === Errno.ENOENT || e.errno === Errno.ENOTDIR)) return false;
    throw e;
  }
}

export function fsync(fd: number): void {
  check(proc().sys.fsync(fd), 'fsync');
}

export function ftruncate(fd: number, len: number): void {
  check(proc().sys.ftruncate(fd, len), 'ftruncate');
}

export function fpath(fd: number): string {
  const p = proc();
  const n = check(p.sys.fpath(fd), 'fpath');
  return decodeUtf8(p.client.data.subarray(0, n), false)!;
}

export function readAll(fd: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buf = new Uint8Array(64 * 1024);
  for (;;) {
    const n = read(fd, buf);
    if (n === 0) break;
    chunks.push(buf.slice(0, n));
    total += n;
  }
  return concatBytes(chunks, total);
}

export function readFile(path: string): Uint8Array {
  const fd = open(path, O.RDONLY);
  try {
    return readAll(fd);
  } finally {
    close(fd);
  }
}

export function readText(path: string): string {
  return decodeUtf8(readFile(path), false)!;
}

export function writeFile(path: string, data: Uint8Array | string, mode = 0o666): void {
  const fd = open(path, O.WRONLY | O.CREAT | O.TRUNC, mode);
  try {
    write(fd, data);
  } finally {
    close(fd);
  }
}

export function appendFile(path: string, data: Uint8Array | string, mode = 0o666): void {
  const fd = open(path, O.WRONLY | O.CREAT | O.APPEND, mode);
  try {
    write(fd, data);
  } finally {
    close(fd);
  }
}

export function readdir(path: string): Dirent[] {
  const fd = open(path, O.RDONLY | O.DIRECTORY);
  const p = proc();
  const out: Dirent[] = [];
  try {
    for (;;) {
      const n = check(p.sys.getdents(fd, 64 * 1024), 'getdents', path);
      if (n === 0) break;
      out.push(...parseDirents(p.client.data.subarray(0, n)));
    }
  } finally {
    close(fd);
  }
  return out;
}

function pathCall(op: 'mkdir' | 'rmdir' | 'unlink' | 'chmod' | 'readlink', path: string, a0 = 0): number {
  const p = proc();
  return check(p.sys[op](a0, 0, 0, 0, encodeUtf8(toKernelPath(path))), op, path);
}

export function mkdir(path: string, mode = 0o777): void {
  pathCall('mkdir', path, mode);
}
export function rmdir(path: string): void {
  pathCall('rmdir', path);
}
export function unlink(path: string): void {
  pathCall('unlink', path);
}
export function chmod(path: string, mode: number): void {
  pathCall('chmod', path, mode);
}
export function chown(path: string, uid: number, gid: number): void {
  check(proc().sys.chown(uid, gid, 0, 0, encodeUtf8(toKernelPath(path))), 'chown', path);
}
export function readlink(path: string): string {
  const n = pathCall('readlink', path);
  return decodeUtf8(proc().client.data.subarray(0, n), false)!;
}

function twoPaths(op: 'rename' | 'link' | 'symlink', a: string, b: string): void {
  const payload = new WireWriter().str(op === 'symlink' ? a : toKernelPath(a)).str(toKernelPath(b)).finish();
  check(proc().sys[op](0, 0, 0, 0, payload), op, b);
}
export function rename(from: string, to: string): void {
  twoPaths('rename', from, to);
}
export function link(from: string, to: string): void {
  twoPaths('link', from, to);
}
export function symlink(target: string, path: string): void {
  twoPaths('symlink', target, path);
}

/** The descriptor-level fcntl, keeping the process's ring table in step. */
export function fcntl(fd: number, cmd: number, arg = 0): number {
  const p = proc();
  const r = check(p.sys.fcntl(fd, cmd, arg), 'fcntl');
  if (cmd === F.DUPFD || cmd === F.DUPFD_CLOEXEC) p.rings.copy(fd, r);
  if (cmd === F.SETFL && arg & O.NONBLOCK) p.rings.forget(fd); // the kernel path honours O_NONBLOCK
  return r;
}

/**
 * A POSIX record lock (fcntl F_GETLK, F_SETLK, F_SETLKW). F_SETLK on a conflict throws EAGAIN;
 * F_SETLKW waits (restarted after a signal handler, as with SA_RESTART). F_GETLK answers the
 * lock that would conflict, or the request with type UNLCK. `len` 0 reaches the end of file.
 */
export function lockRange(fd: number, cmd: number, r: Pick<LockRecord, 'type' | 'start' | 'len'> & { whence?: number }): LockRecord {
  const p = proc();
  let whence = r.whence ?? SEEK.SET;
  let start = r.start;
  if (whence === SEEK.END) {
    start += fstat(fd).size;
    whence = SEEK.SET;
  }
  const rec = new Uint8Array(LOCK_RECORD_BYTES);
  writeLockRecord(rec, { type: r.type, whence, pid: 0, start, len: r.len });
  check(p.sys.lock(fd, cmd, 0, 0, rec), 'fcntl');
  return cmd === LockCmd.GETLK ? readLockRecord(p.client.data)! : { type: r.type, whence, pid: p.pid, start, len: r.len };
}

/** flock(2): Flock.SH, Flock.EX or Flock.UN, with Flock.NB not to wait. */
export function flock(fd: number, op: number): void {
  check(proc().sys.flock(fd, op), 'flock');
}
