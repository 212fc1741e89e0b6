// BSD sockets for C programs: the `macrohard` imports behind the SDK's socket, bind, listen,
// connect, accept, getsockname/getpeername, setsockopt/getsockopt and getaddrinfo
// (sdk/src/socket.c, sdk/src/netdb.c). netd has no unconnected sockets: a connection is an open
// of `/scheme/tcp/HOST:PORT` and a listener an open of `/scheme/tcp/PORT`. So socket() holds a
// descriptor number with a placeholder (`/scheme/null`, or a pipe end when the namespace has no
// null) and keeps the BSD state (type, bound address, options) in the runtime's descriptor
// table; connect() and listen() open the netd object and dup2 it onto that number, so the
// program's descriptor never changes. Accepting is `dup(fd, "accept")`, the endpoints come from
// `dup(fd, "name")`, TCP_NODELAY and SO_KEEPALIVE from `dup(fd, "nodelay:N" / "keepalive:MS")`.
// A non-blocking connect opens with O_NONBLOCK and answers EINPROGRESS; MSG_PEEK, SO_ERROR,
// SO_RCVBUF/SO_SNDBUF and FIONREAD ask netd through `dup(fd, "peek:N" / "error" / "stat" /
// "bufsize:RX:TX")` (src/userland/netd/sockinfo.ts).
//
// Addresses go in as host-order IPv4 numbers and ports (`bind`, `connect`), or as 16 bytes of
// IPv6 address in network order (`bind6`, `connect6`; a v4-mapped ::ffff:a.b.c.d is IPv4).
// Endpoints come out as a 24-byte record (ENDPOINT_RECORD); the C side owns the sockaddr
// layouts. A socket made with MH_SOCK_INET6 reports IPv4 peers as v4-mapped addresses, as
// Linux does; netd's listeners take both families, so an AF_INET listener may also accept an
// IPv6 peer, which it reports as one. Each function answers a value or a negated WASI errno.

import { DATA_SIZE } from '../../abi/channel.js';
import { Errno } from '../../abi/errno.js';
import { F, FD_CLOEXEC, O } from '../../abi/flags.js';
import { Sys } from '../../abi/syscall.js';
import { formatEndpoint, parseIp, type IpAddress } from '../../net/wire/address.js';
import { ipv6Bytes, ipv6Value } from '../../net/wire/ipv6.js';
import { monotonicNs } from './clock.js';
import { Eventtype, Fdflags, Filetype, RIGHTS_SOCKET } from './constants.js';
import type { FdEntry, WasiContext } from './context.js';
import { negated, toWasi, WasiErrno, WasiError } from './errno.js';
import { kernelWaiter } from './poll.js';
import { RESOLVE_ERRNO, resolveName } from './resolve.js';

/** Socket types and flags as the SDK passes them. */
export const MH_SOCK_STREAM = 1;
export const MH_SOCK_DGRAM = 2;
export const MH_SOCK_CLOEXEC = 1;
export const MH_SOCK_NONBLOCK = 2;
/** socket(): an AF_INET6 socket. */
export const MH_SOCK_INET6 = 4;

/**
 * An endpoint as accept and sockname write it, 24 bytes little-endian: family (4 or 6) u32,
 * port u32, then the address in network order (IPv4 in the first 4 of the 16 bytes).
 */
export const ENDPOINT_RECORD = 24;
const V4_MAPPED = 0xffffn << 32n;

/** Options as the SDK names them: NREAD is FIONREAD, read only, as is ERROR (which clears it). */
export const MhSockopt = { REUSEADDR: 1, KEEPALIVE: 2, NODELAY: 3, RCVBUF: 4, SNDBUF: 5, ERROR: 6, NREAD: 7 } as const;

/** What a buffer size reads as before the socket has a connection: netd's size on a real link. */
const DEFAULT_BUFFER = 64 * 1024;

/** netd keeps a connection alive after this much silence when SO_KEEPALIVE is on (Linux's default). */
const KEEPALIVE_IDLE_MS = 7200 * 1000;
/** Where listen() looks for a free port when none was bound: the IANA dynamic range. */
const EPHEMERAL_LOW = 49152;
const EPHEMERAL_TRIES = 64;

