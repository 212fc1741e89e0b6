// ICMPv6 (RFC 4443) with Neighbor Discovery (RFC 4861): echo, the error messages, and router
// and neighbour solicitations and advertisements with the options that matter — source and
// target link-layer address, prefix information, MTU. The checksum covers the IPv6
// pseudo-header, so parse and emit take the addresses.
//
//   0 type  1 code  2 checksum  4 message body (per type)  ... NDP options: type, length/8, data
import { fold, get16, get32, get48, put16, put32, put48, sum16, type WireError } from './bytes.js';
import { ipv6PseudoHeaderSum, Ipv6NextHeader, type Ipv6Address } from './ipv6.js';

export enum Icmpv6Type {
  DstUnreachable = 1,
  PacketTooBig = 2,
  TimeExceeded = 3,
  ParamProblem = 4,
  EchoRequest = 128,
  EchoReply = 129,
  RouterSolicit = 133,
  RouterAdvert = 134,
  NeighborSolicit = 135,
  NeighborAdvert = 136,
}

export interface NdpOptions {
  sourceLinkAddr?: number;
  targetLinkAddr?: number;
  mtu?: number;
  prefixes?: { prefix: Ipv6Address; prefixLen: number; onLink: boolean; autonomous: boolean; validLifetime: number; preferredLifetime: number }[];
}

export type Icmpv6Repr =
  | { kind: Icmpv6Type.EchoRequest | Icmpv6Type.EchoReply; ident: number; seq: number; data: Uint8Array }
  | { kind: Icmpv6Type.DstUnreachable | Icmpv6Type.TimeExceeded; code: number; data: Uint8Array }
  | { kind: Icmpv6Type.PacketTooBig; mtu: number; data: Uint8Array }
  | { kind: Icmpv6Type.ParamProblem; code: number; pointer: number; data: Uint8Array }
  | { kind: Icmpv6Type.RouterSolicit; options: NdpOptions }
  | { kind: Icmpv6Type.RouterAdvert; hopLimit: number; managed: boolean; other: boolean; routerLifetime: number; reachableTime: number; retransTimer: number; options: NdpOptions }
  | { kind: Icmpv6Type.NeighborSolicit; target: Ipv6Address; options: NdpOptions }
  | { kind: Icmpv6Type.NeighborAdvert; router: boolean; solicited: boolean; override: boolean; target: Ipv6Address; options: NdpOptions };

export class Icmpv6Packet {
  private constructor(readonly buffer: Uint8Array) {}

  static checked(buffer: Uint8Array): Icmpv6Packet | WireError {
    if (buffer.length < 8) return 'truncated';
    return new Icmpv6Packet(buffer);
  }

  get msgType(): number {
    return this.buffer[0]!;
  }
  get code(): number {
    return this.buffer[1]!;
  }
  verifyChecksum(src: Ipv6Address, dst: Ipv6Address): boolean {
    return fold(sum16(this.buffer, 0, this.buffer.length, ipv6PseudoHeaderSum(src, dst, Ipv6NextHeader.Icmpv6, this.buffer.length))) === 0;
  }
}

function parseOptions(b: Uint8Array, o: number): NdpOptions | WireError {
  const opts: NdpOptions = {};
  while (o < b.length) {
    if (o + 2 > b.length) return 'truncated';
    const type = b[o]!;
    const len = b[o + 1]! * 8;
    if (len === 0) return 'malformed'; // RFC 4861 4.6: a zero length must be discarded
    if (o + len > b.length) return 'truncated';
    switch (type) {
      case 1:
      case 2:
        if (len !== 8) break; // other link layers: not ours
        if (type === 1) opts.sourceLinkAddr = get48(b, o + 2);
        else opts.targetLinkAddr = get48(b, o + 2);
        break;
      case 3:
        if (len !== 32) return 'malformed';
        (opts.prefixes ??= []).push({
          prefixLen: b[o + 2]!, onLink: (b[o + 3]! & 0x80) !== 0, autonomous: (b[o + 3]! & 0x40) !== 0,
          validLifetime: get32(b, o + 4), preferredLifetime: get32(b, o + 8), prefix: b.slice(o + 16, o + 32),
        });
        break;
      case 5:
        if (len !== 8) return 'malformed';
        opts.mtu = get32(b, o + 4);
        break;
      default:
        break;
    }
    o += len;
  }
  return opts;
}

