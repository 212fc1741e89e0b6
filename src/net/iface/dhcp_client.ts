// A DHCPv4 client (RFC 2131): DISCOVER, OFFER, REQUEST, ACK, then renewal at T1 (unicast to
// the server) and rebinding at T2 (broadcast); on NAK or lease expiry it starts over. On ACK it
// configures the interface's address, default route and the DNS servers it learned. It is a
// small state machine over a UDP socket on port 68, polled with the caller's clock like the
// rest of the stack; retransmissions back off from 4 s to 64 s with jitter (RFC 2131 4.1).
import { Ipv4Cidr, IPV4_BROADCAST, type Ipv4Address } from '../wire/address.js';
import {
  DHCP_CLIENT_PORT, DHCP_SERVER_PORT, DhcpMessageType, DhcpPacket, dhcpBufferLen, emitDhcp, parseDhcp, type DhcpRepr,
} from '../wire/dhcpv4.js';
import { UdpSocket } from '../socket/udp.js';
import type { SocketSet } from '../socket/set.js';
import type { Interface } from './interface.js';

export enum DhcpClientState {
  Discovering = 'discovering',
  Requesting = 'requesting',
  Bound = 'bound',
  Renewing = 'renewing',
  Rebinding = 'rebinding',
}

export interface DhcpLease {
  address: Ipv4Cidr;
  router: Ipv4Address | null;
  dns: Ipv4Address[];
  server: Ipv4Address;
  /** Lease length in seconds, and when it was granted (ms of the caller's clock). */
  leaseTime: number;
  acquiredAt: number;
}

const PARAMETERS = [1, 3, 6, 51, 54, 58, 59]; // mask, router, DNS, lease, server id, T1, T2

export class DhcpClient {
  state = DhcpClientState.Discovering;
  lease: DhcpLease | null = null;
  readonly socket: UdpSocket;
  private xid: number;
  private offered: DhcpRepr | null = null;
  private nextSend = 0;
  private backoff = 4000;
  private startedAt = 0;
  private readonly rxBuf = new Uint8Array(1500);

  constructor(private readonly iface: Interface, sockets: SocketSet, private readonly random: () => number = () => (Math.random() * 2 ** 32) >>> 0, readonly hostname?: string) {
    this.socket = sockets.add(new UdpSocket({ rxSlots: 8, rxBytes: 8192, txSlots: 4, txBytes: 4096 }));
    this.socket.bind(DHCP_CLIENT_PORT);
    this.xid = random();
  }

  /** Handles replies and timers; call after each interface poll. */
  poll(now: number): void {
    for (let d = this.socket.recvFrom(this.rxBuf); typeof d === 'object'; d = this.socket.recvFrom(this.rxBuf)) {
      if (d.port !== DHCP_SERVER_PORT) continue;
      const p = DhcpPacket.checked(this.rxBuf.subarray(0, d.len));
      if (typeof p === 'string') continue;
      const r = parseDhcp(p);
      if (typeof r === 'string' || r.op !== 2 || r.xid !== this.xid || r.clientHardware !== this.iface.hardwareAddr) continue;
      this.reply(now, r);
    }
    if (this.lease && this.state !== DhcpClientState.Discovering && this.state !== DhcpClientState.Requesting) {
      const age = (now - this.lease.acquiredAt) / 1000;
      if (age >= this.lease.leaseTime) {
        this.deconfigure();
        this.restart(now);
      } else if (age >= this.lease.leaseTime * 0.875 && this.state !== DhcpClientState.Rebinding) {
        this.state = DhcpClientState.Rebinding;
        this.nextSend = now;
      } else if (age >= this.lease.leaseTime * 0.5 && this.state === DhcpClientState.Bound) {
        this.state = DhcpClientState.Renewing;
        this.nextSend = now;
        this.xid = this.random();
      }
    }
    if (this.state !== DhcpClientState.Bound && now >= this.nextSend) this.send(now);
  }

