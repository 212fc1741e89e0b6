// The `macrohard` import module: what POSIX needs beyond WASI, for C programs built with the
// SDK (sdk/include/macrohard.h declares these imports and sdk/lib wraps them in the POSIX
// names). Each function answers a non-negative value or a negated WASI errno, so the C side
// stores `-r` in errno unchanged. Strings are NUL-terminated, string lists NULL-terminated,
// descriptor maps arrays of (child fd, parent fd) int pairs.
//
// Pipe ends created here are mapped into the ring fast path, and dup/dup2 keep the ring table
// in step, exactly as libmh does for TypeScript programs.

import { Errno } from '../../abi/errno.js';
import { F, FD_CLOEXEC, O, SEEK } from '../../abi/flags.js';
import { LOCK_RECORD_BYTES, LockCmd, readLockRecord, writeLockRecord } from '../../abi/lock.js';
import { RingEnd } from '../../abi/ring.js';
import { SIG_DFL, SIG_HANDLER, SIG_IGN } from '../../abi/signal.js';
import { encodeSpawn, SpawnFlags } from '../../abi/spawn.js';
import { Sys } from '../../abi/syscall.js';
import { Filetype } from './constants.js';
import { rightsFor, type WasiContext } from './context.js';
import { negated, toWasi, WasiErrno } from './errno.js';

/** pipe2() flags as the SDK passes them (wasi-libc's O_* values do not carry these). */
export const MH_PIPE_CLOEXEC = 1;
export const MH_PIPE_NONBLOCK = 2;

/** spawn() flags as the SDK passes them. */
export const MH_SPAWN_SETSID = 1;
export const MH_SPAWN_SETPGROUP = 2;
export const MH_SPAWN_INHERIT_FDS = 4;

