// The udp: and icmp: schemes: datagram sockets, one datagram per read or write.
//
//   udp:HOST:PORT   a connected socket on an ephemeral port: writes go to HOST:PORT, reads
//                   return datagrams from there (others are dropped); HOST as for tcp:
//                   (`udp:[2001:db8::1]:53`)
//   udp:/PORT       a bound socket on every link: reads return datagrams from anyone, of
//                   either family; writes answer whoever sent the last one (as `nc -u -l` does)
//   icmp:HOST       an echo socket: write an ICMP echo request (type, code, checksum, ident,
//                   sequence, data; netd sets the ident and checksum), read echo replies and
//                   errors about them, as whole ICMP messages. HOST may be an IPv6 address
//                   (bare or in brackets, with a zone): the messages are then ICMPv6 ones
//                   (an echo request is type 128) and the checksum covers the pseudo-header
//
// Reads wait (DEFER) until a datagram arrives; a datagram longer than the read is cut.
// A udp: handle also answers the socket calls' questions as derived descriptors (sockinfo.ts):
// `dup(fd, "peek:N")`, `"stat"`, `"error"` and `"bufsize:RX:TX"` (datagram queues keep their
// size: the answer says what it is).

import * as mh from 'libmh';
import { emptyStat, type Stat } from '../../abi/stat.js';
import { Readiness } from '../../net/socket/readiness.js';
import { UdpSocket } from '../../net/socket/udp.js';
import { IcmpSocket } from '../../net/socket/icmp.js';
import { parseIp, type IpAddress } from '../../net/wire/address.js';
import { Errno, EV_READ, EV_WRITE, fail, S_IFSOCK, type Held } from './held.js';
import { linkFor, type Link } from './links.js';
import { answerInfo } from './sockinfo.js';
import { parseEndpoint } from './tcp.js';

interface Dgram {
  socks: { link: Link; sock: UdpSocket | IcmpSocket }[];
  /** Where writes go: fixed for a connected socket, the last sender for a bound one. */
  peer: { link: Link; addr: IpAddress; port: number } | null;
  connected: boolean;
  reads: Held[];
  mask: number;
}

const UDP_OPTS = { rxSlots: 64, rxBytes: 128 * 1024, txSlots: 64, txBytes: 128 * 1024 };

abstract class DgramService implements mh.SchemeHandler {
  protected entries = new Map<number, Dgram>();
  /** Derived descriptors holding an answer (sockinfo.ts), read once. */
  private answers = new Map<number, Uint8Array>();
  private next = 1;
  server!: mh.SchemeServer;
  protected readonly buf = new Uint8Array(65536);

  constructor(protected readonly links: readonly Link[]) {}

  protected add(d: Dgram): number {
    const h = this.next++;
    this.entries.set(h, d);
    return h;
  }

  /** A socket call's question about a handle (sockinfo.ts); null when this kind has no answer. */
  protected abstract info(d: Dgram, sub: string): Uint8Array | null;

  dup(h: number, sub: string): number {
    const text = this.info(this.get(h), sub) ?? fail(Errno.EINVAL);
    const a = this.next++;
    this.answers.set(a, text);
    return a;
  }

  protected get(h: number): Dgram {
    return this.entries.get(h) ?? fail(Errno.EBADF);
  }

  /** One datagram for this handle, or null. */
  protected abstract receive(d: Dgram, len: number): Uint8Array | null;

  read(h: number, offset: number, len: number, c: mh.Caller): Uint8Array | typeof mh.DEFER {
    const answer = this.answers.get(h);
    if (answer) return answer.subarray(Math.max(0, offset), Math.max(0, offset) + len);
    const d = this.get(h);
    const got = this.receive(d, len);
    if (got) {
      this.refresh(h, d);
      return got;
    }
    d.reads.push({ tag: c.tag, len });
    return mh.DEFER;
  }

  fstat(h: number): Stat {
    if (!this.answers.has(h)) this.get(h);
    return { ...emptyStat(), mode: S_IFSOCK | 0o666 };
  }

  close(h: number): void {
    if (this.answers.delete(h)) return;
    const d = this.entries.get(h);
    if (!d) return;
    this.entries.delete(h);
    for (const { link, sock } of d.socks) {
      sock.close();
      link.sockets.remove(sock);
    }
  }

  cancel(tag: number): void {
    for (const d of this.entries.values()) d.reads = d.reads.filter((r) => r.tag !== tag);
  }

  pump(): void {
    for (const [h, d] of this.entries) {
      while (d.reads.length) {
        const got = this.receive(d, d.reads[0]!.len);
        if (!got) break;
        this.server.reply(d.reads.shift()!.tag, got.length, got);
      }
      this.refresh(h, d);
    }
  }

  /** Reports readiness changes, at once after a read so a drained socket is not seen ready. */
  protected refresh(h: number, d: Dgram): void {
    let r = 0;
    for (const { sock } of d.socks) r |= sock.readiness;
    const m = (r & Readiness.Read ? EV_READ : 0) | (r & Readiness.Write ? EV_WRITE : 0);
    if (m !== d.mask) {
      d.mask = m;
      this.server.notify(h, m);
    }
  }
}

