// WASI fd_* functions: reading and writing (through the pipe ring when the descriptor is a
// mapped pipe end, through the write-behind buffer for small writes to regular files, and
// otherwise through the kernel, gathering iovecs straight into the channel's data area),
// positions, metadata, flags, directory listing and renumbering.

import { DATA_SIZE } from '../../abi/channel.js';
import { parseDirents } from '../../abi/dirent.js';
import { F, O } from '../../abi/flags.js';
import { RingEnd } from '../../abi/ring.js';
import { Sig } from '../../abi/signal.js';
import { Sys } from '../../abi/syscall.js';
import { NEEDS_KERNEL } from '../rings.js';
import { DIRENT, FDSTAT, Fdflags, Filetype, Fstflags, PRESTAT, PREOPENTYPE_DIR, PREOPENTYPE_NOT_DIR, Rights as R } from './constants.js';
import type { WasiContext } from './context.js';
import { toWasi, WasiErrno, WasiError } from './errno.js';
import { wouldBlock } from './socket.js';
import { writeFilestat, dirTypeToFiletype } from './stat.js';

const EINTR = -4;
const EAGAIN = -11;

/** Sum of an iovec array's lengths. */
export function iovTotal(ctx: WasiContext, iovs: number, count: number): number {
  const dv = ctx.dv();
  if (iovs + count * 8 > dv.byteLength) throw new WasiError(WasiErrno.EFAULT);
  let total = 0;
  for (let i = 0; i < count; i++) total += dv.getUint32(iovs + i * 8 + 4, true);
  return total;
}

/** Copies up to `max` bytes gathered from iovecs into `dst`; returns the count. */
function gather(ctx: WasiContext, iovs: number, count: number, dst: Uint8Array, skip: number, max: number): number {
  const dv = ctx.dv();
  const m = ctx.u8();
  let out = 0;
  for (let i = 0; i < count && out < max; i++) {
    const p = dv.getUint32(iovs + i * 8, true);
    const n = dv.getUint32(iovs + i * 8 + 4, true);
    if (p + n > m.length) throw new WasiError(WasiErrno.EFAULT);
    if (skip >= n) {
      skip -= n;
      continue;
    }
    const take = Math.min(n - skip, max - out);
    dst.set(m.subarray(p + skip, p + skip + take), out);
    out += take;
    skip = 0;
  }
  return out;
}

/** Scatters `src` over iovecs; returns the count placed. */
export function scatter(ctx: WasiContext, iovs: number, count: number, src: Uint8Array): number {
  const dv = ctx.dv();
  const m = ctx.u8();
  let off = 0;
  for (let i = 0; i < count && off < src.length; i++) {
    const p = dv.getUint32(iovs + i * 8, true);
    const n = dv.getUint32(iovs + i * 8 + 4, true);
    if (p + n > m.length) throw new WasiError(WasiErrno.EFAULT);
    const take = Math.min(n, src.length - off);
    m.set(src.subarray(off, off + take), p);
    off += take;
  }
  return off;
}

/** Writes gathered iovecs through the kernel at `at` (-1: the descriptor's position). */
function kernelWrite(ctx: WasiContext, fd: number, iovs: number, count: number, total: number, at: number): number {
  ctx.settle(fd);
  const c = ctx.client;
  let done = 0;
  do {
    const len = gather(ctx, iovs, count, c.data, done, DATA_SIZE);
    const r = c.call(Sys.write, fd, at < 0 ? -1 : at + done, 0, 0, null, len);
    if (r === EINTR) continue;
    if (r < 0) {
      if (done > 0) break;
      throw new WasiError(toWasi(r));
    }
    done += r;
    if (r === 0) break;
  } while (done < total);
  return done;
}

/** Reads through the kernel into iovecs at `at` (-1: the descriptor's position). */
function kernelRead(ctx: WasiContext, fd: number, iovs: number, count: number, at: number): number {
  const total = Math.min(iovTotal(ctx, iovs, count), DATA_SIZE);
  for (;;) {
    const r = ctx.call(Sys.read, fd, total, at);
    if (r === EINTR) continue;
    if (r < 0) throw new WasiError(toWasi(r));
    return scatter(ctx, iovs, count, ctx.client.data.subarray(0, r));
  }
}

