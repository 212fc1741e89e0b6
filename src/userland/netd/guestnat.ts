// netd as the router of the networks it provides (a link with `nat=on`: the hypervisor guests'
// switch). The stack's user-mode NAT core (src/net/iface/nat.ts) terminates each connection a
// guest opens to the outside on the guest link; its "host" side, which on the host is Node's
// sockets, is here netd's own stack: a TCP or UDP socket on whichever other link reaches the
// destination (the NAT link to the host, a TAP device, the loopback for MACROHARD's own
// addresses). So a guest reaches everything MACROHARD reaches, from MACROHARD's address, as
// masquerading would give it, with no IP forwarding in the stack.
//
// StackHostNet keeps those sockets and turns their state into the NAT core's events; netd calls
// pump() after every round of interface polls.

import type { HostNet, HostTcp, HostTcpEvents, HostUdp } from '../../net/iface/nat.js';
import { NatGateway } from '../../net/iface/nat.js';
import { TcpSocket, TcpState } from '../../net/socket/tcp.js';
import { UdpSocket } from '../../net/socket/udp.js';
import type { Ipv4Address } from '../../net/wire/address.js';
import { linkFor, type Link } from './links.js';

/** Bytes queued toward the destination before the NAT core is told to wait for a drain. */
const HIGH_WATER = 256 * 1024;

class StackTcp implements HostTcp {
  readonly pending: Uint8Array[] = [];
  queued = 0;
  connected = false;
  ended = false; // end() called: close once the queue is sent
  paused = false;
  finished = false; // the destination's FIN was passed on
  dead = false;
  blocked = false; // write() returned false: owe an onDrain

  constructor(readonly sock: TcpSocket | null, readonly link: Link | null, readonly events: HostTcpEvents) {}

  write(data: Uint8Array): boolean {
    this.pending.push(data.slice());
    this.queued += data.length;
    this.blocked = this.queued > HIGH_WATER;
    return !this.blocked;
  }

  end(): void {
    this.ended = true;
  }

  destroy(): void {
    this.sock?.abort();
    this.dead = true;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }
}

class StackUdp implements HostUdp {
  /** One socket per link it has sent through, bound to an ephemeral port there. */
  readonly socks = new Map<Link, UdpSocket>();
  closed = false;

  constructor(private readonly links: readonly Link[], readonly onMessage: (data: Uint8Array, addr: Ipv4Address, port: number) => void) {}

  send(data: Uint8Array, addr: Ipv4Address, port: number): void {
    const link = linkFor(this.links, addr);
    if (!link || link.nat) return;
    let s = this.socks.get(link);
    if (!s) {
      s = link.sockets.add(new UdpSocket());
      s.bind(link.sockets.ephemeralPort());
      this.socks.set(link, s);
    }
    s.sendTo(data, addr, port);
  }

  close(): void {
    for (const [link, s] of this.socks) link.sockets.remove(s);
    this.socks.clear();
    this.closed = true;
  }
}

export class StackHostNet implements HostNet {
  private tcp: StackTcp[] = [];
  private udp: StackUdp[] = [];
  private readonly buf = new Uint8Array(65_536);

  constructor(private readonly links: readonly Link[]) {}

  connectTcp(addr: Ipv4Address, port: number, events: HostTcpEvents): HostTcp {
    const link = linkFor(this.links, addr);
    // Never back into a network we route for: that would be a loop, not a way out.
    if (!link || link.nat) {
      const c = new StackTcp(null, null, events);
      c.dead = true;
      queueMicrotask(() => events.onError('unreachable'));
      return c;
    }
    const sock = link.sockets.add(new TcpSocket());
    const err = sock.connect(addr, port, link.sockets.ephemeralPort(), link.iface.sourceFor(addr));
    const c = new StackTcp(sock, link, events);
    if (err) {
      c.dead = true;
      link.sockets.remove(sock);
      queueMicrotask(() => events.onError(err));
      return c;
    }
    this.tcp.push(c);
    return c;
  }

  openUdp(onMessage: (data: Uint8Array, addr: Ipv4Address, port: number) => void): HostUdp {
    const u = new StackUdp(this.links, onMessage);
    this.udp.push(u);
    return u;
  }

  /** Moves bytes and state between netd's sockets and the NAT core; true if anything moved. */
  pump(): boolean {
    let did = false;
    for (const c of this.tcp) if (this.pumpTcp(c)) did = true;
    this.tcp = this.tcp.filter((c) => {
      // A finished connection's socket stays until its close is done (TIME-WAIT, a RST going out).
      if (!c.dead || c.sock!.state !== TcpState.Closed) return true;
      c.link!.sockets.remove(c.sock!);
      return false;
    });
    for (const u of this.udp) {
      for (const s of u.socks.values()) {
        for (let d = s.recvFrom(this.buf); typeof d === 'object'; d = s.recvFrom(this.buf)) {
          // The guests' NAT is IPv4's; its sockets, bound to any address, could see IPv6 too.
          if (typeof d.addr === 'number') u.onMessage(this.buf.slice(0, d.len), d.addr, d.port);
          did = true;
        }
      }
    }
    this.udp = this.udp.filter((u) => !u.closed);
    return did;
  }

  private pumpTcp(c: StackTcp): boolean {
    if (c.dead) return false;
    const s = c.sock!;
    let did = false;
    if (!c.connected && s.state === TcpState.Established) {
      c.connected = true;
      c.events.onConnect();
      did = true;
    }
    if (s.error) {
      c.dead = true;
      c.events.onError(s.error);
      return true;
    }
    while (c.pending.length && s.maySend) {
      const head = c.pending[0]!;
      const n = s.send(head);
      if (typeof n !== 'number' || n === 0) break;
      did = true;
      c.queued -= n;
      if (n === head.length) c.pending.shift();
      else c.pending[0] = head.subarray(n);
    }
    if (c.blocked && c.queued <= HIGH_WATER / 2) {
      c.blocked = false;
      c.events.onDrain();
    }
    if (c.ended && c.pending.length === 0 && s.maySend) {
      s.close();
      did = true;
    }
    while (!c.paused && !c.finished) {
      const n = s.recv(this.buf);
      if (n === 'finished') {
        c.finished = true;
        c.events.onEnd();
        did = true;
      } else if (typeof n === 'number' && n > 0) {
        c.events.onData(this.buf.slice(0, n));
        did = true;
      } else break;
    }
    if (c.finished && c.ended && c.pending.length === 0) c.dead = true;
    if (s.state === TcpState.Closed && !c.dead) {
      c.dead = true;
      c.events.onError('reset');
      did = true;
    }
    return did;
  }
}

/** The NAT of one guest link, with its way out through netd's other links. */
export interface GuestNat {
  gateway: NatGateway;
  host: StackHostNet;
}

export function guestNat(guest: Link, links: readonly Link[]): GuestNat {
  const host = new StackHostNet(links);
  return { gateway: new NatGateway(guest.iface, guest.sockets, host), host };
}
