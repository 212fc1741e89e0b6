// IPv6 on an interface: its addresses, next hops, Neighbor Discovery and the ICMPv6 it answers
// by itself. The interface hands it every IPv6 frame and asks it to send IPv6 packets; TCP and
// UDP demultiplexing stay in the interface, shared with IPv4.
//
// - Addresses (values: bigint): the link-local one made from the MAC (RFC 4291 appendix A),
//   static ones (`addresses.push`, netd's `addr6=` and `ip addr add`), and with `autoconf`
//   one per autonomous /64 prefix of a router advertisement (SLAAC, RFC 4862 5.5.3; no
//   duplicate address detection: the interface identifier is the MAC's EUI-64). A SLAAC
//   address goes when its valid lifetime ends, which a later advertisement may extend but not
//   cut below two hours (5.5.3 (e)); at most 16 such addresses and 8 learned routers are kept.
// - Next hops: our own addresses, multicast, link-local (fe80::/10) and the prefixes of our
//   addresses are on-link; anything else goes via the static gateway or a router learned
//   from an advertisement (RFC 4861 6.3.4), else it is unroutable.
// - Neighbour discovery (RFC 4861 7): a packet whose next hop has no known MAC is held in the
//   interface's neighbour queue and a solicitation goes to the hop's solicited-node group (at
//   most one a second per hop); the advertisement releases the queue. Solicitations for our
//   addresses are answered; solicitations, router advertisements and packets from on-link
//   senders teach us MACs; an advertisement only updates a neighbour we know or asked for
//   (7.2.5), and replaces a known MAC only with its override flag. ND messages must carry hop
//   limit 255 and code 0; router advertisements must come from a link-local address.
// - ICMPv6 (RFC 4443): echo requests to our addresses are answered; destination unreachable
//   (port unreachable) is sent for the interface's closed UDP ports, quoting as much of the
//   packet as fits in the minimum MTU, never about multicast or from an unspecified source,
//   and at most 10 a second after a burst of 10 (2.4 (f): a flood of datagrams to closed
//   ports does not make as many errors).
//
// receive() returns the next header of a packet the interface must take further (TCP, UDP, or
// ICMPv6 echo replies and errors for ICMP sockets), with its addresses and payload left in
// rxSrc, rxDst and rxPayload; -1 when it was consumed here. Outgoing packets are built in the
// link's transmit buffer, the payload at IPV6_PAYLOAD_OFFSET.
import { ETHERNET_HEADER_LEN, ARP_REQUEST_INTERVAL_MS } from '../params.js';
import type { ProtoStats } from '../stats.js';
import type { EthernetAddress } from '../wire/address.js';
import { fold, get16, put16, pseudoHeaderSum, sum16 } from '../wire/bytes.js';
import { EtherType, EthernetFrame } from '../wire/ethernet.js';
import { IPV6_HEADER_LEN, Ipv6AddressCache, Ipv6Cidr, Ipv6NextHeader, Ipv6Packet, ipv6Bytes, ipv6Value, linkLocalFromMac, solicitedNode } from '../wire/ipv6.js';
import { Icmpv6Packet, Icmpv6Type, emitIcmpv6, icmpv6BufferLen, parseIcmpv6, type Icmpv6Repr } from '../wire/icmpv6.js';
import type { NeighborQueue } from './neighbor_queue.js';
import { ErrorLimit } from './error_limit.js';

export const IPV6_PAYLOAD_OFFSET = ETHERNET_HEADER_LEN + IPV6_HEADER_LEN;
const ALL_NODES = 0xff02n << 112n | 1n;
const ALL_ROUTERS = 0xff02n << 112n | 2n;
const LINK_LOCAL = new Ipv6Cidr(0xfe80n << 112n, 10);
/** ff02::1:ff00:0/104, the solicited-node groups, shifted down past their 24 bits. */
const SOLICITED_NODE_PREFIX = 0xff02_0000_0000_0000_0000_0001_ffn;
const NEIGHBOR_LIFETIME_MS = 60_000;
const MAX_NEIGHBORS = 64;
/** Solicitation times kept for the rate limit, at most. */
const MAX_ASKED = MAX_NEIGHBORS * 4;
/**
 * Addresses and routers taken from advertisements, at most: any node on the link can send
 * router advertisements (they need only a link-local source), each with many prefixes.
 */
