// A network interface: one Ethernet device, its MAC and IPv4 addresses, the routing table,
// the ARP cache, reassembly, and the demultiplexing of packets to the sockets of a
// SocketSet. `poll(now)` receives what the device has, answers what the stack answers by
// itself (ARP, echo requests, RSTs and port unreachables), then lets every socket send;
// `pollAt(now)` says when polling is next needed. There are no timers: the caller owns time.
//
// Outgoing frames are built in one preallocated buffer; TCP payload is copied straight from
// the socket's send ring into it. UDP and ICMP frames whose neighbour is unresolved wait in
// the neighbour queue. IPv6 frames go to the IPv6 layer (ipv6.ts), which answers neighbour
// discovery and echo itself and passes TCP, UDP and ICMP for sockets back here: sockets and
// their demultiplexing are the same for both families (an address is a number for IPv4, a
// bigint for IPv6; wire/address.ts). A promiscuous interface (a NAT gateway) also takes
// unicast IPv4 for other addresses. Every drop is counted in `stats` with its reason.
import { ETHERNET_HEADER_LEN, MAX_FRAME_LEN, DEFAULT_TTL } from '../params.js';
import { NetStats } from '../stats.js';
import { ETHERNET_BROADCAST, IPV4_BROADCAST, Ipv4Cidr, isLoopback, isMulticast, type EthernetAddress, type IpAddress, type Ipv4Address } from '../wire/address.js';
import { EthernetFrame, EtherType } from '../wire/ethernet.js';
import { ArpOperation, ArpPacket, ArpRepr, ARP_LEN } from '../wire/arp.js';
import { IPV4_HEADER_LEN, IpProtocol, Ipv4Packet, emitIpv4Header } from '../wire/ipv4.js';
import { Icmpv4Packet, Icmpv4Type, DstUnreachableCode, ICMPV4_HEADER_LEN, parseIcmpv4 } from '../wire/icmpv4.js';
import { UDP_HEADER_LEN, UdpPacket, UdpRepr, emitUdpHeader } from '../wire/udp.js';
import { TcpFlag, TcpPacket, TcpRepr } from '../wire/tcp.js';
import { checksum, get16, put16 } from '../wire/bytes.js';
import { SocketSet } from '../socket/set.js';
import { TcpSocket, TcpState } from '../socket/tcp.js';
import type { UdpSocket } from '../socket/udp.js';
import type { IcmpSocket } from '../socket/icmp.js';
import { tcpInput, tcpListenerMatches, tcpMatches, type TcpContext } from '../socket/tcp_input.js';
import { tcpOutput, tcpPollAt, type TcpTransmit } from '../socket/tcp_output.js';
import type { Device } from './device.js';
import { ArpCache } from './arp_cache.js';
import { RouteTable } from './route.js';
import { Reassembler } from './reassembly.js';
import { NeighborQueue } from './neighbor_queue.js';
import { IPV6_PAYLOAD_OFFSET, Ipv6Layer, isMulticast as isIpv6Multicast, type LinkTx } from './ipv6.js';
import { Ipv6NextHeader } from '../wire/ipv6.js';
import { ErrorLimit } from './error_limit.js';

/** What became of an IP packet handed to the link. */
type SendResult = 'sent' | 'held' | 'no-route' | 'device-full';

export interface InterfaceConfig {
  hardwareAddr: EthernetAddress;
  addresses: Ipv4Cidr[];
  gateway?: Ipv4Address;
  /** Accept unicast IPv4 for any destination address (default false). */
  promiscuous?: boolean;
  /** Answer echo requests (default true). */
  echoReply?: boolean;
  /** Random 32-bit values for ISNs and IP identification; seed it in tests. */
  random?: () => number;
  /** Frames taken from the device per poll before sockets get to send. */
  rxBudget?: number;
  /**
   * Largest IP packet this interface builds (default the Ethernet 1500). A loopback may use
   * up to 65535, as Linux's lo does: fewer, larger segments for the same bytes.
   */
  mtu?: number;
}

const TCP_BASE = ETHERNET_HEADER_LEN + IPV4_HEADER_LEN;