interface Endpoint {
  /** A number for IPv4, a bigint for IPv6 (net/wire/address.ts). */
  addr: IpAddress;
  port: number;
}

export interface SockState {
  type: typeof MH_SOCK_STREAM | typeof MH_SOCK_DGRAM;
  family: 4 | 6;
  phase: 'new' | 'bound' | 'listening' | 'connecting' | 'connected';
  bound: Endpoint | null;
  peer: Endpoint | null;
  options: Record<number, number>;
}

const enc = new TextEncoder();

/**
 * Would a read (or write) on this non-blocking socket wait? netd holds such requests and never
 * answers EAGAIN, so the runtime asks the socket's readiness first, without waiting.
 */
export function wouldBlock(ctx: WasiContext, e: FdEntry, write: boolean): boolean {
  if (!(e.fdflags & Fdflags.NONBLOCK) || (e.filetype !== Filetype.SOCKET_STREAM && e.filetype !== Filetype.SOCKET_DGRAM)) return false;
  const ready = new Set<number>();
  kernelWaiter(ctx)([{ fd: e.fd, type: write ? Eventtype.FD_WRITE : Eventtype.FD_READ }], Number(monotonicNs()) / 1e6, ready);
  return !ready.has(0);
}

/** One read of a derived descriptor of netd's (`dup(fd, sub)`): its answer's bytes. */
function askNetd(ctx: WasiContext, fd: number, sub: string, max = 128): Uint8Array {
  const h = ctx.must(Sys.dup, fd, 0, 0, 0, enc.encode(sub));
  const n = ctx.call(Sys.read, h, max, -1);
  const out = n > 0 ? ctx.client.data.slice(0, n) : new Uint8Array(0);
  ctx.call(Sys.close, h);
  if (n < 0) throw new WasiError(toWasi(n));
  return out;
}

/**
 * MSG_PEEK: up to `len` bytes of what a read of socket `fd` would return, left in place. Waits
 * for data as a read would, unless `now` (a non-blocking descriptor, MSG_DONTWAIT): EAGAIN.
 */
export function peekSocket(ctx: WasiContext, fd: number, len: number, now: boolean): Uint8Array {
  const ready = new Set<number>();
  const deadline = now ? Number(monotonicNs()) / 1e6 : Infinity;
  const wait = kernelWaiter(ctx);
  do {
    if (wait([{ fd, type: Eventtype.FD_READ }], deadline, ready)) throw new WasiError(WasiErrno.EINTR);
  } while (!now && !ready.has(0));
  if (!ready.has(0)) throw new WasiError(WasiErrno.EAGAIN);
  const max = Math.min(len >>> 0, DATA_SIZE);
  return askNetd(ctx, fd, `peek:${max}`, max);
}