const MAX_AUTOCONF_ADDRESSES = 16;
const MAX_ROUTERS = 8;
/** RFC 4862 5.5.3 (e): an advertisement may not cut a SLAAC address's valid lifetime below two hours. */
const TWO_HOURS_MS = 2 * 3600_000;
/** A prefix lifetime of all ones is infinite (RFC 4861 4.6.2). */
const INFINITE_LIFETIME = 0xffff_ffff;
/** An error quotes the packet up to the minimum MTU (RFC 4443 2.4 (c)). */
const MIN_MTU = 1280;
const DEFAULT_HOP_LIMIT = 64;

/** What the IPv6 layer needs of the interface it is part of: its transmit buffer and device. */
export interface LinkTx {
  readonly txBuf: Uint8Array;
  /** Sends txBuf[0, len). */
  transmit(now: number, len: number): boolean;
  /** Sends a frame held elsewhere (the neighbour queue's). */
  transmitFrame(now: number, frame: Uint8Array): boolean;
}

export type Ipv6SendResult = 'sent' | 'held' | 'no-route' | 'device-full';

export class Ipv6Layer {
  /** Our addresses; the link-local one first. */
  addresses: Ipv6Cidr[];
  /** A static default router (netd's `gateway6=`, `ip route add default via`). */
  gateway: bigint | null = null;
  /** Take addresses and routers from router advertisements (SLAAC); solicit them at the first poll. */
  autoconf = false;
  echoReply = true;
  /** Routers learned from advertisements, with when they stop being ones. */
  readonly routers = new Map<bigint, number>();
  private readonly neighbors = new Map<bigint, { mac: EthernetAddress; expires: number }>();
  private readonly asked = new Map<bigint, number>();
  /** Addresses SLAAC made, with when their valid lifetime ends (Infinity: never). */
  private readonly autoconfigured = new Map<bigint, number>();
  /** The interface identifier SLAAC addresses end with: the MAC's EUI-64, whatever addresses come and go. */
  private readonly iid: bigint;
  private solicitedRouters = false;
  /** Errors that may be sent now (a token bucket), and when it was last filled. */
  private readonly errors = new ErrorLimit();
  private readonly cache = new Ipv6AddressCache();
  /** The packet receive() passed on (valid until the next receive). */
  rxSrc = 0n;
  rxDst = 0n;
  rxPayload: Uint8Array = new Uint8Array(0);
  rxPacket: Ipv6Packet | null = null;
  /** For ICMPv6 passed on: the echo identifier it concerns (-1 if none). */
  rxIdent = -1;

  constructor(
    readonly hardwareAddr: EthernetAddress,
    readonly ipv6: ProtoStats,
    readonly icmpv6: ProtoStats,
    private readonly link: LinkTx,
    private readonly pending: NeighborQueue,
  ) {
    const linkLocal = ipv6Value(linkLocalFromMac(hardwareAddr));
    this.addresses = [new Ipv6Cidr(linkLocal, 64)];
    this.iid = linkLocal & ((1n << 64n) - 1n);
  }

  // ---------------------------------------------------------------- addresses and routes

  hasAddress(a: bigint): boolean {
    for (const c of this.addresses) if (c.address === a) return true;
    return false;
  }

  addAddress(c: Ipv6Cidr): void {
    this.removeAddress(c.address);
    this.addresses.push(c);
  }

  removeAddress(a: bigint): boolean {
    const i = this.addresses.findIndex((c) => c.address === a);
    this.autoconfigured.delete(a);
    if (i < 0) return false;
    this.addresses.splice(i, 1);
    return true;
  }