export class Interface implements TcpTransmit, LinkTx {
  readonly stats = new NetStats();
  readonly routes = new RouteTable();
  readonly arp = new ArpCache();
  readonly reassembler = new Reassembler();
  /** IPv6: addresses, next hops, neighbour discovery, the ICMPv6 the stack answers itself. */
  readonly ipv6: Ipv6Layer;
  /** Frames waiting for an ARP reply or a neighbour advertisement. */
  readonly pending = new NeighborQueue();
  /** ICMPv4 errors sent (port unreachable, time exceeded), rate-limited. */
  private readonly icmpErrors = new ErrorLimit();
  readonly hardwareAddr: EthernetAddress;
  addresses: Ipv4Cidr[];
  echoReply: boolean;
  /** Accept unicast IPv4 to any address (a user-mode NAT gateway). */
  promiscuous: boolean;
  private readonly random: () => number;
  private readonly rxBudget: number;
  readonly txBuf: Uint8Array;
  private readonly segIn = new TcpRepr();
  private readonly rstOut = new TcpRepr();
  private readonly tcpIndex = new Map<number, TcpSocket>();
  /** The same for IPv6 peers: address, then port (a bigint key would be built per segment). */
  private readonly tcpIndex6 = new Map<bigint, Map<number, TcpSocket>>();
  private tcpIndex6Size = 0;
  private countedExpired = 0;
  /** The current device skips TCP/UDP checksums (DeviceCaps.checksumOffload). */
  private offload = false;
  private ident = 0;
  private device!: Device;
  private sockets!: SocketSet;
  private readonly ctx: TcpContext;

  constructor(config: InterfaceConfig) {
    this.hardwareAddr = config.hardwareAddr;
    this.ipv6 = new Ipv6Layer(config.hardwareAddr, this.stats.ipv6, this.stats.icmpv6, this, this.pending);
    this.addresses = [...config.addresses];
    this.echoReply = config.echoReply ?? true;
    this.promiscuous = config.promiscuous ?? false;
    this.random = config.random ?? (() => (Math.random() * 0x1_0000_0000) >>> 0);
    this.rxBudget = config.rxBudget ?? 64;
    this.txBuf = new Uint8Array(Math.max(MAX_FRAME_LEN, (config.mtu ?? 0) + ETHERNET_HEADER_LEN));
    if (config.gateway !== undefined) this.routes.addDefault(config.gateway);
    this.ident = this.random() & 0xffff;
    const self = this;
    this.ctx = {
      now: 0,
      stats: this.stats.tcp,
      random: () => self.random(),
      adopt: (child: TcpSocket) => self.sockets.add(child),
    };
  }

  // ---------------------------------------------------------------- addresses

  hasAddress(a: IpAddress): boolean {
    if (typeof a === 'bigint') return this.ipv6.hasAddress(a);
    for (const c of this.addresses) if (c.address === a) return true;
    return false;
  }

  /** Is a datagram to `a` for us: one of our addresses, or a broadcast we listen to. */
  acceptsDst(a: Ipv4Address): boolean {
    if (a === IPV4_BROADCAST) return true;
    for (const c of this.addresses) if (c.address === a || (c.prefixLen < 31 && c.broadcast === a)) return true;
    return false;
  }

  isSubnetBroadcast(a: Ipv4Address): boolean {
    for (const c of this.addresses) if (c.prefixLen < 31 && c.broadcast === a) return true;
    return false;
  }

  /** The address we send from to reach dst: the one on its subnet, else the first. */
  sourceFor(dst: Ipv4Address): Ipv4Address;
  sourceFor(dst: bigint): bigint;
  sourceFor(dst: IpAddress): IpAddress;
  sourceFor(dst: IpAddress): IpAddress {
    if (typeof dst === 'bigint') return this.ipv6.sourceFor(dst);
    if (this.hasAddress(dst)) return dst;
    for (const c of this.addresses) if (c.contains(dst)) return c.address;
    return this.addresses[0]?.address ?? 0;
  }

  onLink(a: Ipv4Address): boolean {
    for (const c of this.addresses) if (c.contains(a) && a !== c.broadcast && a !== c.network) return true;
    return false;
  }

