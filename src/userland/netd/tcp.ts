// The tcp: scheme. `tcp:HOST:PORT` connects (the open is answered once the handshake is done,
// or fails with ECONNREFUSED / ETIMEDOUT; opened with O_NONBLOCK it is answered at once, the
// connection becomes writable when the handshake ends, readable and writable when it fails,
// and `dup(fd, "error")` says how); HOST is a dotted quad, `localhost` or an IPv6 address in
// brackets (`tcp:[fe80::1%eth0]:80`, parseEndpoint). `tcp:/PORT` (or `tcp:0.0.0.0:PORT`,
// `tcp:[::]:PORT`) listens on every link for both families, and `dup(fd, "accept")` takes
// one connection from it. Reads and writes are the
// socket's byte stream: a read with nothing to read, a write into a full buffer, a connect in
// progress and an accept with an empty backlog are held (DEFER) and answered from `pump`,
// which runs after every poll of the stack. A read at end of stream answers 0 bytes.
// `dup(fd, "name")` gives a descriptor whose read is the socket's endpoints (for getsockname
// and getpeername), `dup(fd, "nodelay:0|1")` and `dup(fd, "keepalive:MS")` set options; the
// descriptors those two return do nothing and are closed at once. The socket calls' other
// questions are derived descriptors too, read once (sockinfo.ts): `peek:N`, `stat`, `error`
// and `bufsize:RX:TX`.
//
// Readiness goes to the kernel with `notify` whenever a handle's mask changes, so programs can
// wait on many connections with the event scheme.

import * as mh from 'libmh';
import { MAX_PAYLOAD } from '../../abi/scheme.js';
import { emptyStat, type Stat } from '../../abi/stat.js';
import { TcpSocket, TcpState, type TcpOptions } from '../../net/socket/tcp.js';
import { Readiness } from '../../net/socket/readiness.js';
import { formatEndpoint, ipv4, parseIp, type IpAddress } from '../../net/wire/address.js';
import { linkFor, type Link } from './links.js';
import { Errno, EV_READ, EV_WRITE, fail, S_IFSOCK, type Held } from './held.js';
import { answerInfo } from './sockinfo.js';

interface Conn {
  kind: 'conn';
  link: Link;
  sock: TcpSocket;
  reads: Held[];
  writes: Held[];
  mask: number;
  /** The failure SO_ERROR has already reported (it reports each once). */
  errorTaken: boolean;
}

interface Listener {
  kind: 'listen';
  port: number;
  socks: { link: Link; sock: TcpSocket }[];
  accepts: Held[];
  mask: number;
}

/** `dup(fd, "name")`: the socket's endpoints as text, read once (getsockname, getpeername). */
interface Info {
  kind: 'info';
  text: Uint8Array;
}

type Entry = Conn | Listener | Info | { kind: 'ctl' };

/**
 * Socket options for a link: the MSS follows its MTU (IPv4 and TCP headers take 40 bytes).
 * Buffers are allocated whole when a socket is made, so their size bounds memory per
 * connection: 64 KiB each way on a real link (a thousand connections cost 128 MiB), 1 MiB
 * on the loopback, where one connection between two local processes wants bandwidth: with
 * four requests' worth of room each way, a writer's request is answered at once and a reader
 * finds data waiting, instead of each waiting for the other's turn through the kernel.
 */
function optionsFor(link: Link, extra: TcpOptions = {}): TcpOptions {
  const mss = link.device.caps.mtu - 40;
  // At least four full segments each way on a link with a large MTU (a TAP link of 64 KiB
  // frames): with a window of one segment, every segment would wait out the peer's delayed ACK.
  const buf = link.fd < 0 ? 1024 * 1024 : Math.max(64 * 1024, 16 * mss);
  return { rxBufferSize: buf, txBufferSize: buf, mss, ...extra };
}

/** Connections a listener holds before accept; each costs its buffers from its SYN on. */
const BACKLOG = 512;

/**
 * Parses `HOST:PORT`: HOST is a dotted quad, `localhost`, empty (any), or an IPv6 address in
 * brackets with an optional zone naming the link (`[fe80::1%eth0]`); `[::]` is any, too.
 */
export function parseEndpoint(ref: string): { addr: IpAddress; port: number; zone?: string } | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)(?:%(\w+))?\]|([^:/[\]]*)):(\d+)$/.exec(ref);
  if (!m) return null;
  const v6 = m[1] === undefined ? null : parseIp(m[1]);
  const addr = m[1] !== undefined ? (typeof v6 === 'bigint' ? v6 : null) : m[3] === 'localhost' ? 0x7f00_0001 : m[3] === '' ? 0 : ipv4(m[3]!);
  const port = Number(m[4]);
  if (addr === null || port > 65535) return null;
  return m[2] === undefined ? { addr, port } : { addr, port, zone: m[2] };
}