  /** Is a packet to `a` for us: ours, all-nodes, or the solicited-node group of one of ours. */
  acceptsDst(a: bigint): boolean {
    if (a === ALL_NODES || this.hasAddress(a)) return true;
    if (a >> 24n !== SOLICITED_NODE_PREFIX) return false;
    for (const c of this.addresses) if ((c.address & 0xff_ffffn) === (a & 0xff_ffffn)) return true;
    return false;
  }

  /** The address we send from to reach dst: on its prefix, else a global one, else link-local. */
  sourceFor(dst: bigint): bigint {
    if (this.hasAddress(dst)) return dst;
    const ll = this.addresses[0]?.address ?? 0n;
    if (LINK_LOCAL.contains(dst) || isMulticast(dst)) return this.addresses.find((c) => LINK_LOCAL.contains(c.address))?.address ?? ll;
    for (const c of this.addresses) if (c.prefixLen < 128 && c.contains(dst) && !LINK_LOCAL.contains(c.address)) return c.address;
    return this.addresses.find((c) => !LINK_LOCAL.contains(c.address))?.address ?? ll;
  }

  onLink(a: bigint): boolean {
    if (LINK_LOCAL.contains(a)) return true;
    for (const c of this.addresses) if (c.prefixLen < 128 && c.contains(a)) return true;
    return false;
  }

  /** The router traffic off the link goes to: the static one, else the first live learned one. */
  defaultRouter(now: number): bigint | null {
    if (this.gateway !== null) return this.gateway;
    for (const [r, until] of this.routers) if (until > now) return r;
    return null;
  }

  /** Next hop for dst: itself if on-link (or multicast, or ours), a router otherwise; null if unroutable. */
  nextHop(dst: bigint, now: number): bigint | null {
    if (isMulticast(dst) || this.hasAddress(dst) || this.onLink(dst)) return dst;
    return this.defaultRouter(now);
  }

  neighbor(a: bigint, now: number): EthernetAddress | null {
    const e = this.neighbors.get(a);
    return e && e.expires > now ? e.mac : null;
  }

  /** The MAC for a next hop if known without asking: ours, a multicast group's, or cached. */
  knownLinkAddr(hop: bigint, now: number): EthernetAddress | null {
    if (this.hasAddress(hop)) return this.hardwareAddr;
    if (isMulticast(hop)) return this.multicastMac(hop);
    return this.neighbor(hop, now);
  }

  private learn(a: bigint, mac: EthernetAddress, now: number): void {
    if (this.neighbors.size >= MAX_NEIGHBORS && !this.neighbors.has(a)) {
      const oldest = this.neighbors.keys().next().value;
      if (oldest !== undefined) this.neighbors.delete(oldest);
    }
    this.neighbors.set(a, { mac, expires: now + NEIGHBOR_LIFETIME_MS });
    this.asked.delete(a);
    this.pending.release(a, (frame) => {
      EthernetFrame.unchecked(frame).dst = mac;
      this.link.transmitFrame(now, frame);
    });
  }

  /**
   * Learns an on-link sender's MAC from any TCP or UDP packet of its, sparing a solicitation for
   * the reply, and keeps a known entry alive while its traffic flows: a long connection would
   * otherwise stall on a solicitation every NEIGHBOR_LIFETIME_MS.
   */
  noteSender(src: bigint, mac: EthernetAddress, now: number): void {
    const e = this.neighbors.get(src);
    if (e && e.mac === mac) e.expires = now + NEIGHBOR_LIFETIME_MS;
    else if (!e && src !== 0n && !isMulticast(src) && this.onLink(src)) this.learn(src, mac, now);
  }

  // ---------------------------------------------------------------- polling