  /** Next hop for dst: itself if on-link, the route's gateway otherwise; null if unroutable. */
  nextHop(dst: Ipv4Address): Ipv4Address | null {
    if (dst === IPV4_BROADCAST || this.hasAddress(dst)) return dst;
    for (const c of this.addresses) if (c.contains(dst)) return dst;
    const r = this.routes.lookup(dst);
    if (!r) return null;
    return r.via ?? dst;
  }

  // ---------------------------------------------------------------- polling

  /** Processes input and output once. Returns true if any frame moved. */
  poll(now: number, device: Device, sockets: SocketSet): boolean {
    this.device = device;
    this.sockets = sockets;
    this.offload = device.caps.checksumOffload === true;
    this.ctx.now = now;
    let did = false;
    for (let i = 0; i < this.rxBudget; i++) {
      const f = device.receive(now);
      if (!f) break;
      did = true;
      this.receiveFrame(now, f);
    }
    for (let i = 0; i < sockets.tcp.length; i++) if (tcpOutput(sockets.tcp[i]!, this.ctx, this)) did = true;
    for (const u of sockets.udp) if (this.flushUdp(now, u)) did = true;
    for (const s of sockets.icmp) if (this.flushIcmp(now, s)) did = true;
    this.ipv6.poll(now);
    sockets.sweep();
    this.pending.expire(now);
    for (; this.countedExpired < this.pending.expired; this.countedExpired++) this.stats.ipv4.drop('neighbor-unreachable');
    return did;
  }

  /** The earliest time poll() has something to do without new input (Infinity if never). */
  pollAt(now: number, sockets: SocketSet): number {
    let t = Math.min(this.reassembler.pollAt(), this.pending.pollAt());
    for (const s of sockets.tcp) t = Math.min(t, tcpPollAt(s, now));
    for (const u of sockets.udp) if (!u.tx.isEmpty) t = now;
    for (const s of sockets.icmp) if (!s.tx.isEmpty) t = now;
    return t;
  }

  // ---------------------------------------------------------------- ingress

  private receiveFrame(now: number, f: Uint8Array): void {
    const st = this.stats.ethernet;
    const frame = EthernetFrame.checked(f);
    if (typeof frame === 'string') return st.drop(frame);
    st.rx++;
    const dst = frame.dst;
    // Unicast to us, broadcast, or IPv6 multicast (33:33:...) which the IPv6 layer filters.
    if (dst !== this.hardwareAddr && dst !== ETHERNET_BROADCAST && Math.floor(dst / 0x1_0000_0000) !== 0x3333) return st.drop('not-for-us');
    switch (frame.etherType) {
      case EtherType.Arp:
        return this.receiveArp(now, frame.payload);
      case EtherType.Ipv4:
        return this.receiveIpv4(now, frame.payload, frame.src);
      case EtherType.Ipv6:
        return this.receiveIpv6(now, frame.payload, frame.src);
      default:
        return st.drop('unknown-ethertype');
    }
  }

  private receiveArp(now: number, b: Uint8Array): void {
    const st = this.stats.arp;
    const p = ArpPacket.checked(b);
    if (typeof p === 'string') return st.drop(p);
    const r = ArpRepr.parse(p);
    if (typeof r === 'string') return st.drop(r);
    st.rx++;
    const forUs = this.hasAddress(r.targetProtocol);
    // RFC 826's merge rule: refresh what we know; learn new entries only when addressed to us.
    if (forUs || this.arp.lookup(r.senderProtocol, now) !== null) {
      if (r.senderProtocol !== 0) {
        this.arp.fill(r.senderProtocol, r.senderHardware, now);
        this.releasePending(now, r.senderProtocol, r.senderHardware);
      }
    }
    if (!forUs) return st.drop('not-for-us');
    if (r.operation === ArpOperation.Request) {
      this.sendArp(now, ArpOperation.Reply, r.senderHardware, r.senderProtocol, r.targetProtocol);
    }
  }

