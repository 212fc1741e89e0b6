// The core of user-mode networking (a "slirp"): a gateway on the guests' link that turns each
// TCP connection a guest opens to the outside into a connection the host makes with its own
// sockets, and copies bytes both ways. The gateway is an ordinary MACROHARD interface in
// promiscuous mode with a transparent listener, so the guest's TCP talks to our TCP; only the
// host side is abstract (HostNet), so the same core serves Node's `net` or a browser relay.
// Connections to the gateway's own address go to the host's loopback (`hostAlias`).
//
// UDP goes the way slirp sends it: one host socket per guest (address, port), replies sent
// back from the address and port they came from, idle flows closed after a minute.
//
// Flow control both ways: host data waits in a bounded queue while the guest's window is
// shut (and the host socket is paused past a high-water mark); guest data is read only while
// the host socket accepts writes.
import type { Ipv4Address } from '../wire/address.js';
import { TcpSocket, TcpState, type TcpOptions } from '../socket/tcp.js';
import type { SocketSet } from '../socket/set.js';
import { UdpSocket } from '../socket/udp.js';
import type { Interface } from './interface.js';

/** A host-side TCP connection, as the host's socket layer provides it. */
export interface HostTcp {
  /** Queues data; false means "stop until onDrain". */
  write(data: Uint8Array): boolean;
  /** Half-close: no more data from us. */
  end(): void;
  /** Abort the connection. */
  destroy(): void;
  pause(): void;
  resume(): void;
}

export interface HostTcpEvents {
  onConnect(): void;
  onData(data: Uint8Array): void;
  onDrain(): void;
  onEnd(): void;
  onError(reason: string): void;
}

/** A host-side UDP socket: one per guest (address, port), as slirp keeps them. */
export interface HostUdp {
  send(data: Uint8Array, addr: Ipv4Address, port: number): void;
  close(): void;
}

export interface HostListener {
  /** The host port listened on (the one chosen, if 0 was asked for; 0 until bound). */
  readonly port: number;
  close(): void;
}

export interface HostNet {
  connectTcp(addr: Ipv4Address, port: number, events: HostTcpEvents): HostTcp;
  /**
   * Listens on a host port (a port forward). For each connection the host calls `accept`,
   * which returns the handlers for that connection's events.
   */
  listenTcp?(port: number, accept: (conn: HostTcp) => HostTcpEvents): HostListener;
  /** A UDP socket on an ephemeral host port; replies arrive through onMessage. */
  openUdp?(onMessage: (data: Uint8Array, addr: Ipv4Address, port: number) => void): HostUdp;
}

export interface NatOptions {
  /** Connections to this address (usually the gateway's own) go to hostAliasTarget instead. */
  hostAlias?: Ipv4Address;
  hostAliasTarget?: Ipv4Address;
  /** Options for the guest-facing sockets. */
  tcp?: TcpOptions;
  /** Host bytes queued per connection before the host socket is paused. */
  highWater?: number;
  /** A UDP flow with no traffic for this long (ms) is closed. */
  udpIdle?: number;
}

interface UdpFlow {
  host: HostUdp;
  guestAddr: Ipv4Address;
  guestPort: number;
  lastUsed: number;
}

const LOOPBACK = 0x7f00_0001;

class Flow {
  readonly toGuest: Uint8Array[] = [];
  queued = 0;
  connected = false;
  hostEnded = false;
  hostWritable = true;
  guestEnded = false;
  paused = false;
  failed = false;
  host!: HostTcp;
  constructor(readonly guest: TcpSocket) {}
}

export class NatGateway {
  readonly listener: TcpSocket;
  /** The catch-all UDP socket, when the host offers UDP. */
  readonly udp: UdpSocket | null = null;
  readonly udpFlows = new Map<number, UdpFlow>();
  readonly flows: Flow[] = [];
  private readonly lingering: TcpSocket[] = [];
  private readonly buf = new Uint8Array(65_536);
  private readonly highWater: number;
  /** Connections made, refused by the host, and finished. */
  readonly counts = { opened: 0, refused: 0, closed: 0 };

  constructor(readonly iface: Interface, readonly sockets: SocketSet, readonly host: HostNet, readonly options: NatOptions = {}) {
    iface.promiscuous = true;
    this.listener = sockets.add(new TcpSocket({ ...options.tcp, backlog: 128 }));
    this.listener.listenTransparent();
    this.highWater = options.highWater ?? 256 * 1024;
    if (host.openUdp) {
      this.udp = sockets.add(new UdpSocket({ rxSlots: 128, rxBytes: 256 * 1024, txSlots: 128, txBytes: 256 * 1024 }));
      this.udp.bindTransparent();
    }
  }

  private hostAddr(a: Ipv4Address): Ipv4Address {
    return this.options.hostAlias !== undefined && a === this.options.hostAlias ? this.options.hostAliasTarget ?? LOOPBACK : a;
  }