  /**
   * At the first poll with autoconf on, asks the routers to advertise (RFC 4861 6.3.7); later
   * ones drop SLAAC addresses whose valid lifetime has ended (RFC 4862 5.5.4).
   */
  poll(now: number): void {
    if (this.autoconfigured.size > 0) for (const [a, until] of this.autoconfigured) if (until <= now) this.removeAddress(a);
    if (!this.autoconf || this.solicitedRouters) return;
    this.solicitedRouters = true;
    const src = this.sourceFor(ALL_ROUTERS);
    this.sendIcmpv6(now, src, ALL_ROUTERS, this.multicastMac(ALL_ROUTERS), { kind: Icmpv6Type.RouterSolicit, options: { sourceLinkAddr: this.hardwareAddr } }, 255);
  }

  // ---------------------------------------------------------------- ingress

  receive(now: number, b: Uint8Array, srcMac: EthernetAddress): number {
    const p = Ipv6Packet.checked(b);
    if (typeof p === 'string') return this.drop(this.ipv6, p);
    this.ipv6.rx++;
    const dst = this.cache.value(b, 24);
    if (!this.acceptsDst(dst)) return this.drop(this.ipv6, 'not-for-us');
    const src = this.cache.value(b, 8);
    // Packets claiming to come from a multicast address or our loopback are spoofed (RFC 4291 2.5.3, 2.7).
    if (isMulticast(src) || (src === 1n && !this.hasAddress(1n))) return this.drop(this.ipv6, 'martian-source');
    this.rxSrc = src;
    this.rxDst = dst;
    this.rxPayload = p.payload;
    this.rxPacket = p;
    this.rxIdent = -1;
    switch (p.nextHeader) {
      case Ipv6NextHeader.Tcp:
      case Ipv6NextHeader.Udp:
        this.noteSender(src, srcMac, now);
        return p.nextHeader;
      case Ipv6NextHeader.Icmpv6:
        return this.receiveIcmpv6(now, p, src, dst, srcMac);
      default:
        return this.drop(this.ipv6, 'unsupported-next-header');
    }
  }