  /** Sends the frames that waited for this neighbour. */
  private releasePending(now: number, hop: Ipv4Address, mac: EthernetAddress): void {
    this.pending.release(hop, (frame) => {
      EthernetFrame.unchecked(frame).dst = mac;
      this.transmitFrame(now, frame);
    });
  }

  private sendArp(now: number, op: ArpOperation, targetMac: EthernetAddress, targetIp: Ipv4Address, senderIp: Ipv4Address): void {
    const b = this.txBuf;
    const ethDst = op === ArpOperation.Request ? ETHERNET_BROADCAST : targetMac;
    this.writeEthernet(ethDst, EtherType.Arp);
    new ArpRepr(op, this.hardwareAddr, senderIp, op === ArpOperation.Request ? 0 : targetMac, targetIp).emit(b.subarray(ETHERNET_HEADER_LEN));
    this.stats.arp.tx++;
    this.transmit(now, ETHERNET_HEADER_LEN + ARP_LEN);
  }

  private receiveIpv4(now: number, b: Uint8Array, srcMac: EthernetAddress): void {
    const st = this.stats.ipv4;
    const p = Ipv4Packet.checked(b);
    if (typeof p === 'string') return st.drop(p);
    if (!p.verifyChecksum()) return st.drop('checksum');
    st.rx++;
    const dst = p.dst;
    const src = p.src;
    // A gateway (promiscuous) takes unicast IP for any address: it was sent to our MAC.
    if (!this.acceptsDst(dst) && !(this.promiscuous && !isMulticast(dst))) return st.drop(isMulticast(dst) ? 'multicast' : 'not-for-us');
    // A packet claiming to come from loopback over a real link is spoofed (RFC 1122 3.2.1.3).
    if (isLoopback(src) && !this.hasAddress(src)) return st.drop('martian-source');
    // Learn an on-link sender's MAC from its packet, sparing an ARP round trip for the reply.
    if (this.arp.lookup(src, now) === null && this.onLink(src)) this.arp.fill(src, srcMac, now);
    let payload = p.payload;
    if (p.moreFragments || p.fragmentOffset !== 0) {
      const r = this.reassembler.add(p, now);
      if (r === 'pending') {
        st.event('fragment');
        return;
      }
      if (typeof r === 'string') return st.drop(`fragment-${r}`);
      st.event('reassembled');
      payload = r;
    }
    const broadcast = dst === IPV4_BROADCAST || this.isSubnetBroadcast(dst);
    switch (p.protocol) {
      case IpProtocol.Tcp:
        if (broadcast) return this.stats.tcp.drop('broadcast');
        return this.receiveTcp(now, src, dst, payload);
      case IpProtocol.Udp:
        if (!this.receiveUdp(src, dst, payload, broadcast) && !broadcast) this.sendIcmpError(now, p, Icmpv4Type.DstUnreachable, DstUnreachableCode.PortUnreachable);
        return;
      case IpProtocol.Icmp:
        return this.receiveIcmp(now, src, dst, payload, broadcast);
      default:
        st.drop('unknown-protocol');
        if (!broadcast) this.sendIcmpError(now, p, Icmpv4Type.DstUnreachable, DstUnreachableCode.ProtoUnreachable);
    }
  }

  private receiveIpv6(now: number, b: Uint8Array, srcMac: EthernetAddress): void {
    const v6 = this.ipv6;
    switch (v6.receive(now, b, srcMac)) {
      case Ipv6NextHeader.Tcp:
        if (isIpv6Multicast(v6.rxDst)) return this.stats.tcp.drop('multicast');
        return this.receiveTcp(now, v6.rxSrc, v6.rxDst, v6.rxPayload);
      case Ipv6NextHeader.Udp:
        if (!this.receiveUdp(v6.rxSrc, v6.rxDst, v6.rxPayload)) v6.sendUnreachable(now, 4);
        return;
      case Ipv6NextHeader.Icmpv6:
        return this.deliverIcmp(v6.rxIdent, v6.rxPayload, v6.rxSrc);
    }
  }

