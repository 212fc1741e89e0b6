// IPv6 on an interface, as far as this step goes: a link-local address made from the MAC
// (RFC 4291 appendix A), Neighbor Discovery's responder side (a neighbour solicitation for
// one of our addresses is answered with an advertisement; solicitations and advertisements
// teach us the sender's MAC; RFC 4861 7.1 validation: hop limit 255, code 0) and echo replies
// (RFC 4443 4.2). TCP and UDP over IPv6, SLAAC and router discovery come later.
//
// receive() writes at most one reply frame into the buffer it is given and returns its length.
import { ETHERNET_HEADER_LEN } from '../params.js';
import type { ProtoStats } from '../stats.js';
import type { EthernetAddress } from '../wire/address.js';
import { EtherType, EthernetFrame } from '../wire/ethernet.js';
import { IPV6_HEADER_LEN, Ipv6NextHeader, Ipv6Packet, Ipv6Repr, ipv6Equal, linkLocalFromMac, solicitedNode, type Ipv6Address } from '../wire/ipv6.js';
import { Icmpv6Packet, Icmpv6Type, emitIcmpv6, icmpv6BufferLen, parseIcmpv6, type Icmpv6Repr } from '../wire/icmpv6.js';

const ALL_NODES = Uint8Array.from([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
const NEIGHBOR_LIFETIME_MS = 60_000;
const MAX_NEIGHBORS = 64;

function key(a: Ipv6Address): string {
  let s = '';
  for (let i = 0; i < 16; i++) s += a[i]!.toString(16).padStart(2, '0');
  return s;
}

export class Ipv6Layer {
  addresses: Ipv6Address[];
  echoReply = true;
  private readonly neighbors = new Map<string, { mac: EthernetAddress; expires: number }>();

  constructor(readonly hardwareAddr: EthernetAddress, readonly ipv6: ProtoStats, readonly icmpv6: ProtoStats) {
    this.addresses = [linkLocalFromMac(hardwareAddr)];
  }

  hasAddress(a: Ipv6Address): boolean {
    return this.addresses.some((x) => ipv6Equal(x, a));
  }

  /** Is a packet to `a` for us: ours, all-nodes, or the solicited-node group of one of ours. */
  acceptsDst(a: Ipv6Address): boolean {
    if (this.hasAddress(a) || ipv6Equal(a, ALL_NODES)) return true;
    return this.addresses.some((x) => ipv6Equal(solicitedNode(x), a));
  }

  neighbor(a: Ipv6Address, now: number): EthernetAddress | null {
    const e = this.neighbors.get(key(a));
    return e && e.expires > now ? e.mac : null;
  }

  private learn(a: Ipv6Address, mac: EthernetAddress, now: number): void {
    if (this.neighbors.size >= MAX_NEIGHBORS && !this.neighbors.has(key(a))) {
      const oldest = this.neighbors.keys().next().value;
      if (oldest !== undefined) this.neighbors.delete(oldest);
    }
    this.neighbors.set(key(a), { mac, expires: now + NEIGHBOR_LIFETIME_MS });
  }

  receive(now: number, b: Uint8Array, srcMac: EthernetAddress, out: Uint8Array): number {
    const p = Ipv6Packet.checked(b);
    if (typeof p === 'string') {
      this.ipv6.drop(p);
      return 0;
    }
    this.ipv6.rx++;
    const dst = p.dst;
    if (!this.acceptsDst(dst)) {
      this.ipv6.drop('not-for-us');
      return 0;
    }
    if (p.nextHeader !== Ipv6NextHeader.Icmpv6) {
      this.ipv6.drop('unsupported-next-header');
      return 0;
    }
    const src = p.src;
    const ic = Icmpv6Packet.checked(p.payload);
    if (typeof ic === 'string') {
      this.icmpv6.drop(ic);
      return 0;
    }
    const m = parseIcmpv6(ic, src, dst);
    if (typeof m === 'string') {
      this.icmpv6.drop(m);
      return 0;
    }
    this.icmpv6.rx++;
    const unspecified = src.every((x) => x === 0);
    switch (m.kind) {
      case Icmpv6Type.NeighborSolicit: {
        if (p.hopLimit !== 255) return this.dropNd('hop-limit');
        if (m.options.sourceLinkAddr !== undefined && !unspecified) this.learn(src, m.options.sourceLinkAddr, now);
        if (!this.hasAddress(m.target)) return this.dropNd('not-our-target');
        // To a DAD probe (unspecified source) the answer goes to all nodes, unsolicited.
        const to = unspecified ? ALL_NODES : src;
        const na: Icmpv6Repr = {
          kind: Icmpv6Type.NeighborAdvert, router: false, solicited: !unspecified, override: true, target: m.target.slice(),
          options: { targetLinkAddr: this.hardwareAddr },
        };
        this.icmpv6.event('neighbor-advert-sent');
        return this.emit(out, m.target, to, unspecified ? 0x3333_0000_0001 : (m.options.sourceLinkAddr ?? srcMac), na, 255);
      }
      case Icmpv6Type.NeighborAdvert:
        if (p.hopLimit !== 255) return this.dropNd('hop-limit');
        if (m.options.targetLinkAddr !== undefined) this.learn(m.target, m.options.targetLinkAddr, now);
        return 0;
      case Icmpv6Type.EchoRequest: {
        if (!this.echoReply || !this.hasAddress(dst)) {
          this.icmpv6.drop(this.echoReply ? 'echo-to-group' : 'echo-disabled');
          return 0;
        }
        if (IPV6_HEADER_LEN + ETHERNET_HEADER_LEN + icmpv6BufferLen(m) > out.length) return this.dropNd('echo-too-big');
        this.icmpv6.event('echo-reply-sent');
        return this.emit(out, dst, src, srcMac, { kind: Icmpv6Type.EchoReply, ident: m.ident, seq: m.seq, data: m.data }, 64);
      }
      default:
        this.icmpv6.drop('unhandled');
        return 0;
    }
  }

  private dropNd(reason: string): number {
    this.icmpv6.drop(reason);
    return 0;
  }

  private emit(out: Uint8Array, src: Ipv6Address, dst: Ipv6Address, dstMac: EthernetAddress, m: Icmpv6Repr, hopLimit: number): number {
    const len = icmpv6BufferLen(m);
    const f = EthernetFrame.unchecked(out);
    f.dst = dstMac;
    f.src = this.hardwareAddr;
    f.etherType = EtherType.Ipv6;
    const ipStart = ETHERNET_HEADER_LEN;
    // Copy the addresses first: they may be views into the frame being answered.
    new Ipv6Repr(src.slice(), dst.slice(), Ipv6NextHeader.Icmpv6, len, hopLimit).emit(out.subarray(ipStart));
    const body = out.subarray(ipStart + IPV6_HEADER_LEN, ipStart + IPV6_HEADER_LEN + len);
    body.fill(0);
    emitIcmpv6(m, body, out.subarray(ipStart + 8, ipStart + 24), out.subarray(ipStart + 24, ipStart + 40));
    this.icmpv6.tx++;
    this.ipv6.tx++;
    return ipStart + IPV6_HEADER_LEN + len;
  }
}