export function socketFunctions(ctx: WasiContext) {
  const wait = kernelWaiter(ctx);

  const neg = negated;

  function sockOf(fd: number): { e: FdEntry; s: SockState } {
    const e = ctx.entry(fd);
    if (!e.sock && e.filetype === Filetype.SOCKET_STREAM) {
      // A connection or listener this process did not make (inherited, or passed to it):
      // netd says which it is.
      const eps = endpoints(fd);
      if (!eps) throw new WasiError(WasiErrno.ENOTSOCK);
      const listening = eps[1].port === 0;
      e.sock = { type: MH_SOCK_STREAM, family: typeof eps[1].addr === 'bigint' ? 6 : 4, phase: listening ? 'listening' : 'connected', bound: eps[0], peer: listening ? null : eps[1], options: {} };
    }
    if (!e.sock) throw new WasiError(WasiErrno.ENOTSOCK);
    return { e, s: e.sock };
  }

  /** Opens netd's object: a descriptor, or the error (ENETDOWN when no tcp:/udp: scheme can be named). */
  function openNet(path: string, flags = 0): number {
    const r = ctx.call(Sys.open, O.RDWR | flags, 0, 0, 0, ctx.pathBytes(path));
    if (r === -Errno.ENOENT) throw new WasiError(WasiErrno.ENETDOWN);
    return r;
  }

  /** Opens `path` and puts the result on `fd`, keeping the socket's descriptor flags. */
  function install(fd: number, e: FdEntry, path: string, flags = 0): void {
    const nfd = openNet(path, flags);
    if (nfd < 0) throw new WasiError(toWasi(nfd));
    onto(fd, e, nfd);
  }

  function onto(fd: number, e: FdEntry, nfd: number): void {
    const cloexec = ctx.call(Sys.fcntl, fd, F.GETFD, 0);
    ctx.must(Sys.dup2, nfd, fd, 0, 0, new Uint8Array(0));
    ctx.call(Sys.close, nfd);
    if (cloexec > 0 && cloexec & FD_CLOEXEC) ctx.call(Sys.fcntl, fd, F.SETFD, FD_CLOEXEC);
    e.rightsBase = RIGHTS_SOCKET;
  }

  const ask = (fd: number, sub: string): Uint8Array => askNetd(ctx, fd, sub);

  /** A derived descriptor of netd's: `dup(fd, sub)`. */
  function derive(fd: number, sub: string): number {
    return ctx.must(Sys.dup, fd, 0, 0, 0, enc.encode(sub));
  }

  /** Sends the options netd acts on; SO_REUSEADDR needs nothing (see docs/network.md). */
  function applyOptions(fd: number, s: SockState): void {
    if (s.type !== MH_SOCK_STREAM) return;
    const nd = s.options[MhSockopt.NODELAY];
    const ka = s.options[MhSockopt.KEEPALIVE];
    const rx = s.options[MhSockopt.RCVBUF];
    const tx = s.options[MhSockopt.SNDBUF];
    if (nd !== undefined) ctx.call(Sys.close, derive(fd, `nodelay:${nd ? 1 : 0}`));
    if (ka !== undefined) ctx.call(Sys.close, derive(fd, `keepalive:${ka ? KEEPALIVE_IDLE_MS : 0}`));
    if (rx !== undefined || tx !== undefined) ctx.call(Sys.close, derive(fd, `bufsize:${rx ?? 0}:${tx ?? 0}`));
  }

  /** netd's `stat`: buffer sizes, bytes readable now, and the connection's state. */
  function stat(fd: number): { rcvbuf: number; sndbuf: number; nread: number; state: string } {
    const [rcvbuf, sndbuf, nread, state] = new TextDecoder().decode(ask(fd, 'stat')).trim().split(' ');
    return { rcvbuf: Number(rcvbuf), sndbuf: Number(sndbuf), nread: Number(nread), state: state ?? '' };
  }

  /** The pending error (SO_ERROR) as a WASI errno, 0 for none; netd reports it once. */
  function takeError(fd: number, s: SockState): number {
    const errno = Number(new TextDecoder().decode(ask(fd, 'error')).trim());
    if (errno === 0) return 0;
    // A failed connect leaves the socket unconnected: connect may be tried again.
    if (s.phase === 'connecting') s.phase = s.bound ? 'bound' : 'new';
    return toWasi(-errno);
  }

  /** Where a non-blocking connect has got to: 'connecting', 'connected', or 'failed'. */
  function progress(fd: number, s: SockState): string {
    if (s.phase !== 'connecting') return s.phase;
    const st = stat(fd).state;
    if (st === 'connected') s.phase = 'connected';
    return st;
  }

  /** netd's view of the endpoints: [local, remote]; null when it has none (datagrams). */
  function endpoints(fd: number): [Endpoint, Endpoint] | null {
    const h = ctx.call(Sys.dup, fd, 0, 0, 0, enc.encode('name'));
    if (h < 0) return null;
    const n = ctx.call(Sys.read, h, 128, -1);
    const text = n > 0 ? new TextDecoder().decode(ctx.client.data.subarray(0, n)) : '';
    ctx.call(Sys.close, h);
    const m = /^\[?([^\s\]]+)\]?:(\d+) \[?([^\s\]]+)\]?:(\d+)/.exec(text);
    const local = m ? parseIp(m[1]!) : null;
    const remote = m ? parseIp(m[3]!) : null;
    if (!m || local === null || remote === null) return null;
    return [{ addr: local, port: Number(m[2]) }, { addr: remote, port: Number(m[4]) }];
  }

  /** Writes an endpoint record for a socket of `family`: IPv4 as v4-mapped on an IPv6 socket. */
  function putEndpoint(out: number, ep: Endpoint, family: 4 | 6): void {
    const bytes = ctx.bytes(out, ENDPOINT_RECORD);
    const dv = ctx.dv();
    let a = ep.addr;
    if (family === 6 && typeof a === 'number') a = a ? V4_MAPPED | BigInt(a) : 0n;
    dv.setUint32(out, typeof a === 'bigint' ? 6 : 4, true);
    dv.setUint32(out + 4, ep.port, true);
    bytes.fill(0, 8);
    if (typeof a === 'bigint') ipv6Bytes(a, bytes, 8);
    else dv.setUint32(out + 8, a >>> 0, false);
  }

  /** An IPv6 address the C side passed (16 bytes, network order); IPv4 if it is v4-mapped. */
  function addr6At(ptr: number): IpAddress {
    const v = ipv6Value(ctx.bytes(ptr, 16));
    return v >> 32n === 0xffffn ? Number(v & 0xffff_ffffn) : v;
  }

  function bindTo(fd: number, addr: IpAddress, port: number): number {
    const { e, s } = sockOf(fd);
    if (s.phase !== 'new') return -WasiErrno.EINVAL;
    if (port < 0 || port > 65535) return -WasiErrno.EINVAL;
    s.bound = { addr, port };
    s.phase = 'bound';
    // A bound datagram socket receives from anyone at once: netd's `udp:/PORT`.
    if (s.type === MH_SOCK_DGRAM) {
      if (port === 0) return -WasiErrno.EINVAL;
      install(fd, e, `/scheme/udp/${port}`);
    }
    return 0;
  }

  function connectTo(fd: number, addr: IpAddress, port: number): number {
    const { e, s } = sockOf(fd);
    if (s.phase === 'connecting') {
      // Asked again while a non-blocking connect goes on, as event loops do: EALREADY until
      // it ends, then 0 once (EISCONN after) or the error it ended with.
      const st = progress(fd, s);
      if (st === 'connecting') return -WasiErrno.EALREADY;
      if (st === 'connected') return 0;
      return -(takeError(fd, s) || WasiErrno.ECONNABORTED);
    }
    if (s.phase === 'connected') return -WasiErrno.EISCONN;
    if (s.phase === 'listening') return -WasiErrno.EINVAL;
    if (port <= 0 || port > 65535) return -WasiErrno.EINVAL;
    // 0.0.0.0 (and ::) means this host, as on Linux. netd's open answers once the handshake is
    // done; opened non-blocking it answers at once and the handshake goes on (EINPROGRESS).
    const peer = addr || (typeof addr === 'bigint' ? 1n : 0x7f00_0001);
    const stream = s.type === MH_SOCK_STREAM;
    const nonblock = stream && (e.fdflags & Fdflags.NONBLOCK) !== 0;
    install(fd, e, `/scheme/${stream ? 'tcp' : 'udp'}/${formatEndpoint(peer, port)}`, nonblock ? O.NONBLOCK : 0);
    s.peer = { addr: peer, port };
    s.phase = nonblock ? 'connecting' : 'connected';
    applyOptions(fd, s);
    return nonblock ? -WasiErrno.EINPROGRESS : 0;
  }

  /** Holds a descriptor number until connect or listen puts netd's object there. */
  function placeholder(): number {
    const fd = ctx.call(Sys.open, O.RDWR, 0, 0, 0, enc.encode('/scheme/null'));
    if (fd >= 0) return fd;
    const r = ctx.must(Sys.pipe, 0);
    ctx.call(Sys.close, r >>> 16);
    return r & 0xffff;
  }

  return {
    socket: (type: number, flags: number) => neg(() => {
      const family = flags & MH_SOCK_INET6 ? 6 : 4;
      if (type !== MH_SOCK_STREAM && type !== MH_SOCK_DGRAM) return -WasiErrno.EPROTONOSUPPORT;
      const fd = placeholder();
      if (flags & MH_SOCK_CLOEXEC) ctx.call(Sys.fcntl, fd, F.SETFD, FD_CLOEXEC);
      ctx.forgetFd(fd);
      ctx.fds.set(fd, {
        fd, filetype: type === MH_SOCK_STREAM ? Filetype.SOCKET_STREAM : Filetype.SOCKET_DGRAM, rightsBase: RIGHTS_SOCKET,
        rightsInheriting: 0, fdflags: flags & MH_SOCK_NONBLOCK ? Fdflags.NONBLOCK : 0, path: null, preopen: null,
        sock: { type: type as SockState['type'], family, phase: 'new', bound: null, peer: null, options: {} },
      });
      return fd;
    }),

    bind: (fd: number, addr: number, port: number) => neg(() => bindTo(fd, addr >>> 0, port)),
    bind6: (fd: number, addr: number, port: number) => neg(() => bindTo(fd, addr6At(addr), port)),
    connect: (fd: number, addr: number, port: number) => neg(() => connectTo(fd, addr >>> 0, port)),
    connect6: (fd: number, addr: number, port: number) => neg(() => connectTo(fd, addr6At(addr), port)),

    listen: (fd: number, _backlog: number) => neg(() => {
      const { e, s } = sockOf(fd);
      if (s.type !== MH_SOCK_STREAM) return -WasiErrno.ENOTSUP;
      if (s.phase === 'listening') return 0;
      if (s.phase === 'connected') return -WasiErrno.EINVAL;
      // netd listens on every address; a port of 0 asks for any free one.
      const want = s.bound?.port ?? 0;
      let port = want;
      for (let tries = 0; ; tries++) {
        if (want === 0) port = EPHEMERAL_LOW + ((Math.random() * (65536 - EPHEMERAL_LOW)) | 0);
        const nfd = openNet(`/scheme/tcp/${port}`);
        if (nfd >= 0) {
          onto(fd, e, nfd);
          break;
        }
        if (want === 0 && nfd === -Errno.EADDRINUSE && tries < EPHEMERAL_TRIES) continue;
        throw new WasiError(toWasi(nfd));
      }
      s.bound = { addr: s.bound?.addr ?? 0, port };
      s.phase = 'listening';
      applyOptions(fd, s);
      return 0;
    }),


    accept: (fd: number, flags: number, out: number) => neg(() => {
      const { e, s } = sockOf(fd);
      if (s.phase !== 'listening') return -WasiErrno.EINVAL;
      if (wouldBlock(ctx, e, false)) return -WasiErrno.EAGAIN;
      const nfd = derive(fd, 'accept');
      if (flags & MH_SOCK_CLOEXEC) ctx.call(Sys.fcntl, nfd, F.SETFD, FD_CLOEXEC);
      ctx.forgetFd(nfd);
      const peer = out ? endpoints(nfd)?.[1] ?? null : null;
      if (out) putEndpoint(out, peer ?? { addr: 0, port: 0 }, s.family);
      ctx.fds.set(nfd, {
        fd: nfd, filetype: Filetype.SOCKET_STREAM, rightsBase: RIGHTS_SOCKET, rightsInheriting: 0,
        fdflags: flags & MH_SOCK_NONBLOCK ? Fdflags.NONBLOCK : 0, path: null, preopen: null,
        sock: { type: MH_SOCK_STREAM, family: s.family, phase: 'connected', bound: null, peer, options: { ...s.options } },
      });
      return nfd;
    }),

    /** which 0: the local endpoint (getsockname), 1: the peer (getpeername). */
    sockname: (fd: number, which: number, out: number) => neg(() => {
      const { s } = sockOf(fd);
      if (which === 1 && progress(fd, s) !== 'connected') return -WasiErrno.ENOTCONN;
      let ep: Endpoint | null = null;
      if (s.phase === 'connected' && s.type === MH_SOCK_STREAM) ep = endpoints(fd)?.[which] ?? null;
      ep ??= which === 1 ? s.peer : s.bound;
      putEndpoint(out, ep ?? { addr: 0, port: 0 }, s.family);
      return 0;
    }),

    /** Sets option `opt` to `value` (>= 0) and answers its old value; value < 0 only reads it. */
    sockopt: (fd: number, opt: number, value: number) => neg(() => {
      const { s } = sockOf(fd);
      const live = s.phase === 'listening' || s.phase === 'connected' || s.phase === 'connecting' || (s.type === MH_SOCK_DGRAM && s.phase === 'bound');
      if (opt === MhSockopt.ERROR) return live ? takeError(fd, s) : 0;
      if (opt === MhSockopt.NREAD) return live && s.phase !== 'listening' ? stat(fd).nread : 0;
      if (opt === MhSockopt.RCVBUF || opt === MhSockopt.SNDBUF) {
        // Truthful: once netd has the socket, the sizes it uses; before, the size asked for.
        if (value >= 0) {
          s.options[opt] = value;
          if (live) applyOptions(fd, s);
          return 0;
        }
        if (!live) return s.options[opt] ?? DEFAULT_BUFFER;
        const st = stat(fd);
        return opt === MhSockopt.RCVBUF ? st.rcvbuf : st.sndbuf;
      }
      if (opt !== MhSockopt.REUSEADDR && opt !== MhSockopt.KEEPALIVE && opt !== MhSockopt.NODELAY) return -WasiErrno.ENOPROTOOPT;
      const old = s.options[opt] ?? 0;
      if (value < 0) return old;
      s.options[opt] = value ? 1 : 0;
      if (s.phase === 'listening' || s.phase === 'connected') applyOptions(fd, s);
      return old;
    }),

    /**
     * MSG_PEEK: up to `len` bytes of what a read would return, left for the next read. Waits
     * for data like a read unless the descriptor is non-blocking or `dontwait` is set (EAGAIN).
     */
    peek: (fd: number, buf: number, len: number, dontwait: number) => neg(() => {
      const { e, s } = sockOf(fd);
      if (s.phase === 'listening' || (s.type === MH_SOCK_STREAM && s.phase !== 'connected' && s.phase !== 'connecting')) return -WasiErrno.ENOTCONN;
      if (s.type === MH_SOCK_DGRAM && s.phase === 'new') return -WasiErrno.ENOTCONN;
      const got = peekSocket(ctx, fd, len, dontwait !== 0 || (e.fdflags & Fdflags.NONBLOCK) !== 0);
      ctx.bytes(buf, got.length).set(got);
      return got.length;
    }),

    /** Up to `max` IPv6 addresses (16 bytes each, network order) for the name; their count. */
    resolve6: (name: number, out: number, max: number) => neg(() => {
      const r = resolveName(ctx, wait, ctx.cstr(name), 6);
      if (typeof r === 'string') return -RESOLVE_ERRNO[r];
      const n = Math.min(r.length, max);
      const bytes = ctx.bytes(out, n * 16);
      for (let i = 0; i < n; i++) ipv6Bytes(r[i]!, bytes, i * 16);
      return n;
    }),

    /** Up to `max` IPv4 addresses (host order, 4 bytes each) for the name; their count. */
    resolve: (name: number, out: number, max: number) => neg(() => {
      const r = resolveName(ctx, wait, ctx.cstr(name));
      if (typeof r === 'string') return -RESOLVE_ERRNO[r];
      const n = Math.min(r.length, max);
      ctx.bytes(out, n * 4);
      const dv = ctx.dv();
      for (let i = 0; i < n; i++) dv.setUint32(out + i * 4, r[i]!, true);
      return n;
    }),
  };
}