  private receiveTcp(now: number, src: IpAddress, dst: IpAddress, b: Uint8Array): void {
    const st = this.stats.tcp;
    const p = TcpPacket.checked(b);
    if (typeof p === 'string') return st.drop(p);
    const seg = this.segIn;
    const e = seg.parseInto(p, src, dst, !this.offload);
    if (e) return st.drop(e);
    st.rx++;
    const socks = this.sockets.tcp;
    // The index maps the remote endpoint to the connection last seen with it; a hit is
    // checked, and a miss (or a stale hit) falls back to a scan whose result is remembered.
    const hit = typeof src === 'number' ? this.tcpIndex.get(src * 65536 + seg.srcPort) : this.tcpIndex6.get(src)?.get(seg.srcPort);
    let target: TcpSocket | null = hit && this.sockets.get(hit.handle) === hit && tcpMatches(hit, src, dst, seg) ? hit : null;
    for (let i = 0; i < socks.length && !target; i++) {
      if (tcpMatches(socks[i]!, src, dst, seg)) {
        target = socks[i]!;
        this.indexTcp(src, seg.srcPort, target);
        break;
      }
    }
    if (!target) {
      for (let i = 0; i < socks.length; i++) {
        if (tcpListenerMatches(socks[i]!, dst, seg)) {
          target = socks[i]!;
          break;
        }
      }
    }
    if (!target) {
      // Last, a transparent listener takes whatever IPv4 is left (a NAT gateway's catch-all).
      for (let i = 0; i < socks.length && typeof dst === 'number'; i++) {
        if (socks[i]!.transparent && socks[i]!.state === TcpState.Listen) {
          target = socks[i]!;
          break;
        }
      }
    }
    if (!target) {
      st.drop('no-socket');
      return this.sendRst(now, src, dst, seg);
    }
    const r = tcpInput(target, this.ctx, src, dst, seg);
    // A listener's new child is indexed at once, so the handshake's ACK skips the scan.
    if (target.state === TcpState.Listen && r === 'ok') this.indexTcp(src, seg.srcPort, target.backlog[target.backlog.length - 1]!);
    if (r === 'ok') return;
    if (r === 'reset-peer') {
      st.drop('reset-peer');
      return this.sendRst(now, src, dst, seg);
    }
    st.drop(r);
  }

  private indexTcp(src: IpAddress, port: number, s: TcpSocket): void {
    if (typeof src === 'number') this.tcpIndex.set(src * 65536 + port, s);
    else {
      let ports = this.tcpIndex6.get(src);
      if (!ports) this.tcpIndex6.set(src, (ports = new Map()));
      if (!ports.has(port)) this.tcpIndex6Size++;
      ports.set(port, s);
    }
    // Entries of sockets that left the set are dropped when they outnumber the live ones.
    if (this.tcpIndex.size + this.tcpIndex6Size > 2 * this.sockets.tcp.length + 64) {
      const gone = (v: TcpSocket) => this.sockets.get(v.handle) !== v;
      for (const [k, v] of this.tcpIndex) if (gone(v)) this.tcpIndex.delete(k);
      this.tcpIndex6Size = 0;
      for (const [a, ports] of this.tcpIndex6) {
        for (const [k, v] of ports) if (gone(v)) ports.delete(k);
        if (ports.size === 0) this.tcpIndex6.delete(a);
        this.tcpIndex6Size += ports.size;
      }
    }
  }

  /** The RST answering a segment nobody wants (RFC 9293 3.10.7.1). A RST is never answered. */
  private sendRst(now: number, src: IpAddress, dst: IpAddress, seg: TcpRepr): void {
    if (seg.has(TcpFlag.Rst)) return;
    const r = this.rstOut.reset();
    r.srcPort = seg.dstPort;
    r.dstPort = seg.srcPort;
    if (seg.has(TcpFlag.Ack)) {
      r.seq = seg.ack;
      r.flags = TcpFlag.Rst;
    } else {
      r.seq = 0;
      r.ack = (seg.seq + seg.segmentLen) >>> 0;
      r.flags = TcpFlag.Rst | TcpFlag.Ack;
    }
    if (this.emitTcp(now, dst, src, r, null, 0, 0)) this.stats.tcp.event('rst-sent');
  }