export class TcpService implements mh.SchemeHandler {
  private entries = new Map<number, Entry>();
  private connecting: { tag: number; link: Link; sock: TcpSocket }[] = [];
  /** Sockets whose handle is closed, kept until their FIN handshake ends. */
  private closing: { link: Link; sock: TcpSocket }[] = [];
  private next = 1;
  /** Where reads are taken from the stack before their reply copies them (one request's worth). */
  private readonly scratch = new Uint8Array(MAX_PAYLOAD);
  server!: mh.SchemeServer;

  constructor(private readonly links: readonly Link[]) {}

  open(path: string, flags: number, _mode: number, c: mh.Caller): number | typeof mh.DEFER {
    const ref = path.replace(/^\/+/, '');
    const listenPort = /^\d+$/.test(ref) ? Number(ref) : null;
    const ep = listenPort !== null ? { addr: 0, port: listenPort } : parseEndpoint(ref);
    if (!ep || ep.port === 0) fail(Errno.EINVAL);
    if (!ep.addr) return this.listen(ep.port);
    const link = linkFor(this.links, ep.addr, ep.zone) ?? fail(Errno.ENETUNREACH);
    const sock = link.sockets.add(new TcpSocket(optionsFor(link)));
    const local = link.sockets.ephemeralPort();
    if (local === 0 || sock.connect(ep.addr, ep.port, local) !== null) {
      link.sockets.remove(sock);
      fail(Errno.EADDRNOTAVAIL);
    }
    // A non-blocking connect gets its connection now, still in its handshake.
    if (flags & mh.O.NONBLOCK) return this.add(newConn(link, sock));
    this.connecting.push({ tag: c.tag, link, sock });
    return mh.DEFER;
  }

  private listen(port: number): number {
    for (const e of this.entries.values()) if (e.kind === 'listen' && e.port === port) fail(Errno.EADDRINUSE);
    const socks = this.links.map((link) => {
      const sock = link.sockets.add(new TcpSocket(optionsFor(link, { backlog: BACKLOG })));
      sock.listen(port, 0, BACKLOG);
      return { link, sock };
    });
    return this.add({ kind: 'listen', port, socks, accepts: [], mask: 0 });
  }

  private add(e: Entry): number {
    const h = this.next++;
    this.entries.set(h, e);
    return h;
  }

  read(h: number, offset: number, len: number, c: mh.Caller): Uint8Array | typeof mh.DEFER {
    const info = this.entries.get(h);
    if (info?.kind === 'info') return info.text.subarray(Math.max(0, offset), Math.max(0, offset) + len);
    const e = this.conn(h);
    const r = this.tryRead(e, len);
    if (r) {
      this.refresh(h, e);
      return r;
    }
    e.reads.push({ tag: c.tag, len });
    return mh.DEFER;
  }

  /**
   * Data, end of stream (empty), null for "nothing yet"; throws for a failed connection. The
   * data is a view of a scratch buffer, valid until the next read: the reply copies it at once.
   */
  private tryRead(e: Conn, len: number): Uint8Array | null {
    const buf = this.scratch.subarray(0, Math.min(len, this.scratch.length, e.sock.recvQueue || 1));
    const n = e.sock.recv(buf);
    if (n === 'finished') return buf.subarray(0, 0);
    if (n === 'invalid-state') return e.sock.error ? fail(errnoOf(e.sock)) : buf.subarray(0, 0);
    return n > 0 ? buf.subarray(0, n) : null;
  }

  /**
   * A write is answered once all of it is queued, as a blocking send() is: answering with a
   * part would make the caller send the rest again, copying it through the kernel once more.
   */
  write(h: number, _offset: number, data: Uint8Array, c: mh.Caller): number | typeof mh.DEFER {
    const e = this.conn(h);
    let done = 0;
    if (e.writes.length === 0) {
      done = this.trySend(e, data);
      if (done === data.length) {
        this.refresh(h, e);
        return done;
      }
    }
    e.writes.push({ tag: c.tag, len: data.length, data: data.slice(done), done });
    return mh.DEFER;
  }

  private trySend(e: Conn, data: Uint8Array): number {
    // A write to a connection still in its handshake waits for it, as on Linux.
    if (handshaking(e.sock)) return 0;
    const n = e.sock.send(data);
    if (n === 'invalid-state') return fail(e.sock.error ? errnoOf(e.sock) : Errno.EPIPE);
    return n;
  }