function ringWrite(ctx: WasiContext, fd: number, iovs: number, count: number, total: number): number {
  const r = ctx.rings.get(fd)!;
  if (ctx.pending) ctx.flush();
  let bytes: Uint8Array;
  if (count === 1) {
    const dv = ctx.dv();
    const p = dv.getUint32(iovs, true);
    bytes = ctx.bytes(p, total);
  } else {
    bytes = new Uint8Array(total);
    gather(ctx, iovs, count, bytes, 0, total);
  }
  for (;;) {
    const n = ctx.rings.write(r, bytes);
    if (n >= 0) return n;
    if (n === EINTR) {
      ctx.runHandlers();
      continue;
    }
    if (n === -32) {
      ctx.call(Sys.kill, ctx.pid, Sig.SIGPIPE);
      throw new WasiError(WasiErrno.EPIPE);
    }
    if (n === NEEDS_KERNEL) return -1;
  }
}

function ringRead(ctx: WasiContext, fd: number, iovs: number, count: number): number {
  const r = ctx.rings.get(fd)!;
  const dv = ctx.dv();
  for (let i = 0; i < count; i++) {
    const p = dv.getUint32(iovs + i * 8, true);
    const n = dv.getUint32(iovs + i * 8 + 4, true);
    if (n === 0) continue;
    const dst = ctx.bytes(p, n);
    if (ctx.pending) ctx.flush();
    for (;;) {
      const got = ctx.rings.read(r, dst);
      if (got >= 0) return got;
      if (got === EINTR) {
        ctx.runHandlers();
        continue;
      }
      return -1; // NEEDS_KERNEL
    }
  }
  return 0;
}

function setU64(ctx: WasiContext, ptr: number, v: number): void {
  const dv = ctx.dv();
  if ((ptr >>> 0) + 8 > dv.byteLength) throw new WasiError(WasiErrno.EFAULT);
  dv.setBigUint64(ptr, BigInt(v), true);
}

function setU32(ctx: WasiContext, ptr: number, v: number): void {
  const dv = ctx.dv();
  if ((ptr >>> 0) + 4 > dv.byteLength) throw new WasiError(WasiErrno.EFAULT);
  dv.setUint32(ptr, v, true);
}

export { setU32, setU64 };

/**
 * A descriptor the process was given that sits below a preopen. Preopens take the free
 * numbers, so a parent's descriptors at 3 and above keep theirs; but wasi-libc looks for
 * preopens from 3 upwards and stops at the first EBADF, so such a descriptor answers
 * fd_prestat_get with a preopen type that is not `dir`, which it skips.
 */
function inheritedBelowPreopens(ctx: WasiContext, fd: number): boolean {
  if (fd < 3) return false;
  let top = -1;
  for (const e of ctx.fds.values()) if (e.preopen !== null && e.fd > top) top = e.fd;
  if (fd > top) return false;
  try {
    ctx.entry(fd);
    return true;
  } catch {
    return false;
  }
}