export function parseIcmpv6(p: Icmpv6Packet, src: Ipv6Address, dst: Ipv6Address, verifyChecksum = true): Icmpv6Repr | WireError {
  if (verifyChecksum && !p.verifyChecksum(src, dst)) return 'checksum';
  const b = p.buffer;
  const code = p.code;
  const ndp = p.msgType >= Icmpv6Type.RouterSolicit && p.msgType <= Icmpv6Type.NeighborAdvert;
  if (ndp && code !== 0) return 'malformed';
  switch (p.msgType) {
    case Icmpv6Type.EchoRequest:
    case Icmpv6Type.EchoReply:
      return { kind: p.msgType, ident: get16(b, 4), seq: get16(b, 6), data: b.subarray(8) };
    case Icmpv6Type.DstUnreachable:
    case Icmpv6Type.TimeExceeded:
      return { kind: p.msgType, code, data: b.subarray(8) };
    case Icmpv6Type.PacketTooBig:
      return { kind: p.msgType, mtu: get32(b, 4), data: b.subarray(8) };
    case Icmpv6Type.ParamProblem:
      return { kind: p.msgType, code, pointer: get32(b, 4), data: b.subarray(8) };
    case Icmpv6Type.RouterSolicit: {
      const options = parseOptions(b, 8);
      return typeof options === 'string' ? options : { kind: p.msgType, options };
    }
    case Icmpv6Type.RouterAdvert: {
      if (b.length < 16) return 'truncated';
      const options = parseOptions(b, 16);
      if (typeof options === 'string') return options;
      return {
        kind: p.msgType, hopLimit: b[4]!, managed: (b[5]! & 0x80) !== 0, other: (b[5]! & 0x40) !== 0,
        routerLifetime: get16(b, 6), reachableTime: get32(b, 8), retransTimer: get32(b, 12), options,
      };
    }
    case Icmpv6Type.NeighborSolicit:
    case Icmpv6Type.NeighborAdvert: {
      if (b.length < 24) return 'truncated';
      const target = b.slice(8, 24);
      if (target[0] === 0xff) return 'malformed'; // the target is never multicast
      const options = parseOptions(b, 24);
      if (typeof options === 'string') return options;
      if (p.msgType === Icmpv6Type.NeighborSolicit) return { kind: p.msgType, target, options };
      const f = b[4]!;
      return { kind: p.msgType, router: (f & 0x80) !== 0, solicited: (f & 0x40) !== 0, override: (f & 0x20) !== 0, target, options };
    }
    default:
      return 'unsupported';
  }
}

function optionsLen(o: NdpOptions): number {
  return (o.sourceLinkAddr !== undefined ? 8 : 0) + (o.targetLinkAddr !== undefined ? 8 : 0) + (o.mtu !== undefined ? 8 : 0) + 32 * (o.prefixes?.length ?? 0);
}

export function icmpv6BufferLen(r: Icmpv6Repr): number {
  switch (r.kind) {
    case Icmpv6Type.RouterSolicit:
      return 8 + optionsLen(r.options);
    case Icmpv6Type.RouterAdvert:
      return 16 + optionsLen(r.options);
    case Icmpv6Type.NeighborSolicit:
    case Icmpv6Type.NeighborAdvert:
      return 24 + optionsLen(r.options);
    default:
      return 8 + r.data.length;
  }
}

function emitOptions(b: Uint8Array, o: number, opts: NdpOptions): void {
  const lla = (type: number, mac: number) => {
    b[o] = type;
    b[o + 1] = 1;
    put48(b, o + 2, mac);
    o += 8;
  };
  if (opts.sourceLinkAddr !== undefined) lla(1, opts.sourceLinkAddr);
  if (opts.targetLinkAddr !== undefined) lla(2, opts.targetLinkAddr);
  if (opts.mtu !== undefined) {
    b[o] = 5;
    b[o + 1] = 1;
    put16(b, o + 2, 0);
    put32(b, o + 4, opts.mtu);
    o += 8;
  }
  for (const p of opts.prefixes ?? []) {
    b[o] = 3;
    b[o + 1] = 4;
    b[o + 2] = p.prefixLen;
    b[o + 3] = (p.onLink ? 0x80 : 0) | (p.autonomous ? 0x40 : 0);
    put32(b, o + 4, p.validLifetime);
    put32(b, o + 8, p.preferredLifetime);
    put32(b, o + 12, 0);
    b.set(p.prefix, o + 16);
    o += 32;
  }
}

/** Writes r into b (icmpv6BufferLen(r) bytes, zeroed) with its checksum. */
export function emitIcmpv6(r: Icmpv6Repr, b: Uint8Array, src: Ipv6Address, dst: Ipv6Address): void {
  b[0] = r.kind;
  b[1] = 'code' in r ? r.code : 0;
  switch (r.kind) {
    case Icmpv6Type.EchoRequest:
    case Icmpv6Type.EchoReply:
      put16(b, 4, r.ident);
      put16(b, 6, r.seq);
      b.set(r.data, 8);
      break;
    case Icmpv6Type.DstUnreachable:
    case Icmpv6Type.TimeExceeded:
      b.set(r.data, 8);
      break;
    case Icmpv6Type.PacketTooBig:
      put32(b, 4, r.mtu);
      b.set(r.data, 8);
      break;
    case Icmpv6Type.ParamProblem:
      put32(b, 4, r.pointer);
      b.set(r.data, 8);
      break;
    case Icmpv6Type.RouterSolicit:
      emitOptions(b, 8, r.options);
      break;
    case Icmpv6Type.RouterAdvert:
      b[4] = r.hopLimit;
      b[5] = (r.managed ? 0x80 : 0) | (r.other ? 0x40 : 0);
      put16(b, 6, r.routerLifetime);
      put32(b, 8, r.reachableTime);
      put32(b, 12, r.retransTimer);
      emitOptions(b, 16, r.options);
      break;
    case Icmpv6Type.NeighborSolicit:
    case Icmpv6Type.NeighborAdvert:
      if (r.kind === Icmpv6Type.NeighborAdvert) b[4] = (r.router ? 0x80 : 0) | (r.solicited ? 0x40 : 0) | (r.override ? 0x20 : 0);
      b.set(r.target, 8);
      emitOptions(b, 24, r.options);
      break;
  }
  const len = icmpv6BufferLen(r);
  put16(b, 2, 0);
  put16(b, 2, fold(sum16(b, 0, len, ipv6PseudoHeaderSum(src, dst, Ipv6NextHeader.Icmpv6, len))));
}