  dup(h: number, sub: string, c: mh.Caller): number | typeof mh.DEFER {
    const e = this.entries.get(h) ?? fail(Errno.EBADF);
    if (sub === 'shutdown' && e.kind === 'conn') {
      // shutdown(SHUT_WR): a FIN after the queued data; reads go on until the peer's FIN.
      // The control handle the caller gets back does nothing and is closed by it at once.
      e.sock.close();
      return this.add({ kind: 'ctl' });
    }
    if (sub === 'name' && (e.kind === 'conn' || e.kind === 'listen')) return this.add({ kind: 'info', text: endpoints(e) });
    if (e.kind === 'conn' || e.kind === 'listen') {
      const text = this.sockInfo(h, e, sub);
      if (text) return this.add({ kind: 'info', text });
    }
    const opt = /^(nodelay|keepalive):(\d+)$/.exec(sub);
    if (opt && (e.kind === 'conn' || e.kind === 'listen')) {
      // Options on a listener reach the connections it accepts (children copy its options).
      const socks = e.kind === 'conn' ? [e.sock] : e.socks.map((x) => x.sock);
      const v = Number(opt[2]);
      for (const s of socks) {
        if (opt[1] === 'nodelay') s.setNoDelay(v !== 0);
        else s.setKeepAlive(v === 0 ? null : v);
      }
      return this.add({ kind: 'ctl' });
    }
    if (sub !== 'accept' || e.kind !== 'listen') fail(Errno.EINVAL);
    const got = this.tryAccept(e as Listener);
    if (got !== null) {
      this.refresh(h, e as Listener);
      return got;
    }
    (e as Listener).accepts.push({ tag: c.tag, len: 0 });
    return mh.DEFER;
  }

  private tryAccept(l: Listener): number | null {
    for (const { link, sock } of l.socks) {
      const child = sock.accept();
      if (child) return this.add(newConn(link, child));
    }
    return null;
  }

  fstat(h: number): Stat {
    this.entries.get(h) ?? fail(Errno.EBADF);
    return { ...emptyStat(), mode: S_IFSOCK | 0o666 };
  }

  close(h: number): void {
    const e = this.entries.get(h);
    if (!e) return;
    this.entries.delete(h);
    if (e.kind === 'ctl' || e.kind === 'info') return;
    if (e.kind === 'listen') {
      for (const { link, sock } of e.socks) {
        sock.close();
        link.sockets.remove(sock);
      }
      return;
    }
    e.sock.close();
    this.closing.push({ link: e.link, sock: e.sock });
  }

  cancel(tag: number): void {
    for (const e of this.entries.values()) {
      if (e.kind === 'ctl' || e.kind === 'info') continue;
      if (e.kind === 'conn') {
        e.reads = e.reads.filter((r) => r.tag !== tag);
        e.writes = e.writes.filter((r) => r.tag !== tag);
      } else e.accepts = e.accepts.filter((r) => r.tag !== tag);
    }
    const i = this.connecting.findIndex((p) => p.tag === tag);
    if (i >= 0) {
      const [p] = this.connecting.splice(i, 1);
      p!.sock.abort();
      this.closing.push(p!);
    }
  }

  private conn(h: number): Conn {
    const e = this.entries.get(h);
    if (!e) return fail(Errno.EBADF);
    if (e.kind !== 'conn') return fail(Errno.ENOTCONN);
    return e;
  }

  /**
   * Reports a handle's readiness at once after a call changed it, in the same batch as the
   * reply: a program that drained a socket must not see it still readable and block.
   */
  private refresh(h: number, e: Conn | Listener): void {
    const m = maskOf(e);
    if (m !== e.mask) {
      e.mask = m;
      this.server.notify(h, m);
    }
  }

  /** After a poll: finish what was held, drop what has closed, report readiness. */
  pump(): void {
    const s = this.server;
    if (this.connecting.length) {
      this.connecting = this.connecting.filter((p) => {
        if (p.sock.state === TcpState.Established || p.sock.state === TcpState.CloseWait) {
          s.reply(p.tag, this.add(newConn(p.link, p.sock)), new Uint8Array(0), 1);
          return false;
        }
        if (p.sock.state === TcpState.Closed) {
          s.reply(p.tag, -errnoOf(p.sock));
          this.closing.push(p);
          return false;
        }
        return true;
      });
    }
    for (const [h, e] of this.entries) {
      if (e.kind === 'ctl' || e.kind === 'info') continue;
      if (e.kind === 'listen') {
        while (e.accepts.length) {
          const got = this.tryAccept(e);
          if (got === null) break;
          s.reply(e.accepts.shift()!.tag, got, new Uint8Array(0), 1);
        }
      } else {
        this.pumpConn(e);
      }
      this.refresh(h, e);
    }
    if (this.closing.length) {
      this.closing = this.closing.filter(({ link, sock }) => {
        if (sock.state !== TcpState.Closed) return true;
        link.sockets.remove(sock);
        return false;
      });
    }
  }

