// IPv4 headers (RFC 791). Options are carried over but not interpreted; the header checksum
// is verified on parse and filled on emit.
//
//   0 ver/ihl  1 dscp/ecn  2 total length  4 ident  6 flags/frag offset
//   8 ttl  9 protocol  10 checksum  12 src  16 dst  20 options...
import { checksum, get16, get32, put16, put32, type WireError } from './bytes.js';
import type { Ipv4Address } from './address.js';

export const IPV4_HEADER_LEN = 20;

export enum IpProtocol {
  Icmp = 1,
  Tcp = 6,
  Udp = 17,
}

const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;

export class Ipv4Packet {
  private constructor(readonly buffer: Uint8Array) {}

  /**
   * Checks version, header length and total length against the buffer. After this every
   * accessor is in bounds. A buffer longer than the total length (Ethernet padding) is fine.
   */
  static checked(buffer: Uint8Array): Ipv4Packet | WireError {
    if (buffer.length < IPV4_HEADER_LEN) return 'truncated';
    const p = new Ipv4Packet(buffer);
    if (p.version !== 4) return 'malformed';
    const hl = p.headerLen;
    if (hl < IPV4_HEADER_LEN) return 'malformed';
    const total = p.totalLen;
    if (total < hl) return 'malformed';
    if (buffer.length < total) return 'truncated';
    return p;
  }

  static unchecked(buffer: Uint8Array): Ipv4Packet {
    return new Ipv4Packet(buffer);
  }

  get version(): number {
    return this.buffer[0]! >>> 4;
  }
  get headerLen(): number {
    return (this.buffer[0]! & 0x0f) * 4;
  }
  get dscpEcn(): number {
    return this.buffer[1]!;
  }
  get totalLen(): number {
    return get16(this.buffer, 2);
  }
  get ident(): number {
    return get16(this.buffer, 4);
  }
  get dontFragment(): boolean {
    return (get16(this.buffer, 6) & FLAG_DF) !== 0;
  }
  get moreFragments(): boolean {
    return (get16(this.buffer, 6) & FLAG_MF) !== 0;
  }
  /** Fragment offset in bytes. */
  get fragmentOffset(): number {
    return (get16(this.buffer, 6) & 0x1fff) * 8;
  }
  get ttl(): number {
    return this.buffer[8]!;
  }
  set ttl(v: number) {
    this.buffer[8] = v;
  }
  get protocol(): number {
    return this.buffer[9]!;
  }
  get checksumField(): number {
    return get16(this.buffer, 10);
  }
  get src(): Ipv4Address {
    return get32(this.buffer, 12);
  }
  get dst(): Ipv4Address {
    return get32(this.buffer, 16);
  }
  verifyChecksum(): boolean {
    return checksum(this.buffer, 0, this.headerLen) === 0;
  }
  fillChecksum(): void {
    put16(this.buffer, 10, 0);
    put16(this.buffer, 10, checksum(this.buffer, 0, this.headerLen));
  }
  /** The header and payload without link-layer padding. */
  get packet(): Uint8Array {
    return this.buffer.subarray(0, this.totalLen);
  }
  get payload(): Uint8Array {
    return this.buffer.subarray(this.headerLen, this.totalLen);
  }
}

/** The parsed header of an unfragmented datagram (or of one fragment). */
export class Ipv4Repr {
  constructor(
    public src: Ipv4Address,
    public dst: Ipv4Address,
    public protocol: number,
    public payloadLen: number,
    public ttl = 64,
    public ident = 0,
    public dontFragment = true,
    public moreFragments = false,
    public fragmentOffset = 0,
    public dscpEcn = 0,
  ) {}

  static parse(p: Ipv4Packet, verifyChecksum = true): Ipv4Repr | WireError {
    if (verifyChecksum && !p.verifyChecksum()) return 'checksum';
    return new Ipv4Repr(p.src, p.dst, p.protocol, p.totalLen - p.headerLen, p.ttl, p.ident, p.dontFragment, p.moreFragments, p.fragmentOffset, p.dscpEcn);
  }

  get isFragment(): boolean {
    return this.moreFragments || this.fragmentOffset !== 0;
  }

  get bufferLen(): number {
    return IPV4_HEADER_LEN;
  }

  /** Writes a 20-byte header (no options) and its checksum at the start of b. */
  emit(b: Uint8Array): void {
    b[0] = 0x45;
    b[1] = this.dscpEcn;
    put16(b, 2, IPV4_HEADER_LEN + this.payloadLen);
    put16(b, 4, this.ident);
    put16(b, 6, (this.dontFragment ? FLAG_DF : 0) | (this.moreFragments ? FLAG_MF : 0) | (this.fragmentOffset >>> 3));
    b[8] = this.ttl;
    b[9] = this.protocol;
    put16(b, 10, 0);
    put32(b, 12, this.src);
    put32(b, 16, this.dst);
    put16(b, 10, checksum(b, 0, IPV4_HEADER_LEN));
  }
}

/** Writes an IPv4 header without building a Repr: the hot path for outgoing segments. */
export function emitIpv4Header(b: Uint8Array, src: Ipv4Address, dst: Ipv4Address, protocol: number, payloadLen: number, ttl: number, ident: number): void {
  b[0] = 0x45;
  b[1] = 0;
  put16(b, 2, IPV4_HEADER_LEN + payloadLen);
  put16(b, 4, ident);
  put16(b, 6, FLAG_DF);
  b[8] = ttl;
  b[9] = protocol;
  put16(b, 10, 0);
  put32(b, 12, src);
  put32(b, 16, dst);
  put16(b, 10, checksum(b, 0, IPV4_HEADER_LEN));
}