  private receiveIcmpv6(now: number, p: Ipv6Packet, src: bigint, dst: bigint, srcMac: EthernetAddress): number {
    const ic = Icmpv6Packet.checked(p.payload);
    if (typeof ic === 'string') return this.drop(this.icmpv6, ic);
    const m = parseIcmpv6(ic, p.src, p.dst);
    if (typeof m === 'string') return this.drop(this.icmpv6, m);
    this.icmpv6.rx++;
    const ndp = m.kind >= Icmpv6Type.RouterSolicit && m.kind <= Icmpv6Type.NeighborAdvert;
    if (ndp && p.hopLimit !== 255) return this.drop(this.icmpv6, 'hop-limit');
    switch (m.kind) {
      case Icmpv6Type.NeighborSolicit: {
        // RFC 4861 7.1.1: a probe from the unspecified address goes to a solicited-node group
        // and names no link address (there is no sender to have one).
        if (src === 0n && (dst >> 24n !== SOLICITED_NODE_PREFIX || m.options.sourceLinkAddr !== undefined)) return this.drop(this.icmpv6, 'malformed-probe');
        if (m.options.sourceLinkAddr !== undefined && src !== 0n) this.learn(src, m.options.sourceLinkAddr, now);
        const target = ipv6Value(m.target);
        if (!this.hasAddress(target)) return this.drop(this.icmpv6, 'not-our-target');
        // To a DAD probe (unspecified source) the answer goes to all nodes, unsolicited.
        const to = src === 0n ? ALL_NODES : src;
        const na: Icmpv6Repr = {
          kind: Icmpv6Type.NeighborAdvert, router: false, solicited: src !== 0n, override: true, target: m.target,
          options: { targetLinkAddr: this.hardwareAddr },
        };
        this.icmpv6.event('neighbor-advert-sent');
        this.sendIcmpv6(now, target, to, src === 0n ? this.multicastMac(ALL_NODES) : (m.options.sourceLinkAddr ?? srcMac), na, 255);
        return -1;
      }
      case Icmpv6Type.NeighborAdvert: {
        // RFC 4861 7.1.2: an advertisement to a group is never a solicited one.
        if (m.solicited && isMulticast(dst)) return this.drop(this.icmpv6, 'solicited-to-group');
        // RFC 4861 7.2.5: an advertisement updates an entry we have or asked for; one about a
        // stranger is discarded, or anyone on the link could fill the table and push out the
        // neighbours in use. Without the override flag it does not replace a known MAC.
        const target = ipv6Value(m.target);
        const known = this.neighbors.get(target);
        if (known === undefined && !this.asked.has(target)) return this.drop(this.icmpv6, 'unsolicited-advert');
        const mac = m.options.targetLinkAddr ?? (this.asked.has(target) ? srcMac : undefined);
        if (mac === undefined || (known !== undefined && known.mac !== mac && !m.override)) return -1;
        this.learn(target, mac, now);
        return -1;
      }
      case Icmpv6Type.RouterAdvert:
        this.routerAdvert(now, src, m);
        return -1;
      case Icmpv6Type.EchoRequest: {
        if (!this.echoReply || !this.hasAddress(dst)) return this.drop(this.icmpv6, this.echoReply ? 'echo-to-group' : 'echo-disabled');
        if (IPV6_PAYLOAD_OFFSET + icmpv6BufferLen(m) > this.link.txBuf.length) return this.drop(this.icmpv6, 'echo-too-big');
        this.icmpv6.event('echo-reply-sent');
        this.sendIcmpv6(now, dst, src, srcMac, { kind: Icmpv6Type.EchoReply, ident: m.ident, seq: m.seq, data: m.data }, DEFAULT_HOP_LIMIT);
        return -1;
      }
      case Icmpv6Type.EchoReply:
        this.rxIdent = m.ident;
        return Ipv6NextHeader.Icmpv6;
      case Icmpv6Type.DstUnreachable:
      case Icmpv6Type.TimeExceeded:
      case Icmpv6Type.PacketTooBig:
      case Icmpv6Type.ParamProblem: {
        // An error about one of our echo requests goes to the socket with its identifier.
        const q = m.data;
        if (q.length >= IPV6_HEADER_LEN + 8 && q[6] === Ipv6NextHeader.Icmpv6 && q[IPV6_HEADER_LEN] === Icmpv6Type.EchoRequest) this.rxIdent = get16(q, IPV6_HEADER_LEN + 4);
        return Ipv6NextHeader.Icmpv6;
      }
      default:
        return this.drop(this.icmpv6, 'unhandled');
    }
  }

  /** RFC 4861 6.3.4: a router's lifetime and MAC; with autoconf, an address per autonomous /64 (RFC 4862 5.5.3). */
  private routerAdvert(now: number, src: bigint, m: Extract<Icmpv6Repr, { kind: Icmpv6Type.RouterAdvert }>): void {
    if (!LINK_LOCAL.contains(src)) return void this.icmpv6.drop('router-not-link-local');
    if (m.options.sourceLinkAddr !== undefined) this.learn(src, m.options.sourceLinkAddr, now);
    if (!this.autoconf) return;
    if (m.routerLifetime === 0) this.routers.delete(src);
    else if (this.routers.has(src) || this.roomForRouter(now)) this.routers.set(src, now + m.routerLifetime * 1000);
    else this.icmpv6.drop('routers-full');
    for (const pi of m.options.prefixes ?? []) {
      if (!pi.autonomous || pi.prefixLen !== 64 || pi.preferredLifetime > pi.validLifetime) continue;
      const prefix = ipv6Value(pi.prefix);
      if (LINK_LOCAL.contains(prefix)) continue;
      const addr = (prefix & ~((1n << 64n) - 1n)) | this.iid;
      const until = pi.validLifetime === INFINITE_LIFETIME ? Infinity : now + pi.validLifetime * 1000;
      const had = this.autoconfigured.get(addr);
      if (had !== undefined) {
        // RFC 4862 5.5.3 (e): a long lifetime, or one past the current, is taken; a short
        // one cuts what is left to two hours at most, so a forged advertisement cannot end
        // an address at once.
        if (pi.validLifetime * 1000 > TWO_HOURS_MS || until > had) this.autoconfigured.set(addr, until);
        else if (had - now > TWO_HOURS_MS) this.autoconfigured.set(addr, now + TWO_HOURS_MS);
        continue;
      }
      if (pi.validLifetime === 0 || this.hasAddress(addr)) continue;
      if (this.autoconfigured.size >= MAX_AUTOCONF_ADDRESSES) {
        this.icmpv6.drop('slaac-full');
        continue;
      }
      this.addresses.push(new Ipv6Cidr(addr, 64));
      this.autoconfigured.set(addr, until);
      this.icmpv6.event('slaac-address');
    }
  }