  /** Delivers a datagram; false when no socket has its port (the caller answers port unreachable). */
  private receiveUdp(src: IpAddress, dst: IpAddress, b: Uint8Array, broadcast = false): boolean {
    const st = this.stats.udp;
    const p = UdpPacket.checked(b);
    if (typeof p === 'string') return this.udpDrop(p);
    const r = UdpRepr.parse(p, src, dst, !this.offload);
    if (typeof r === 'string') return this.udpDrop(r);
    st.rx++;
    for (const u of this.sockets.udp) {
      if (u.accepts(dst, r.dstPort)) {
        if (!u.deliver(p.payload, src, r.srcPort)) st.drop('buffer-full');
        return true;
      }
    }
    // Unicast IPv4 nobody bound goes to a transparent socket if there is one (a NAT gateway).
    if (!broadcast && typeof dst === 'number') {
      for (const u of this.sockets.udp) {
        if (u.transparent) {
          if (!u.deliver(p.payload, src, r.srcPort, dst, r.dstPort)) st.drop('buffer-full');
          return true;
        }
      }
    }
    st.drop('no-socket');
    return false;
  }

  private udpDrop(reason: string): true {
    this.stats.udp.drop(reason);
    return true;
  }

  private receiveIcmp(now: number, src: Ipv4Address, dst: Ipv4Address, b: Uint8Array, broadcast: boolean): void {
    const st = this.stats.icmp;
    const p = Icmpv4Packet.checked(b);
    if (typeof p === 'string') return st.drop(p);
    const r = parseIcmpv4(p);
    if (typeof r === 'string') return st.drop(r);
    st.rx++;
    if (r.kind === Icmpv4Type.EchoRequest) {
      if (!this.echoReply || broadcast) return st.drop(broadcast ? 'broadcast-echo' : 'echo-disabled');
      if (!this.hasAddress(dst)) return st.drop('not-for-us'); // a gateway does not answer for others
      // The reply is the request with its type changed: copy it and fix the checksum.
      const len = b.length;
      if (TCP_BASE + len > this.txBuf.length) return st.drop('echo-too-big');
      const out = this.txBuf;
      out.set(b, TCP_BASE);
      out[TCP_BASE] = Icmpv4Type.EchoReply;
      put16(out, TCP_BASE + 2, 0);
      put16(out, TCP_BASE + 2, checksum(out, TCP_BASE, TCP_BASE + len));
      this.sendIp(now, dst, src, IpProtocol.Icmp, len);
      st.event('echo-reply-sent');
      return;
    }
    // Echo replies and errors go to the ICMP socket bound to the echo identifier concerned.
    let ident = -1;
    if (r.kind === Icmpv4Type.EchoReply) ident = r.ident;
    else {
      const q = r.data;
      const hl = (q[0]! & 0x0f) * 4;
      if (q[9] === IpProtocol.Icmp && q.length >= hl + 8 && q[hl] === Icmpv4Type.EchoRequest) ident = get16(q, hl + 4);
    }
    this.deliverIcmp(ident, b, src);
  }

  /** An echo reply or error (either family's) to the ICMP socket bound to its echo identifier. */
  private deliverIcmp(ident: number, b: Uint8Array, src: IpAddress): void {
    const st = typeof src === 'bigint' ? this.stats.icmpv6 : this.stats.icmp;
    for (const s of this.sockets.icmp) {
      if (s.ident === ident && ident >= 0) {
        if (!s.deliver(b, src)) st.drop('buffer-full');
        return;
      }
    }
    st.drop('no-socket');
  }

  /** Destination unreachable or time exceeded, quoting the header and 8 bytes (RFC 792). */
  private sendIcmpError(now: number, ip: Ipv4Packet, kind: Icmpv4Type.DstUnreachable | Icmpv4Type.TimeExceeded, code: number): void {
    if (!this.icmpErrors.allow(now)) return void this.stats.icmp.drop('error-rate-limit');
    const quote = Math.min(ip.totalLen, ip.headerLen + 8);
    const out = this.txBuf;
    const o = TCP_BASE;
    out[o] = kind;
    out[o + 1] = code;
    out.fill(0, o + 2, o + 8);
    out.set(ip.buffer.subarray(0, quote), o + ICMPV4_HEADER_LEN);
    const len = ICMPV4_HEADER_LEN + quote;
    put16(out, o + 2, checksum(out, o, o + len));
    this.sendIp(now, ip.dst, ip.src, IpProtocol.Icmp, len);
    this.stats.icmp.event(kind === Icmpv4Type.DstUnreachable ? 'unreachable-sent' : 'time-exceeded-sent');
  }