export class UdpService extends DgramService {
  open(path: string): number {
    const ref = path.replace(/^\/+/, '');
    const bindPort = /^\d+$/.test(ref) ? Number(ref) : null;
    const ep = bindPort !== null ? { addr: 0, port: bindPort } : parseEndpoint(ref);
    if (!ep || ep.port > 65535) fail(Errno.EINVAL);
    if (!ep.addr) {
      for (const d of this.entries.values()) if (!d.connected && d.socks.some((s) => (s.sock as UdpSocket).localPort === ep.port)) fail(Errno.EADDRINUSE);
      const socks = this.links.map((link) => {
        const sock = link.sockets.add(new UdpSocket(UDP_OPTS));
        if (sock.bind(ep.port) !== null) fail(Errno.EADDRINUSE);
        return { link, sock };
      });
      return this.add({ socks, peer: null, connected: false, reads: [], mask: 0 });
    }
    const link = linkFor(this.links, ep.addr, ep.zone) ?? fail(Errno.ENETUNREACH);
    const sock = link.sockets.add(new UdpSocket(UDP_OPTS));
    if (sock.bind(link.sockets.ephemeralPort()) !== null) fail(Errno.EADDRNOTAVAIL);
    return this.add({ socks: [{ link, sock }], peer: { link, addr: ep.addr, port: ep.port }, connected: true, reads: [], mask: 0 });
  }

  /** The socket the next datagram for `d` waits in (others a connected socket drops); or null. */
  private front(d: Dgram): UdpSocket | null {
    for (const { sock } of d.socks) {
      const q = (sock as UdpSocket).rx;
      while (!q.isEmpty && d.connected && (q.frontAddr !== d.peer!.addr || q.frontPort !== d.peer!.port)) q.pop();
      if (!q.isEmpty) return sock as UdpSocket;
    }
    return null;
  }

  protected info(d: Dgram, sub: string): Uint8Array | null {
    const first = d.socks[0]!.sock as UdpSocket;
    return answerInfo(sub, {
      peek: (buf) => this.front(d)?.rx.peekInto(buf) ?? 0,
      // FIONREAD on a datagram socket is the size of the next datagram, as on Linux.
      stat: () => ({ rcvbuf: first.rx.payloadCapacity, sndbuf: first.tx.payloadCapacity, nread: this.front(d)?.rx.frontLen ?? 0, state: 'connected' }),
      error: () => 0,
      resize: () => undefined,
    });
  }

  protected receive(d: Dgram, len: number): Uint8Array | null {
    for (const { link, sock } of d.socks) {
      for (;;) {
        const r = (sock as UdpSocket).recvFrom(this.buf);
        if (r === 'exhausted') break;
        if (d.connected && (r.addr !== d.peer!.addr || r.port !== d.peer!.port)) continue;
        if (!d.connected) d.peer = { link, addr: r.addr, port: r.port };
        return this.buf.slice(0, Math.min(r.len, len));
      }
    }
    return null;
  }

  write(h: number, _offset: number, data: Uint8Array): number {
    const d = this.get(h);
    const p = d.peer ?? fail(Errno.ENOTCONN);
    const sock = d.socks.find((s) => s.link === p.link)!.sock as UdpSocket;
    const e = sock.sendTo(data, p.addr, p.port);
    if (e === 'too-large') fail(Errno.EMSGSIZE);
    if (e === 'unaddressable') fail(Errno.EHOSTUNREACH);
    // A full queue drops the datagram, as a full device queue would: UDP promises no more.
    return data.length;
  }
}

export class IcmpService extends DgramService {
  private ident = 0x4d48; // "MH"

  protected info(): null {
    return null;
  }

  open(path: string): number {
    const ref = path.replace(/^\/+/, '');
    const m = /^\[?([0-9A-Fa-f:.]+)(?:%(\w+))?\]?$/.exec(ref);
    const addr = ref === 'localhost' ? 0x7f00_0001 : m ? parseIp(m[1]!) : null;
    if (!addr) fail(Errno.EINVAL);
    const link = linkFor(this.links, addr, m?.[2]) ?? fail(Errno.ENETUNREACH);
    const sock = link.sockets.add(new IcmpSocket());
    // Idents are unique across links, so a reply finds its socket whichever way it came.
    this.ident = (this.ident + 1) & 0xffff;
    sock.bind(this.ident);
    return this.add({ socks: [{ link, sock }], peer: { link, addr, port: 0 }, connected: true, reads: [], mask: 0 });
  }

  protected receive(d: Dgram, len: number): Uint8Array | null {
    const sock = d.socks[0]!.sock as IcmpSocket;
    const r = sock.recvFrom(this.buf);
    if (r === 'exhausted') return null;
    return this.buf.slice(0, Math.min(r.len, len));
  }

  write(h: number, _offset: number, data: Uint8Array): number {
    const d = this.get(h);
    const sock = d.socks[0]!.sock as IcmpSocket;
    if (data.length < 8) fail(Errno.EINVAL);
    const msg = data.slice();
    msg[4] = sock.ident >> 8;
    msg[5] = sock.ident & 0xff;
    const e = sock.sendTo(msg, d.peer!.addr);
    if (e === 'too-large') fail(Errno.EMSGSIZE);
    if (e === 'malformed') fail(Errno.EINVAL);
    return data.length;
  }
}
