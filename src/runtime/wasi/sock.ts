// WASI's socket calls on MACROHARD descriptors. Sockets are scheme descriptors (the network
// daemon serves `/scheme/tcp/...`), so receiving and sending are reads and writes, and
// accepting a connection derives a new capability from the listening one with
// `dup(fd, "accept")`, as libmh does, and shutting the write side `dup(fd, "shutdown")`.
// Peeking is netd's `dup(fd, "peek:N")` (socket.ts); waiting for all data is not offered.

import { Sys } from '../../abi/syscall.js';
import { Filetype, Rights as R, RIGHTS_SOCKET } from './constants.js';
import type { WasiContext } from './context.js';
import { WasiErrno } from './errno.js';
import { fdFunctions, iovTotal, scatter, setU32 } from './fd.js';
import { peekSocket } from './socket.js';

const RIFLAGS_RECV_PEEK = 1;
const RIFLAGS_RECV_WAITALL = 2;
const FDFLAGS_NONBLOCK = 4;
const SDFLAGS_WR = 2;

export function sockFunctions(ctx: WasiContext, fd: ReturnType<typeof fdFunctions>) {
  /** RECV_PEEK on a socket; anything else cannot peek (ENOTSUP). */
  function peek(sfd: number, iovs: number, count: number, nread: number, roflags: number): number {
    const e = ctx.need(sfd, R.FD_READ);
    if (e.filetype !== Filetype.SOCKET_STREAM && e.filetype !== Filetype.SOCKET_DGRAM) return WasiErrno.ENOTSUP;
    const got = peekSocket(ctx, sfd, iovTotal(ctx, iovs, count), (e.fdflags & FDFLAGS_NONBLOCK) !== 0);
    setU32(ctx, nread, scatter(ctx, iovs, count, got));
    setU32(ctx, roflags, 0);
    return 0;
  }

  return {
    sock_accept(sfd: number, flags: number, out: number): number {
      ctx.need(sfd, R.SOCK_ACCEPT);
      if (flags & ~FDFLAGS_NONBLOCK) return WasiErrno.EINVAL;
      const nfd = ctx.must(Sys.dup, sfd, 0, 0, 0, new TextEncoder().encode('accept'));
      ctx.forgetFd(nfd);
      ctx.fds.set(nfd, { fd: nfd, filetype: Filetype.SOCKET_STREAM, rightsBase: RIGHTS_SOCKET, rightsInheriting: 0, fdflags: 0, path: null, preopen: null });
      if (flags & FDFLAGS_NONBLOCK) fd.fd_fdstat_set_flags(nfd, FDFLAGS_NONBLOCK);
      setU32(ctx, out, nfd);
      return 0;
    },

    sock_recv(sfd: number, iovs: number, count: number, riflags: number, nread: number, roflags: number): number {
      if (riflags & RIFLAGS_RECV_PEEK) return peek(sfd, iovs, count, nread, roflags);
      if (riflags & RIFLAGS_RECV_WAITALL) return WasiErrno.ENOTSUP;
      const r = fd.fd_read(sfd, iovs, count, nread);
      if (r === 0) setU32(ctx, roflags, 0);
      return r;
    },

    sock_send(sfd: number, iovs: number, count: number, _siflags: number, nwritten: number): number {
      return fd.fd_write(sfd, iovs, count, nwritten);
    },

    sock_shutdown(sfd: number, how: number): number {
      ctx.need(sfd, R.SOCK_SHUTDOWN);
      if (how < 1 || how > 3) return WasiErrno.EINVAL;
      // Shutting the write side is netd's `dup(fd, "shutdown")`: a FIN after the queued data.
      // Shutting the read side alone changes nothing: what the peer sends can still be read.
      if (how & SDFLAGS_WR) ctx.call(Sys.close, ctx.must(Sys.dup, sfd, 0, 0, 0, new TextEncoder().encode('shutdown')));
      return 0;
    },
  };
}
