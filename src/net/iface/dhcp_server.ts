// A small DHCPv4 server (RFC 2131 section 4.3) for the networks MACROHARD provides itself —
// the virtual switch its guests plug into. It hands out addresses from one pool, remembers
// leases by MAC address, answers DISCOVER with OFFER and REQUEST with ACK or NAK, and takes
// RELEASEs back. Replies are broadcast while the client has no address.
import { Ipv4Cidr, IPV4_BROADCAST, type EthernetAddress, type Ipv4Address } from '../wire/address.js';
import {
  DHCP_CLIENT_PORT, DHCP_SERVER_PORT, DhcpMessageType, DhcpPacket, dhcpBufferLen, emitDhcp, parseDhcp, type DhcpRepr,
} from '../wire/dhcpv4.js';
import { UdpSocket } from '../socket/udp.js';
import type { SocketSet } from '../socket/set.js';

export interface DhcpServerConfig {
  /** The server's own address on the subnet, with the subnet's prefix. */
  server: Ipv4Cidr;
  poolFirst: Ipv4Address;
  poolLast: Ipv4Address;
  router?: Ipv4Address;
  dns?: Ipv4Address[];
  /** Seconds. */
  leaseTime?: number;
}

interface Lease {
  mac: EthernetAddress;
  address: Ipv4Address;
  expires: number;
  committed: boolean;
}

export class DhcpServer {
  readonly socket: UdpSocket;
  private readonly leases = new Map<EthernetAddress, Lease>();
  private readonly rxBuf = new Uint8Array(1500);
  readonly leaseTime: number;

  constructor(sockets: SocketSet, readonly config: DhcpServerConfig) {
    this.socket = sockets.add(new UdpSocket({ rxSlots: 32, rxBytes: 32_768 }));
    this.socket.bind(DHCP_SERVER_PORT);
    this.leaseTime = config.leaseTime ?? 3600;
  }

  get activeLeases(): { mac: EthernetAddress; address: Ipv4Address }[] {
    return [...this.leases.values()].filter((l) => l.committed).map((l) => ({ mac: l.mac, address: l.address }));
  }

  poll(now: number): void {
    for (let d = this.socket.recvFrom(this.rxBuf); typeof d === 'object'; d = this.socket.recvFrom(this.rxBuf)) {
      const p = DhcpPacket.checked(this.rxBuf.subarray(0, d.len));
      if (typeof p === 'string') continue;
      const r = parseDhcp(p);
      if (typeof r === 'string' || r.op !== 1) continue;
      this.handle(now, r);
    }
  }

  private handle(now: number, r: DhcpRepr): void {
    const me = this.config.server.address;
    switch (r.messageType) {
      case DhcpMessageType.Discover: {
        const addr = this.allocate(now, r.clientHardware, r.requestedIp);
        if (addr !== null) this.reply(r, DhcpMessageType.Offer, addr);
        return;
      }
      case DhcpMessageType.Request: {
        // Selecting names a server; a request for another server's offer is not ours to answer.
        if (r.serverIdentifier !== undefined && r.serverIdentifier !== me) {
          const l = this.leases.get(r.clientHardware);
          if (l && !l.committed) this.leases.delete(r.clientHardware);
          return;
        }
        const want = r.requestedIp ?? r.clientIp;
        const l = this.leases.get(r.clientHardware);
        if (!l || l.address !== want || (l.expires <= now && this.takenByOther(want, r.clientHardware, now))) {
          this.reply(r, DhcpMessageType.Nak, 0);
          return;
        }
        l.committed = true;
        l.expires = now + this.leaseTime * 1000;
        this.reply(r, DhcpMessageType.Ack, l.address);
        return;
      }
      case DhcpMessageType.Release:
      case DhcpMessageType.Decline:
        this.leases.delete(r.clientHardware);
        return;
      default:
        return;
    }
  }

  private takenByOther(a: Ipv4Address, mac: EthernetAddress, now: number): boolean {
    for (const l of this.leases.values()) if (l.address === a && l.mac !== mac && (l.expires > now || l.committed)) return true;
    return false;
  }

  /** The client's existing lease, its requested address if free, or the first free one. */
  private allocate(now: number, mac: EthernetAddress, requested?: Ipv4Address): Ipv4Address | null {
    const existing = this.leases.get(mac);
    if (existing) {
      existing.expires = Math.max(existing.expires, now + 60_000);
      return existing.address;
    }
    const { poolFirst, poolLast } = this.config;
    const free = (a: Ipv4Address) => a >= poolFirst && a <= poolLast && !this.takenByOther(a, mac, now);
    let addr: Ipv4Address | null = requested !== undefined && free(requested) ? requested : null;
    for (let a = poolFirst; addr === null && a <= poolLast; a++) if (free(a)) addr = a;
    if (addr === null) return null;
    // An offer holds the address for a minute; the REQUEST commits it.
    for (const [m, l] of this.leases) if (l.address === addr) this.leases.delete(m);
    this.leases.set(mac, { mac, address: addr, expires: now + 60_000, committed: false });
    return addr;
  }

  private reply(req: DhcpRepr, type: DhcpMessageType, addr: Ipv4Address): void {
    const c = this.config;
    const r: DhcpRepr = {
      op: 2, messageType: type, xid: req.xid, secs: 0, broadcast: req.broadcast, clientHardware: req.clientHardware,
      clientIp: type === DhcpMessageType.Nak ? 0 : req.clientIp, yourIp: addr, serverIp: type === DhcpMessageType.Nak ? 0 : c.server.address,
      relayIp: req.relayIp, serverIdentifier: c.server.address,
    };
    if (type !== DhcpMessageType.Nak) {
      r.subnetMask = c.server.mask;
      r.leaseTime = this.leaseTime;
      r.renewalTime = Math.floor(this.leaseTime / 2);
      r.rebindingTime = Math.floor((this.leaseTime * 7) / 8);
      if (c.router !== undefined) r.routers = [c.router];
      if (c.dns?.length) r.dnsServers = c.dns;
    }
    const b = new Uint8Array(dhcpBufferLen(r));
    emitDhcp(r, b);
    // Without an address the client cannot answer ARP: broadcast (RFC 2131 4.1).
    const dst = req.clientIp !== 0 && type !== DhcpMessageType.Nak ? req.clientIp : IPV4_BROADCAST;
    this.socket.sendTo(b, dst, DHCP_CLIENT_PORT);
  }
}