  // ---------------------------------------------------------------- egress

  private writeEthernet(dst: EthernetAddress, type: number): void {
    const f = EthernetFrame.unchecked(this.txBuf);
    f.dst = dst;
    f.src = this.hardwareAddr;
    f.etherType = type;
  }

  transmitFrame(now: number, frame: Uint8Array): boolean {
    if (!this.device.transmit(now, frame)) {
      this.stats.ethernet.drop('device-full');
      return false;
    }
    this.stats.ethernet.tx++;
    return true;
  }

  transmit(now: number, len: number): boolean {
    if (!this.device.transmit(now, this.txBuf.subarray(0, len))) {
      this.stats.ethernet.drop('device-full');
      return false;
    }
    this.stats.ethernet.tx++;
    return true;
  }

  /**
   * Finds the link-layer destination for an IP packet, sending an ARP request if it is not
   * known yet. Returns null when the packet cannot go now.
   */
  private resolve(now: number, dst: Ipv4Address, src: Ipv4Address): EthernetAddress | null {
    const hop = this.nextHop(dst);
    if (hop === null) {
      this.stats.ipv4.drop('no-route');
      return null;
    }
    const mac = this.knownLinkAddr(hop, now);
    if (mac !== null) return mac;
    if (this.arp.shouldAsk(hop, now)) this.sendArp(now, ArpOperation.Request, 0, hop, src);
    this.stats.ipv4.drop('neighbor-pending');
    return null;
  }

  /**
   * Sends the IP payload already at txBuf[34, 34 + len). If the next hop is still being
   * resolved the frame waits in the neighbour queue and goes out with the ARP reply.
   */
  private sendIp(now: number, src: Ipv4Address, dst: Ipv4Address, protocol: number, len: number): SendResult {
    const hop = this.nextHop(dst);
    if (hop === null) {
      this.stats.ipv4.drop('no-route');
      return 'no-route';
    }
    emitIpv4Header(this.txBuf.subarray(ETHERNET_HEADER_LEN), src, dst, protocol, len, DEFAULT_TTL, this.nextIdent());
    const mac = this.knownLinkAddr(hop, now);
    this.writeEthernet(mac ?? 0, EtherType.Ipv4);
    this.stats.ipv4.tx++;
    if (mac !== null) return this.transmit(now, TCP_BASE + len) ? 'sent' : 'device-full';
    if (!this.pending.hold(this.txBuf.subarray(0, TCP_BASE + len), hop, now)) {
      this.stats.ipv4.drop('neighbor-queue-full');
      return 'no-route';
    }
    if (this.arp.shouldAsk(hop, now)) this.sendArp(now, ArpOperation.Request, 0, hop, src);
    return 'held';
  }

  /** sendIp for either family: the payload sits after the family's IP header in txBuf. */
  private sendIpAny(now: number, src: IpAddress, dst: IpAddress, protocol: number, len: number): SendResult {
    if (typeof dst === 'bigint') return this.ipv6.sendIp(now, src as bigint, dst, protocol, len);
    return this.sendIp(now, src as Ipv4Address, dst, protocol, len);
  }

  /** The MAC for a next hop if known without asking: ours, broadcast, or cached. */
  private knownLinkAddr(hop: Ipv4Address, now: number): EthernetAddress | null {
    if (this.hasAddress(hop)) return this.hardwareAddr;
    if (hop === IPV4_BROADCAST) return ETHERNET_BROADCAST;
    for (const c of this.addresses) if (c.prefixLen < 31 && c.broadcast === hop) return ETHERNET_BROADCAST;
    return this.arp.lookup(hop, now);
  }