  /** Guest datagrams out through per-guest host sockets; replies come back from where they went. */
  private pumpUdp(now: number): boolean {
    const u = this.udp!;
    let did = false;
    for (let d = u.recvFrom(this.buf); typeof d === 'object'; d = u.recvFrom(this.buf)) {
      did = true;
      // The gateway is IPv4's: a transparent socket is only ever handed IPv4 (interface.ts).
      if (typeof d.addr !== 'number' || typeof d.localAddr !== 'number') continue;
      const key = d.addr * 65536 + d.port;
      let f = this.udpFlows.get(key);
      if (!f) {
        const guestAddr = d.addr;
        const guestPort = d.port;
        const host = this.host.openUdp!((data, addr, port) => {
          // A reply from the host's loopback appears to come from the gateway's alias address.
          const from = this.options.hostAlias !== undefined && addr === (this.options.hostAliasTarget ?? LOOPBACK) ? this.options.hostAlias : addr;
          u.sendFrom(data, from, port, guestAddr, guestPort);
          f!.lastUsed = this.lastNow;
        });
        f = { host, guestAddr, guestPort, lastUsed: now };
        this.udpFlows.set(key, f);
      }
      f.lastUsed = now;
      f.host.send(this.buf.slice(0, d.len), this.hostAddr(d.localAddr), d.localPort);
    }
    const idle = this.options.udpIdle ?? 60_000;
    for (const [k, f] of this.udpFlows) {
      if (now - f.lastUsed > idle) {
        f.host.close();
        this.udpFlows.delete(k);
      }
    }
    return did;
  }

  private lastNow = 0;

  /** When poll next has timed work (closing idle UDP flows), absent host events. */
  pollAt(): number {
    const idle = this.options.udpIdle ?? 60_000;
    let t = Infinity;
    for (const f of this.udpFlows.values()) t = Math.min(t, f.lastUsed + idle + 1);
    return t;
  }

  /** Moves data and state between guests and host; call after each interface poll. */
  poll(now = this.lastNow): boolean {
    this.lastNow = now;
    let did = this.udp ? this.pumpUdp(now) : false;
    for (let s = this.listener.accept(); s; s = this.listener.accept()) {
      did = true;
      this.open(s);
    }
    for (let i = this.flows.length - 1; i >= 0; i--) {
      const f = this.flows[i]!;
      if (this.pump(f)) did = true;
      const st = f.guest.state;
      if (st === TcpState.Closed || st === TcpState.TimeWait) {
        if (!f.hostEnded && !f.failed) f.host.destroy();
        this.flows.splice(i, 1);
        this.lingering.push(f.guest);
        this.counts.closed++;
      }
    }
    // Guest-side sockets leave the set once TIME-WAIT is over and any RST has gone out.
    for (let i = this.lingering.length - 1; i >= 0; i--) {
      const s = this.lingering[i]!;
      if (s.state === TcpState.Closed && !s.rstPending) {
        this.sockets.remove(s);
        this.lingering.splice(i, 1);
      }
    }
    return did;
  }

  private open(s: TcpSocket): void {
    const f = new Flow(s);
    this.flows.push(f);
    this.counts.opened++;
    f.host = this.host.connectTcp(this.hostAddr(s.localAddr as Ipv4Address), s.localPort, this.events(f));
  }

  /**
   * A port forward: connections to the host's `hostPort` are opened to guestAddr:guestPort
   * from the gateway's address (like `hostfwd=tcp::8080-:80`).
   */
  forward(hostPort: number, guestAddr: Ipv4Address, guestPort: number): HostListener | 'unsupported' {
    if (!this.host.listenTcp) return 'unsupported';
    return this.host.listenTcp(hostPort, (conn) => {
      const s = this.sockets.add(new TcpSocket(this.options.tcp));
      s.connect(guestAddr, guestPort, this.sockets.ephemeralPort(), this.iface.sourceFor(guestAddr));
      const f = new Flow(s);
      f.host = conn;
      f.connected = true;
      this.flows.push(f);
      this.counts.opened++;
      return this.events(f);
    });
  }

  private events(f: Flow): HostTcpEvents {
    return {
      onConnect: () => {
        f.connected = true;
      },
      onData: (d) => {
        f.toGuest.push(d);
        f.queued += d.length;
        if (f.queued > this.highWater && !f.paused) {
          f.paused = true;
          f.host.pause();
        }
      },
      onDrain: () => {
        f.hostWritable = true;
      },
      onEnd: () => {
        f.hostEnded = true;
      },
      onError: () => {
        // Refused or reset on the host side: the guest sees a reset.
        if (!f.connected) this.counts.refused++;
        f.failed = true;
        f.guest.abort();
      },
    };
  }

  private pump(f: Flow): boolean {
    let did = false;
    const g = f.guest;
    // Host to guest, as far as the guest's send buffer takes it.
    while (f.toGuest.length && g.maySend) {
      const head = f.toGuest[0]!;
      const n = g.send(head);
      if (typeof n !== 'number' || n === 0) break;
      did = true;
      f.queued -= n;
      if (n === head.length) f.toGuest.shift();
      else f.toGuest[0] = head.subarray(n);
    }
    if (f.paused && f.queued < this.highWater / 2) {
      f.paused = false;
      f.host.resume();
    }
    if (f.hostEnded && f.toGuest.length === 0 && g.maySend) {
      g.close();
      did = true;
    }
    // Guest to host, while the host socket accepts writes.
    while (f.connected && f.hostWritable && !f.guestEnded) {
      const n = g.recv(this.buf);
      if (n === 'finished') {
        f.guestEnded = true;
        f.host.end();
        did = true;
        break;
      }
      if (typeof n !== 'number' || n === 0) break;
      did = true;
      f.hostWritable = f.host.write(this.buf.slice(0, n));
    }
    return did;
  }
}