export function macrohardFunctions(ctx: WasiContext) {
  const neg = negated;
  const raw = (r: number): number => (r < 0 ? -toWasi(r) : r);

  function pipeEntry(fd: number, write: boolean): void {
    ctx.forgetFd(fd);
    ctx.fds.set(fd, {
      fd, filetype: Filetype.UNKNOWN, rightsBase: rightsFor(Filetype.UNKNOWN, write ? O.WRONLY : O.RDONLY),
      rightsInheriting: 0, fdflags: 0, path: null, preopen: null,
    });
  }

  function copyEntry(from: number, to: number): void {
    const e = ctx.fds.get(from);
    ctx.forgetFd(to);
    if (e && e.preopen === null) ctx.fds.set(to, { ...e, fd: to });
    ctx.rings.copy(from, to);
  }

  return {
    spawn: (path: number, argv: number, envp: number, fds: number, nfds: number, cwd: number, flags: number) => neg(() => {
      const map: [number, number][] = [];
      if (fds === 0) map.push([0, 0], [1, 1], [2, 2]);
      else {
        const dv = ctx.dv();
        ctx.bytes(fds, nfds * 8);
        for (let i = 0; i < nfds; i++) map.push([dv.getInt32(fds + i * 8, true), dv.getInt32(fds + i * 8 + 4, true)]);
      }
      for (const [, pfd] of map) ctx.openPreopen(pfd); // a child given a preopen gets the directory
      let f = 0;
      if (flags & MH_SPAWN_SETSID) f |= SpawnFlags.SETSID;
      if (flags & MH_SPAWN_SETPGROUP) f |= SpawnFlags.SETPGID;
      if (flags & MH_SPAWN_INHERIT_FDS) f |= SpawnFlags.INHERIT_FDS;
      const req = encodeSpawn({
        path: ctx.cstr(path), argv: ctx.cstrs(argv), env: envp === 0 ? ctx.env : ctx.cstrs(envp),
        cwd: cwd === 0 ? '' : ctx.cstr(cwd), flags: f, pgid: 0, uid: -1, gid: -1, fds: map, ns: null, filter: null,
      });
      return ctx.must(Sys.spawn, 0, 0, 0, 0, req);
    }),

    exec: (path: number, argv: number, envp: number) => neg(() => {
      const req = encodeSpawn({
        path: ctx.cstr(path), argv: ctx.cstrs(argv), env: envp === 0 ? ctx.env : ctx.cstrs(envp),
        cwd: '', flags: 0, pgid: 0, uid: -1, gid: -1, fds: [], ns: null, filter: null,
      });
      return raw(ctx.call(Sys.exec, 0, 0, 0, 0, req));
    }),

    waitpid: (pid: number, status: number, options: number) => neg(() => {
      for (;;) {
        const r = ctx.call(Sys.waitpid, pid, options);
        if (r === -Errno.EINTR) continue;
        if (r < 0) return raw(r);
        if (r > 0 && status !== 0) {
          const s = new DataView(ctx.client.data.buffer, ctx.client.data.byteOffset, 4).getInt32(0, true);
          ctx.bytes(status, 4);
          ctx.dv().setInt32(status, s, true);
        }
        return r;
      }
    }),

    pipe: (fds: number, flags: number) => neg(() => {
      ctx.bytes(fds, 8);
      ctx.drain?.(); // the spare ring this pipe may use must be mapped before we attach to it
      const kflags = (flags & MH_PIPE_CLOEXEC ? O.CLOEXEC : 0) | (flags & MH_PIPE_NONBLOCK ? O.NONBLOCK : 0);
      const r = ctx.must(Sys.pipe, kflags);
      const rfd = r & 0xffff;
      const wfd = r >>> 16;
      const ringId = new DataView(ctx.client.data.buffer, ctx.client.data.byteOffset, 4).getUint32(0, true);
      pipeEntry(rfd, false);
      pipeEntry(wfd, true);
      if (!(flags & MH_PIPE_NONBLOCK)) {
        ctx.rings.attach(rfd, ringId, RingEnd.Read);
        ctx.rings.attach(wfd, ringId, RingEnd.Write);
      } else {
        ctx.fds.get(rfd)!.fdflags = 4;
        ctx.fds.get(wfd)!.fdflags = 4;
      }
      const dv = ctx.dv();
      dv.setInt32(fds, rfd, true);
      dv.setInt32(fds + 4, wfd, true);
      return 0;
    }),

    dup: (fd: number) => neg(() => {
      ctx.settle(fd);
      const nfd = ctx.must(Sys.dup, fd, 0, 0, 0, new Uint8Array(0));
      copyEntry(fd, nfd);
      return nfd;
    }),

    dup2: (fd: number, to: number) => neg(() => {
      ctx.settle(fd);
      ctx.settle(to);
      const r = ctx.must(Sys.dup2, fd, to, 0, 0, new Uint8Array(0));
      if (fd !== to) copyEntry(fd, to);
      return r;
    }),

    fchmod: (fd: number, mode: number) => neg(() => (ctx.settle(fd), ctx.must(Sys.fchmod, fd, mode))),
    fchown: (fd: number, uid: number, gid: number) => neg(() => (ctx.settle(fd), ctx.must(Sys.fchown, fd, uid, gid))),

    chmod: (path: number, mode: number) => neg(() => ctx.must(Sys.chmod, mode, 0, 0, 0, ctx.pathBytes(ctx.cstr(path)))),

    set_cloexec: (fd: number, on: number) => neg(() => ctx.must(Sys.fcntl, fd, F.SETFD, on ? FD_CLOEXEC : 0)),

    kill: (pid: number, sig: number) => neg(() => ctx.must(Sys.kill, pid, sig)),
    getpid: () => ctx.pid,
    getppid: () => raw(ctx.call(Sys.getppid)),
    getuid: () => raw(ctx.call(Sys.getuid)),
    getgid: () => raw(ctx.call(Sys.getgid)),
    geteuid: () => raw(ctx.call(Sys.geteuid)),
    getegid: () => raw(ctx.call(Sys.getegid)),
    getpgid: (pid: number) => raw(ctx.call(Sys.getpgid, pid)),
    setpgid: (pid: number, pgid: number) => raw(ctx.call(Sys.setpgid, pid, pgid)),
    setsid: () => raw(ctx.call(Sys.setsid)),
    umask: (mask: number) => raw(ctx.call(Sys.umask, mask)),

    chdir: (path: number) => neg(() => {
      ctx.cwd = null; // the kernel's canonical form of the new directory is asked for when needed
      return ctx.must(Sys.chdir, 0, 0, 0, 0, ctx.pathBytes(ctx.cstr(path)));
    }),

    getcwd: (buf: number, len: number) => neg(() => {
      let cwd = ctx.cwd;
      if (cwd === null) {
        const n = ctx.must(Sys.getcwd);
        cwd = ctx.cwd = new TextDecoder().decode(ctx.client.data.subarray(0, n));
      }
      const bytes = new TextEncoder().encode(cwd);
      if (bytes.length + 1 > len) return -WasiErrno.ERANGE;
      const dst = ctx.bytes(buf, bytes.length + 1);
      dst.set(bytes);
      dst[bytes.length] = 0;
      return bytes.length;
    }),

    /** kind 0: default action, 1: ignore, 2: run the function at table index `fn`. */
    sigaction: (sig: number, kind: number, fn: number) => neg(() => {
      if (kind === 2 && !ctx.table) return -WasiErrno.ENOTSUP;
      const action = kind === 0 ? SIG_DFL : kind === 1 ? SIG_IGN : kind === 2 ? SIG_HANDLER : -2;
      if (action === -2) return -WasiErrno.EINVAL;
      const prev = ctx.must(Sys.sigaction, sig, action);
      if (kind === 2) ctx.handlers.set(sig, fn);
      else ctx.handlers.delete(sig);
      return prev;
    }),

    sigprocmask: (how: number, mask: number) => raw(ctx.call(Sys.sigprocmask, how, mask)),

    /**
     * fcntl's F_GETLK/F_SETLK/F_SETLKW on wasi-libc's struct flock (wasm32: l_type i16 at 0,
     * l_whence i16 at 2, l_start i64 at 8, l_len i64 at 16, l_pid i32 at 24). A SEEK_END range
     * is made absolute here from the size. A wait a signal interrupts answers EINTR, as POSIX's.
     */
    lock: (fd: number, cmd: number, fl: number) => neg(() => {
      ctx.settle(fd);
      const dv = ctx.dv();
      ctx.bytes(fl, 32);
      let whence = dv.getInt16(fl + 2, true);
      let start = Number(dv.getBigInt64(fl + 8, true));
      if (whence === SEEK.END) {
        start += ctx.fstat(fd).size;
        whence = SEEK.SET;
      }
      const rec = new Uint8Array(LOCK_RECORD_BYTES);
      writeLockRecord(rec, { type: dv.getInt16(fl, true), whence, pid: 0, start, len: Number(dv.getBigInt64(fl + 16, true)) });
      const r = ctx.call(Sys.lock, fd, cmd, 0, 0, rec);
      if (r < 0) return raw(r);
      if (cmd === LockCmd.GETLK) {
        const out = readLockRecord(ctx.client.data)!;
        const w = ctx.dv();
        w.setInt16(fl, out.type, true);
        w.setInt16(fl + 2, out.whence, true);
        w.setBigInt64(fl + 8, BigInt(out.start), true);
        w.setBigInt64(fl + 16, BigInt(out.len), true);
        w.setInt32(fl + 24, out.pid, true);
      }
      return 0;
    }),

    /** flock(2): operation LOCK_SH 1, LOCK_EX 2, LOCK_UN 8, with LOCK_NB 4. */
    flock: (fd: number, op: number) => neg(() => (ctx.settle(fd), raw(ctx.call(Sys.flock, fd, op)))),
  };
}