  private nextIdent(): number {
    this.ident = (this.ident + 1) & 0xffff;
    return this.ident;
  }

  /** TcpTransmit: one segment of a socket, payload from its send ring. */
  sendTcp(s: TcpSocket, repr: TcpRepr, offset: number, len: number): boolean {
    if (!s.localAddr) s.localAddr = this.sourceFor(s.remoteAddr);
    return this.emitTcp(this.ctx.now, s.localAddr, s.remoteAddr, repr, s, offset, len);
  }

  private emitTcp(now: number, src: IpAddress, dst: IpAddress, repr: TcpRepr, s: TcpSocket | null, offset: number, len: number): boolean {
    const v6 = typeof dst === 'bigint';
    const mac = v6 ? this.ipv6.resolve(now, dst) : this.resolve(now, dst, src as Ipv4Address);
    if (mac === null) return false;
    const hl = repr.headerLen;
    const b = this.txBuf;
    const base = v6 ? IPV6_PAYLOAD_OFFSET : TCP_BASE;
    if (s && len > 0) s.tx.peek(offset, b, base + hl, len);
    repr.emit(b.subarray(base), len, src, dst, !this.offload);
    if (v6) this.ipv6.writeHeaders(mac, src as bigint, dst, Ipv6NextHeader.Tcp, hl + len);
    else {
      this.writeEthernet(mac, EtherType.Ipv4);
      emitIpv4Header(b.subarray(ETHERNET_HEADER_LEN), src as Ipv4Address, dst, IpProtocol.Tcp, hl + len, DEFAULT_TTL, this.nextIdent());
      this.stats.ipv4.tx++;
    }
    if (!this.transmit(now, base + hl + len)) return false;
    this.stats.tcp.tx++;
    return true;
  }

  private flushUdp(now: number, u: UdpSocket): boolean {
    let did = false;
    while (!u.tx.isEmpty) {
      const dst = u.tx.frontAddr;
      // A transparent socket's datagrams name their own source; others use the socket's
      // (unless it is of the other family: a socket bound to 0.0.0.0 answers IPv6 too).
      const bound = typeof u.localAddr === typeof dst ? u.localAddr : 0;
      const src = u.tx.frontLocalAddr || bound || this.sourceFor(dst);
      const srcPort = u.tx.frontLocalPort || u.localPort;
      const base = typeof dst === 'bigint' ? IPV6_PAYLOAD_OFFSET : TCP_BASE;
      const len = u.tx.peekInto(this.txBuf, base + UDP_HEADER_LEN);
      emitUdpHeader(this.txBuf.subarray(base), srcPort, u.tx.frontPort, len, src, dst, !this.offload);
      const r = this.sendIpAny(now, src, dst, IpProtocol.Udp, UDP_HEADER_LEN + len);
      if (r === 'device-full') break;
      u.tx.pop();
      if (r !== 'no-route') this.stats.udp.tx++;
      did = true;
    }
    return did;
  }

  private flushIcmp(now: number, s: IcmpSocket): boolean {
    let did = false;
    while (!s.tx.isEmpty) {
      const dst = s.tx.frontAddr;
      const src = this.sourceFor(dst);
      let r: SendResult;
      if (typeof dst === 'bigint') {
        const len = s.tx.peekInto(this.txBuf, IPV6_PAYLOAD_OFFSET);
        this.ipv6.checksumIcmpv6(src as bigint, dst, len);
        r = this.ipv6.sendIp(now, src as bigint, dst, Ipv6NextHeader.Icmpv6, len);
      } else {
        const len = s.tx.peekInto(this.txBuf, TCP_BASE);
        put16(this.txBuf, TCP_BASE + 2, 0);
        put16(this.txBuf, TCP_BASE + 2, checksum(this.txBuf, TCP_BASE, TCP_BASE + len));
        r = this.sendIp(now, src as Ipv4Address, dst, IpProtocol.Icmp, len);
      }
      if (r === 'device-full') break;
      s.tx.pop();
      if (r !== 'no-route') this.stats.icmp.tx++;
      did = true;
    }
    return did;
  }
}