export function fdFunctions(ctx: WasiContext) {
  return {
    fd_write(fd: number, iovs: number, count: number, nwritten: number): number {
      const e = ctx.need(fd, R.FD_WRITE);
      const total = iovTotal(ctx, iovs, count);
      let n = -1;
      const ring = ctx.rings.get(fd);
      if (ring && ring.end === RingEnd.Write && !(e.fdflags & Fdflags.NONBLOCK)) n = ringWrite(ctx, fd, iovs, count, total);
      else {
        ctx.deferred(fd);
        if (ctx.buffered(e, iovs, count, total)) n = total;
      }
      if (n < 0) {
        if (wouldBlock(ctx, e, true)) return WasiErrno.EAGAIN;
        n = kernelWrite(ctx, fd, iovs, count, total, -1);
      }
      if (e.fdflags & (Fdflags.SYNC | Fdflags.DSYNC)) ctx.call(Sys.fsync, fd);
      setU32(ctx, nwritten, n);
      return 0;
    },

    fd_read(fd: number, iovs: number, count: number, nread: number): number {
      const e = ctx.need(fd, R.FD_READ);
      let n = -1;
      const ring = ctx.rings.get(fd);
      if (ring && ring.end === RingEnd.Read && !(e.fdflags & Fdflags.NONBLOCK)) n = ringRead(ctx, fd, iovs, count);
      if (n < 0) {
        ctx.settle(fd);
        if (wouldBlock(ctx, e, false)) return WasiErrno.EAGAIN;
        n = kernelRead(ctx, fd, iovs, count, -1);
      }
      setU32(ctx, nread, n);
      return 0;
    },

    fd_pread(fd: number, iovs: number, count: number, offset: bigint, nread: number): number {
      ctx.need(fd, R.FD_READ | R.FD_SEEK);
      setU32(ctx, nread, kernelRead(ctx, fd, iovs, count, Number(offset)));
      return 0;
    },

    fd_pwrite(fd: number, iovs: number, count: number, offset: bigint, nwritten: number): number {
      ctx.need(fd, R.FD_WRITE | R.FD_SEEK);
      const total = iovTotal(ctx, iovs, count);
      setU32(ctx, nwritten, kernelWrite(ctx, fd, iovs, count, total, Number(offset)));
      return 0;
    },

    fd_seek(fd: number, offset: bigint, whence: number, newoffset: number): number {
      ctx.need(fd, offset === 0n && whence === 1 ? R.FD_TELL : R.FD_SEEK);
      if (whence > 2) return WasiErrno.EINVAL;
      ctx.settle(fd);
      setU64(ctx, newoffset, ctx.must(Sys.seek, fd, Number(BigInt.asIntN(64, offset)), whence));
      return 0;
    },

    fd_tell(fd: number, offset: number): number {
      ctx.need(fd, R.FD_TELL);
      ctx.settle(fd);
      setU64(ctx, offset, ctx.must(Sys.seek, fd, 0, 1));
      return 0;
    },

    fd_close(fd: number): number {
      ctx.entry(fd);
      let err = 0;
      try {
        ctx.settle(fd);
      } catch (e) {
        if (!(e instanceof WasiError)) throw e;
        err = e.errno;
      }
      const r = ctx.call(Sys.close, fd);
      ctx.forgetFd(fd);
      return r < 0 ? toWasi(r) : err;
    },

    fd_sync(fd: number): number {
      ctx.need(fd, R.FD_SYNC);
      ctx.settle(fd);
      ctx.must(Sys.fsync, fd);
      return 0;
    },

    fd_datasync(fd: number): number {
      ctx.need(fd, R.FD_DATASYNC);
      ctx.settle(fd);
      ctx.must(Sys.fsync, fd);
      return 0;
    },

    fd_advise(fd: number, _offset: bigint, _len: bigint, advice: number): number {
      ctx.need(fd, R.FD_ADVISE);
      return advice <= 5 ? 0 : WasiErrno.EINVAL;
    },

    fd_allocate(fd: number, offset: bigint, len: bigint): number {
      ctx.need(fd, R.FD_ALLOCATE);
      const end = Number(offset + len);
      if (ctx.fstat(fd).size < end) ctx.must(Sys.ftruncate, fd, end);
      return 0;
    },

    fd_fdstat_get(fd: number, ptr: number): number {
      const e = ctx.entry(fd);
      const dv = ctx.dv();
      if ((ptr >>> 0) + FDSTAT.SIZE > dv.byteLength) return WasiErrno.EFAULT;
      dv.setUint8(ptr + FDSTAT.FILETYPE, e.filetype);
      dv.setUint8(ptr + 1, 0);
      dv.setUint16(ptr + FDSTAT.FLAGS, e.fdflags, true);
      dv.setUint32(ptr + 4, 0, true);
      dv.setBigUint64(ptr + FDSTAT.RIGHTS_BASE, BigInt(e.rightsBase), true);
      dv.setBigUint64(ptr + FDSTAT.RIGHTS_INHERITING, BigInt(e.rightsInheriting), true);
      return 0;
    },

    fd_fdstat_set_flags(fd: number, flags: number): number {
      const e = ctx.need(fd, R.FD_FDSTAT_SET_FLAGS);
      if (flags & ~31) return WasiErrno.EINVAL;
      const kflags = (flags & Fdflags.APPEND ? O.APPEND : 0) | (flags & Fdflags.NONBLOCK ? O.NONBLOCK : 0);
      ctx.settle(fd);
      ctx.must(Sys.fcntl, fd, F.SETFL, kflags);
      // A non-blocking descriptor goes through the kernel, which honours O_NONBLOCK.
      if (flags & Fdflags.NONBLOCK) ctx.rings.forget(fd);
      e.fdflags = flags;
      return 0;
    },

    fd_fdstat_set_rights(fd: number, base: bigint, inheriting: bigint): number {
      const e = ctx.entry(fd);
      const b = Number(base & 0x3fffffffn);
      const i = Number(inheriting & 0x3fffffffn);
      if ((b & ~e.rightsBase) !== 0 || (i & ~e.rightsInheriting) !== 0) return WasiErrno.ENOTCAPABLE;
      e.rightsBase = b;
      e.rightsInheriting = i;
      return 0;
    },

    fd_filestat_get(fd: number, ptr: number): number {
      ctx.need(fd, R.FD_FILESTAT_GET);
      ctx.settle(fd);
      writeFilestat(ctx, ptr, ctx.fstat(fd));
      return 0;
    },

    fd_filestat_set_size(fd: number, size: bigint): number {
      ctx.need(fd, R.FD_FILESTAT_SET_SIZE);
      ctx.settle(fd);
      ctx.must(Sys.ftruncate, fd, Number(size));
      return 0;
    },

    fd_filestat_set_times(fd: number, atim: bigint, mtim: bigint, fst: number): number {
      ctx.need(fd, R.FD_FILESTAT_SET_TIMES);
      ctx.settle(fd);
      const [a, m] = resolveTimes(ctx, () => ctx.fstat(fd), atim, mtim, fst);
      ctx.must(Sys.futimens, fd, a, m);
      return 0;
    },

    fd_readdir(fd: number, buf: number, len: number, cookie: bigint, bufused: number): number {
      const e = ctx.need(fd, R.FD_READDIR);
      if (e.filetype !== Filetype.DIRECTORY) return WasiErrno.ENOTDIR;
      const out = ctx.bytes(buf, len);
      ctx.must(Sys.seek, fd, Number(cookie), 0);
      let pos = 0;
      const enc = new TextEncoder();
      while (pos < len) {
        const got = ctx.must(Sys.getdents, fd, Math.min(DATA_SIZE, Math.max(4096, (len - pos) * 2)));
        if (got === 0) break;
        const list = parseDirents(ctx.client.data.subarray(0, got));
        for (const d of list) {
          const name = enc.encode(d.name);
          const head = new Uint8Array(DIRENT.SIZE);
          const hv = new DataView(head.buffer);
          hv.setBigUint64(DIRENT.NEXT, BigInt(d.next), true);
          hv.setBigUint64(DIRENT.INO, BigInt(d.ino), true);
          hv.setUint32(DIRENT.NAMLEN, name.length, true);
          hv.setUint8(DIRENT.TYPE, dirTypeToFiletype(d.type));
          const whole = new Uint8Array(DIRENT.SIZE + name.length);
          whole.set(head);
          whole.set(name, DIRENT.SIZE);
          const take = Math.min(whole.length, len - pos);
          out.set(whole.subarray(0, take), pos);
          pos += take;
          if (pos >= len) break;
        }
      }
      setU32(ctx, bufused, pos);
      return 0;
    },

    fd_renumber(from: number, to: number): number {
      const e = ctx.entry(from);
      ctx.entry(to);
      if (from === to) return 0;
      ctx.settle(from);
      ctx.settle(to);
      ctx.must(Sys.dup2, from, to, 0, 0, new Uint8Array(0));
      ctx.must(Sys.close, from);
      ctx.rings.copy(from, to);
      ctx.forgetFd(from);
      ctx.fds.set(to, { ...e, fd: to });
      return 0;
    },

    fd_prestat_get(fd: number, ptr: number): number {
      const e = ctx.fds.get(fd);
      const other = (!e || e.preopen === null) && inheritedBelowPreopens(ctx, fd);
      if (!other && (!e || e.preopen === null)) return WasiErrno.EBADF;
      const dv = ctx.dv();
      if ((ptr >>> 0) + PRESTAT.SIZE > dv.byteLength) return WasiErrno.EFAULT;
      dv.setUint32(ptr + PRESTAT.TAG, other ? PREOPENTYPE_NOT_DIR : PREOPENTYPE_DIR, true);
      dv.setUint32(ptr + PRESTAT.NAME_LEN, other ? 0 : new TextEncoder().encode(e!.preopen!).length, true);
      return 0;
    },

    fd_prestat_dir_name(fd: number, ptr: number, len: number): number {
      const e = ctx.fds.get(fd);
      if (!e || e.preopen === null) return WasiErrno.EBADF;
      const name = new TextEncoder().encode(e.preopen);
      if (len < name.length) return WasiErrno.ENAMETOOLONG;
      ctx.bytes(ptr, name.length).set(name);
      return 0;
    },
  };
}

/** The (atime, mtime) pair in ms that a set_times call asks for, keeping what it leaves. */
export function resolveTimes(ctx: WasiContext, current: () => { atimeMs: number; mtimeMs: number }, atim: bigint, mtim: bigint, fst: number): [number, number] {
  if ((fst & Fstflags.ATIM && fst & Fstflags.ATIM_NOW) || (fst & Fstflags.MTIM && fst & Fstflags.MTIM_NOW)) throw new WasiError(WasiErrno.EINVAL);
  const now = Date.now();
  let cur: { atimeMs: number; mtimeMs: number } | null = null;
  const keep = () => (cur ??= current());
  const a = fst & Fstflags.ATIM ? Number(atim) / 1e6 : fst & Fstflags.ATIM_NOW ? now : keep().atimeMs;
  const m = fst & Fstflags.MTIM ? Number(mtim) / 1e6 : fst & Fstflags.MTIM_NOW ? now : keep().mtimeMs;
  void ctx;
  return [a, m];
}

export { EAGAIN };