  /** When poll next has work, absent replies. */
  pollAt(): number {
    if (this.state === DhcpClientState.Bound && this.lease) return this.lease.acquiredAt + this.lease.leaseTime * 500;
    if (this.state === DhcpClientState.Renewing && this.lease) return Math.min(this.nextSend, this.lease.acquiredAt + this.lease.leaseTime * 875);
    if (this.state === DhcpClientState.Rebinding && this.lease) return Math.min(this.nextSend, this.lease.acquiredAt + this.lease.leaseTime * 1000);
    return this.nextSend;
  }

  private restart(now: number): void {
    this.state = DhcpClientState.Discovering;
    this.offered = null;
    this.xid = this.random();
    this.backoff = 4000;
    this.nextSend = now;
  }

  private reply(now: number, r: DhcpRepr): void {
    switch (this.state) {
      case DhcpClientState.Discovering:
        if (r.messageType !== DhcpMessageType.Offer || r.yourIp === 0) return;
        this.offered = r;
        this.state = DhcpClientState.Requesting;
        this.backoff = 4000;
        this.nextSend = now;
        return;
      case DhcpClientState.Requesting:
      case DhcpClientState.Renewing:
      case DhcpClientState.Rebinding:
        if (r.messageType === DhcpMessageType.Nak) {
          this.deconfigure();
          this.restart(now);
        } else if (r.messageType === DhcpMessageType.Ack && r.yourIp !== 0) {
          this.bind(now, r);
        }
        return;
      default:
        return;
    }
  }

  private bind(now: number, r: DhcpRepr): void {
    const mask = r.subnetMask ?? 0xffff_ff00;
    let prefix = 0;
    while (prefix < 32 && mask & (0x8000_0000 >>> prefix)) prefix++;
    this.deconfigure();
    this.lease = {
      address: new Ipv4Cidr(r.yourIp, prefix),
      router: r.routers?.[0] ?? null,
      dns: r.dnsServers ?? [],
      server: r.serverIdentifier ?? this.offered?.serverIdentifier ?? 0,
      leaseTime: r.leaseTime ?? 86_400,
      acquiredAt: now,
    };
    this.iface.addresses = [this.lease.address, ...this.iface.addresses];
    if (this.lease.router !== null) this.iface.routes.addDefault(this.lease.router);
    this.state = DhcpClientState.Bound;
  }

  private deconfigure(): void {
    if (!this.lease) return;
    const a = this.lease.address;
    this.iface.addresses = this.iface.addresses.filter((c) => c.address !== a.address);
    if (this.lease.router !== null) this.iface.routes.remove(new Ipv4Cidr(0, 0));
    this.lease = null;
  }

  private send(now: number): void {
    const base: DhcpRepr = {
      op: 1, messageType: DhcpMessageType.Discover, xid: this.xid, secs: Math.min(0xffff, Math.floor((now - this.startedAt) / 1000)),
      broadcast: true, clientHardware: this.iface.hardwareAddr, clientIp: 0, yourIp: 0, serverIp: 0, relayIp: 0,
      parameterRequestList: PARAMETERS, ...(this.hostname ? { hostname: this.hostname } : {}),
    };
    let dst: Ipv4Address = IPV4_BROADCAST;
    if (this.state === DhcpClientState.Discovering) {
      if (this.backoff === 4000) this.startedAt = now;
    } else if (this.state === DhcpClientState.Requesting && this.offered) {
      base.messageType = DhcpMessageType.Request;
      base.requestedIp = this.offered.yourIp;
      if (this.offered.serverIdentifier !== undefined) base.serverIdentifier = this.offered.serverIdentifier;
    } else if (this.lease) {
      // Renewing is unicast to the server that granted the lease; rebinding asks anyone.
      base.messageType = DhcpMessageType.Request;
      base.clientIp = this.lease.address.address;
      base.broadcast = false;
      if (this.state === DhcpClientState.Renewing) dst = this.lease.server;
    }
    const b = new Uint8Array(dhcpBufferLen(base));
    emitDhcp(base, b);
    this.socket.sendTo(b, dst, DHCP_SERVER_PORT);
    const jitter = (this.random() % 2000) - 1000;
    this.nextSend = now + this.backoff + jitter;
    this.backoff = Math.min(64_000, this.backoff * 2);
  }
}