  /** Whether another learned router fits, after forgetting those whose lifetime has ended. */
  private roomForRouter(now: number): boolean {
    if (this.routers.size < MAX_ROUTERS) return true;
    for (const [r, until] of this.routers) if (until <= now) this.routers.delete(r);
    return this.routers.size < MAX_ROUTERS;
  }

  // ---------------------------------------------------------------- egress

  /** A group's MAC: 33:33 and the group's last 32 bits (RFC 2464 7). */
  private multicastMac(group: bigint): EthernetAddress {
    return 0x3333_0000_0000 + Number(group & 0xffff_ffffn);
  }

  /** Writes the Ethernet and IPv6 headers in front of a payload of len bytes at IPV6_PAYLOAD_OFFSET. */
  writeHeaders(dstMac: EthernetAddress, src: bigint, dst: bigint, nextHeader: number, len: number, hopLimit = DEFAULT_HOP_LIMIT): void {
    const b = this.link.txBuf;
    const f = EthernetFrame.unchecked(b);
    f.dst = dstMac;
    f.src = this.hardwareAddr;
    f.etherType = EtherType.Ipv6;
    const o = ETHERNET_HEADER_LEN;
    b[o] = 0x60;
    b[o + 1] = b[o + 2] = b[o + 3] = 0;
    put16(b, o + 4, len);
    b[o + 6] = nextHeader;
    b[o + 7] = hopLimit;
    this.cache.write(src, b, o + 8);
    this.cache.write(dst, b, o + 24);
    this.ipv6.tx++;
  }

  /**
   * The MAC for a packet to dst, soliciting the next hop if it is unknown (the caller keeps its
   * data and tries again, as TCP does); null if it cannot go now.
   */
  resolve(now: number, dst: bigint): EthernetAddress | null {
    const hop = this.nextHop(dst, now);
    if (hop === null) {
      this.ipv6.drop('no-route');
      return null;
    }
    const mac = this.knownLinkAddr(hop, now);
    if (mac !== null) return mac;
    this.solicit(now, hop);
    this.ipv6.drop('neighbor-pending');
    return null;
  }

  /**
   * Sends the payload already at txBuf[IPV6_PAYLOAD_OFFSET, + len). If the next hop is still
   * being resolved the frame waits in the neighbour queue and goes with the advertisement.
   */
  sendIp(now: number, src: bigint, dst: bigint, nextHeader: number, len: number): Ipv6SendResult {
    const hop = this.nextHop(dst, now);
    if (hop === null) {
      this.ipv6.drop('no-route');
      return 'no-route';
    }
    const mac = this.knownLinkAddr(hop, now);
    this.writeHeaders(mac ?? 0, src, dst, nextHeader, len);
    const total = IPV6_PAYLOAD_OFFSET + len;
    if (mac !== null) return this.link.transmit(now, total) ? 'sent' : 'device-full';
    if (!this.pending.hold(this.link.txBuf.subarray(0, total), hop, now)) {
      this.ipv6.drop('neighbor-queue-full');
      return 'no-route';
    }
    this.solicit(now, hop);
    return 'held';
  }