  private pumpConn(e: Conn): void {
    const s = this.server;
    while (e.reads.length) {
      const r = e.reads[0]!;
      let got: Uint8Array | null;
      try {
        got = this.tryRead(e, r.len);
      } catch (err) {
        s.reply(r.tag, -(err as mh.MhError).errno);
        e.reads.shift();
        continue;
      }
      if (!got) break;
      e.reads.shift();
      s.reply(r.tag, got.length, got);
    }
    while (e.writes.length) {
      const w = e.writes[0]!;
      let n: number;
      try {
        n = this.trySend(e, w.data!);
      } catch (err) {
        // What was queued before the failure counts; the caller sees the error next time.
        s.reply(w.tag, w.done ? w.done : -(err as mh.MhError).errno);
        e.writes.shift();
        continue;
      }
      w.done! += n;
      w.data = w.data!.subarray(n);
      if (w.data.length > 0) break;
      e.writes.shift();
      s.reply(w.tag, w.done!);
    }
  }

  /** A socket call's question (sockinfo.ts) about a connection or listener; null if not one. */
  private sockInfo(h: number, e: Conn | Listener, sub: string): Uint8Array | null {
    const socks = e.kind === 'conn' ? [e.sock] : e.socks.map((x) => x.sock);
    const first = socks[0];
    return answerInfo(sub, {
      peek: (buf) => {
        if (e.kind !== 'conn') return fail(Errno.ENOTCONN);
        const n = e.sock.peek(buf);
        if (n === 0 && e.sock.error && e.sock.recvQueue === 0) fail(errnoOf(e.sock));
        return n;
      },
      stat: () => ({
        rcvbuf: first?.rx.capacity ?? 0,
        sndbuf: first?.tx.capacity ?? 0,
        nread: e.kind === 'conn' ? e.sock.recvQueue : 0,
        state: e.kind === 'listen' ? 'listening' : handshaking(e.sock) ? 'connecting' : e.sock.error ? 'failed' : 'connected',
      }),
      error: () => {
        if (e.kind !== 'conn' || !e.sock.error || e.errorTaken) return 0;
        e.errorTaken = true;
        return errnoOf(e.sock);
      },
      resize: (rx, tx) => {
        for (const sock of socks) sock.resizeBuffers(rx, tx);
        this.refresh(h, e);
      },
    });
  }

  /** How many connections and listeners are open (for the log and tests). */
  get size(): number {
    return this.entries.size;
  }
}

function newConn(link: Link, sock: TcpSocket): Conn {
  return { kind: 'conn', link, sock, reads: [], writes: [], mask: 0, errorTaken: false };
}

function handshaking(s: TcpSocket): boolean {
  return s.state === TcpState.SynSent || s.state === TcpState.SynReceived;
}

/**
 * `LOCAL REMOTE\n`, each ADDR:PORT with an IPv6 address in brackets; a listener's (both
 * families) are 0.0.0.0:PORT 0.0.0.0:0.
 */
function endpoints(e: Conn | Listener): Uint8Array {
  const local = e.kind === 'listen' ? `0.0.0.0:${e.port}` : formatEndpoint(e.sock.localAddr || e.link.iface.sourceFor(e.sock.remoteAddr), e.sock.localPort);
  const remote = e.kind === 'listen' ? '0.0.0.0:0' : formatEndpoint(e.sock.remoteAddr, e.sock.remotePort);
  return new TextEncoder().encode(`${local} ${remote}\n`);
}

function maskOf(e: Conn | Listener): number {
  const r = e.kind === 'listen' ? e.socks.reduce((m, x) => m | x.sock.readiness, 0) : e.sock.readiness;
  // A failed or finished connection is writable too, as on Linux: the write fails at once, and
  // a non-blocking connect learns its result by waiting for writability.
  return (r & (Readiness.Read | Readiness.Hangup | Readiness.Error) ? EV_READ : 0) | (r & (Readiness.Write | Readiness.Hangup | Readiness.Error) ? EV_WRITE : 0);
}

function errnoOf(s: TcpSocket): number {
  switch (s.error) {
    case 'refused':
      return Errno.ECONNREFUSED;
    case 'timeout':
      return Errno.ETIMEDOUT;
    case 'reset':
    case 'aborted':
      return Errno.ECONNRESET;
    default:
      return Errno.ECONNREFUSED;
  }
}
