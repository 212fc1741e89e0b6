// UDP datagrams (RFC 768). A zero checksum means "none" over IPv4; over IPv6 it is not
// allowed and such a datagram is discarded (RFC 8200 8.1). We always send one. The addresses
// given for the pseudo-header say the family (a number IPv4, a bigint IPv6).
//
//   0 src port  2 dst port  4 length  6 checksum  8 payload
import { fold, get16, pseudoHeaderSum, put16, sum16, type WireError } from './bytes.js';
import type { IpAddress } from './address.js';
import { IpProtocol } from './ipv4.js';

export const UDP_HEADER_LEN = 8;

export class UdpPacket {
  private constructor(readonly buffer: Uint8Array) {}

  /** Checks the length field against the buffer; the view then ends where the datagram ends. */
  static checked(buffer: Uint8Array): UdpPacket | WireError {
    if (buffer.length < UDP_HEADER_LEN) return 'truncated';
    const len = get16(buffer, 4);
    if (len < UDP_HEADER_LEN) return 'malformed';
    if (len > buffer.length) return 'truncated';
    return new UdpPacket(buffer.subarray(0, len));
  }

  get srcPort(): number {
    return get16(this.buffer, 0);
  }
  get dstPort(): number {
    return get16(this.buffer, 2);
  }
  get length(): number {
    return get16(this.buffer, 4);
  }
  get checksumField(): number {
    return get16(this.buffer, 6);
  }
  get payload(): Uint8Array {
    return this.buffer.subarray(UDP_HEADER_LEN);
  }
  verifyChecksum(src: IpAddress, dst: IpAddress): boolean {
    if (this.checksumField === 0) return typeof src === 'number';
    return fold(sum16(this.buffer, 0, this.buffer.length, pseudoHeaderSum(src, dst, IpProtocol.Udp, this.buffer.length))) === 0;
  }
}

export class UdpRepr {
  constructor(public srcPort: number, public dstPort: number) {}

  static parse(p: UdpPacket, src: IpAddress, dst: IpAddress, verifyChecksum = true): UdpRepr | WireError {
    if (p.dstPort === 0) return 'malformed';
    if (verifyChecksum && !p.verifyChecksum(src, dst)) return 'checksum';
    return new UdpRepr(p.srcPort, p.dstPort);
  }

  get headerLen(): number {
    return UDP_HEADER_LEN;
  }

  /** Writes header and checksum; the payload must already sit at b[8, 8 + payloadLen). */
  emit(b: Uint8Array, payloadLen: number, src: IpAddress, dst: IpAddress): void {
    emitUdpHeader(b, this.srcPort, this.dstPort, payloadLen, src, dst);
  }
}

export function emitUdpHeader(b: Uint8Array, srcPort: number, dstPort: number, payloadLen: number, src: IpAddress, dst: IpAddress, fillChecksum = true): void {
  const len = UDP_HEADER_LEN + payloadLen;
  put16(b, 0, srcPort);
  put16(b, 2, dstPort);
  put16(b, 4, len);
  put16(b, 6, 0);
  if (!fillChecksum) return; // zero: "no checksum" (RFC 768)
  // An all-zero result is sent as all-ones, since zero means "no checksum" (RFC 768).
  const c = fold(sum16(b, 0, len, pseudoHeaderSum(src, dst, IpProtocol.Udp, len)));
  put16(b, 6, c === 0 ? 0xffff : c);
}
