// IPv6 headers (RFC 8200) and addresses. The fixed 40-byte header only: extension headers
// are left to the caller (nextHeader says which follows). Addresses are 16-byte arrays; the
// view hands out subarrays (no copy), a Repr holds its own copies.
//
//   0 version(4) traffic class(8) flow label(20)  4 payload length  6 next header
//   7 hop limit  8 source(16)  24 destination(16)  40 payload
import { get16, put16, sum16, type WireError } from './bytes.js';

export const IPV6_HEADER_LEN = 40;

export enum Ipv6NextHeader {
  HopByHop = 0,
  Tcp = 6,
  Udp = 17,
  Fragment = 44,
  Icmpv6 = 58,
  NoNext = 59,
}

export type Ipv6Address = Uint8Array;

/** Parses text such as "fe80::1" or "2001:db8::a:b"; null if it is not an IPv6 address. */
export function ipv6(text: string): Ipv6Address | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const words = (s: string) => (s === '' ? [] : s.split(':'));
  const head = words(halves[0]!);
  const tail = halves.length === 2 ? words(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(all[i]!)) return null;
    put16(out, 2 * i, parseInt(all[i]!, 16));
  }
  return out;
}

export function ip6(text: string): Ipv6Address {
  const a = ipv6(text);
  if (!a) throw new Error(`not an IPv6 address: ${text}`);
  return a;
}

/** RFC 5952 text: lower case, longest run of zero words (two or more) as "::". */
export function formatIpv6(a: Ipv6Address): string {
  const w = Array.from({ length: 8 }, (_, i) => get16(a, 2 * i));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(w);
  return `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}`;
}

/** The address as a value: its 128 bits as a bigint, so it compares with === (sockets, tables). */
export function ipv6Value(b: Uint8Array, o = 0): bigint {
  let v = 0n;
  for (let i = 0; i < 16; i += 4) v = (v << 32n) | BigInt(((b[o + i]! << 24) | (b[o + i + 1]! << 16) | (b[o + i + 2]! << 8) | b[o + i + 3]!) >>> 0);
  return v;
}

/** Writes an address value as its 16 bytes at b[o] (a fresh array when b is not given). */
export function ipv6Bytes(v: bigint, b: Uint8Array = new Uint8Array(16), o = 0): Uint8Array {
  for (let i = 12; i >= 0; i -= 4) {
    const w = Number(v & 0xffff_ffffn);
    b[o + i] = w >>> 24;
    b[o + i + 1] = w >>> 16;
    b[o + i + 2] = w >>> 8;
    b[o + i + 3] = w;
    v >>= 32n;
  }
  return b;
}

/**
 * ipv6Value and ipv6Bytes for the per-packet path: the last few addresses seen either way are
 * kept, so a connection's two addresses cost a 16-byte compare or copy instead of building
 * or taking apart a bigint with every segment.
 */
export class Ipv6AddressCache {
  private readonly bytes = Array.from({ length: 4 }, () => new Uint8Array(16));
  private readonly values: bigint[] = [-1n, -1n, -1n, -1n];
  private next = 0;

  value(b: Uint8Array, o: number): bigint {
    for (let i = 0; i < 4; i++) {
      const k = this.bytes[i]!;
      let j = 0;
      while (j < 16 && k[j] === b[o + j]) j++;
      if (j === 16 && this.values[i]! >= 0n) return this.values[i]!;
    }
    const v = ipv6Value(b, o);
    this.remember(v, b.subarray(o, o + 16));
    return v;
  }

  write(v: bigint, b: Uint8Array, o: number): void {
    for (let i = 0; i < 4; i++) {
      if (this.values[i] === v) {
        b.set(this.bytes[i]!, o);
        return;
      }
    }
    ipv6Bytes(v, b, o);
    this.remember(v, b.subarray(o, o + 16));
  }

  private remember(v: bigint, bytes: Uint8Array): void {
    this.bytes[this.next]!.set(bytes);
    this.values[this.next] = v;
    this.next = (this.next + 1) & 3;
  }
}