  /** A neighbour solicitation for hop to its solicited-node group, at most one a second (RFC 4861 7.2.2). */
  private solicit(now: number, hop: bigint): void {
    const last = this.asked.get(hop);
    if (last !== undefined && now - last < ARP_REQUEST_INTERVAL_MS) return;
    // Only the rate limit needs the times: past it an entry is forgotten, so a flood of
    // strangers to answer cannot grow the table without bound.
    if (this.asked.size >= MAX_ASKED) {
      for (const [h, t] of this.asked) if (now - t >= ARP_REQUEST_INTERVAL_MS) this.asked.delete(h);
      // Still full within one second: the oldest goes (it may then be asked again a little early).
      if (this.asked.size >= MAX_ASKED) this.asked.delete(this.asked.keys().next().value!);
    }
    this.asked.set(hop, now);
    const group = ipv6Value(solicitedNode(ipv6Bytes(hop)));
    this.icmpv6.event('neighbor-solicit-sent');
    this.sendIcmpv6(now, this.sourceFor(hop), group, this.multicastMac(group), { kind: Icmpv6Type.NeighborSolicit, target: ipv6Bytes(hop), options: { sourceLinkAddr: this.hardwareAddr } }, 255);
  }

  private sendIcmpv6(now: number, src: bigint, dst: bigint, dstMac: EthernetAddress, m: Icmpv6Repr, hopLimit: number): void {
    const b = this.link.txBuf;
    const len = icmpv6BufferLen(m);
    // The message may quote the frame being answered, which the device (not txBuf) holds.
    const body = b.subarray(IPV6_PAYLOAD_OFFSET, IPV6_PAYLOAD_OFFSET + len);
    body.fill(0);
    this.writeHeaders(dstMac, src, dst, Ipv6NextHeader.Icmpv6, len, hopLimit);
    emitIcmpv6(m, body, b.subarray(ETHERNET_HEADER_LEN + 8, ETHERNET_HEADER_LEN + 24), b.subarray(ETHERNET_HEADER_LEN + 24, ETHERNET_HEADER_LEN + 40));
    this.icmpv6.tx++;
    this.link.transmit(now, IPV6_PAYLOAD_OFFSET + len);
  }

  /** Fills in the checksum of an ICMPv6 message of len bytes at IPV6_PAYLOAD_OFFSET (an ICMP socket's). */
  checksumIcmpv6(src: bigint, dst: bigint, len: number): void {
    const b = this.link.txBuf;
    const o = IPV6_PAYLOAD_OFFSET;
    put16(b, o + 2, 0);
    put16(b, o + 2, fold(sum16(b, o, o + len, pseudoHeaderSum(src, dst, Ipv6NextHeader.Icmpv6, len))));
  }

  /**
   * Destination unreachable about the packet receive() passed on (code 4: port unreachable),
   * unless it went to a group or came from nobody (RFC 4443 2.4 (e)).
   */
  sendUnreachable(now: number, code: number): void {
    const p = this.rxPacket;
    if (!p || isMulticast(this.rxDst) || this.rxSrc === 0n) return;
    if (!this.errors.allow(now)) return void this.icmpv6.drop('error-rate-limit');
    const quote = p.buffer.subarray(0, Math.min(IPV6_HEADER_LEN + p.payloadLen, MIN_MTU - IPV6_HEADER_LEN - 8));
    const b = this.link.txBuf;
    const o = IPV6_PAYLOAD_OFFSET;
    const len = 8 + quote.length;
    b[o] = Icmpv6Type.DstUnreachable;
    b[o + 1] = code;
    b.fill(0, o + 2, o + 8);
    b.set(quote, o + 8);
    const src = this.rxDst;
    const dst = this.rxSrc;
    this.checksumIcmpv6(src, dst, len);
    this.icmpv6.tx++;
    this.icmpv6.event('unreachable-sent');
    this.sendIp(now, src, dst, Ipv6NextHeader.Icmpv6, len);
  }

  private drop(st: ProtoStats, reason: string): number {
    st.drop(reason);
    return -1;
  }
}

export function isMulticast(a: bigint): boolean {
  return a >> 120n === 0xffn;
}