/** An IPv6 address with its prefix length: 2001:db8::15/64. The address is a value (bigint). */
export class Ipv6Cidr {
  readonly mask: bigint;
  constructor(readonly address: bigint, readonly prefixLen: number) {
    if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > 128) throw new RangeError(`bad prefix length ${prefixLen}`);
    this.mask = ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefixLen)) - 1n);
  }

  static parse(text: string): Ipv6Cidr | null {
    const [a, p, ...rest] = text.split('/');
    const addr = a === undefined ? null : ipv6(a);
    const len = p === undefined ? 128 : /^\d{1,3}$/.test(p) ? Number(p) : NaN;
    if (addr === null || rest.length || !Number.isInteger(len) || len > 128) return null;
    return new Ipv6Cidr(ipv6Value(addr), len);
  }

  get network(): bigint {
    return this.address & this.mask;
  }

  contains(a: bigint): boolean {
    return (a & this.mask) === this.network;
  }

  toString(): string {
    return `${formatIpv6(ipv6Bytes(this.address))}/${this.prefixLen}`;
  }
}

export function ipv6Equal(a: Ipv6Address, b: Ipv6Address): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function isIpv6Multicast(a: Ipv6Address): boolean {
  return a[0] === 0xff;
}

/** The solicited-node multicast address of a unicast address (RFC 4291 2.7.1): ff02::1:ffXX:XXXX. */
export function solicitedNode(a: Ipv6Address): Ipv6Address {
  const out = ip6('ff02::1:ff00:0');
  out.set(a.subarray(13, 16), 13);
  return out;
}

/** The link-local address made from a MAC by modified EUI-64 (RFC 4291 appendix A). */
export function linkLocalFromMac(mac: number): Ipv6Address {
  const out = ip6('fe80::');
  const b = [5, 4, 3, 2, 1, 0].map((k) => Math.floor(mac / 2 ** (8 * k)) & 0xff);
  out.set([b[0]! ^ 0x02, b[1]!, b[2]!, 0xff, 0xfe, b[3]!, b[4]!, b[5]!], 8);
  return out;
}

export class Ipv6Packet {
  private constructor(readonly buffer: Uint8Array) {}

  static checked(buffer: Uint8Array): Ipv6Packet | WireError {
    if (buffer.length < IPV6_HEADER_LEN) return 'truncated';
    const p = new Ipv6Packet(buffer);
    if (p.version !== 6) return 'malformed';
    // A zero payload length with a hop-by-hop header means a jumbogram, which we do not take.
    if (IPV6_HEADER_LEN + p.payloadLen > buffer.length) return 'truncated';
    return p;
  }

  get version(): number {
    return this.buffer[0]! >>> 4;
  }
  get trafficClass(): number {
    return ((this.buffer[0]! & 0x0f) << 4) | (this.buffer[1]! >>> 4);
  }
  get flowLabel(): number {
    return ((this.buffer[1]! & 0x0f) << 16) | get16(this.buffer, 2);
  }
  get payloadLen(): number {
    return get16(this.buffer, 4);
  }
  get nextHeader(): number {
    return this.buffer[6]!;
  }
  get hopLimit(): number {
    return this.buffer[7]!;
  }
  get src(): Ipv6Address {
    return this.buffer.subarray(8, 24);
  }
  get dst(): Ipv6Address {
    return this.buffer.subarray(24, 40);
  }
  get payload(): Uint8Array {
    return this.buffer.subarray(IPV6_HEADER_LEN, IPV6_HEADER_LEN + this.payloadLen);
  }
}

export class Ipv6Repr {
  constructor(
    public src: Ipv6Address,
    public dst: Ipv6Address,
    public nextHeader: number,
    public payloadLen: number,
    public hopLimit = 64,
    public trafficClass = 0,
    public flowLabel = 0,
  ) {}

  static parse(p: Ipv6Packet): Ipv6Repr {
    return new Ipv6Repr(p.src.slice(), p.dst.slice(), p.nextHeader, p.payloadLen, p.hopLimit, p.trafficClass, p.flowLabel);
  }

  get bufferLen(): number {
    return IPV6_HEADER_LEN;
  }

  emit(b: Uint8Array): void {
    b[0] = 0x60 | (this.trafficClass >>> 4);
    b[1] = ((this.trafficClass & 0x0f) << 4) | ((this.flowLabel >>> 16) & 0x0f);
    put16(b, 2, this.flowLabel & 0xffff);
    put16(b, 4, this.payloadLen);
    b[6] = this.nextHeader;
    b[7] = this.hopLimit;
    b.set(this.src, 8);
    b.set(this.dst, 24);
  }
}

/** Sum of the IPv6 pseudo-header (RFC 8200 8.1) for upper-layer checksums. */
export function ipv6PseudoHeaderSum(src: Ipv6Address, dst: Ipv6Address, nextHeader: number, length: number): number {
  return sum16(src, 0, 16) + sum16(dst, 0, 16) + (length >>> 16) + (length & 0xffff) + nextHeader;
}
