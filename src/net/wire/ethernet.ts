// Ethernet II frames (IEEE 802.3 with an EtherType, no 802.1Q tag, no FCS).
//
//   0      6      12         14
//   | dst  | src  | ethertype | payload ...
//
// EthernetFrame is a view over a caller's buffer; EthernetRepr the parsed header.
import { get16, get48, put16, put48, type WireError } from './bytes.js';
import type { EthernetAddress } from './address.js';

export enum EtherType {
  Ipv4 = 0x0800,
  Arp = 0x0806,
  Ipv6 = 0x86dd,
}

export const ETHERNET_HEADER_LEN = 14;

export class EthernetFrame {
  private constructor(readonly buffer: Uint8Array) {}

  /** Wraps a buffer after checking it holds at least a header. */
  static checked(buffer: Uint8Array): EthernetFrame | WireError {
    if (buffer.length < ETHERNET_HEADER_LEN) return 'truncated';
    return new EthernetFrame(buffer);
  }

  /** Wraps a buffer that the caller sized for emitting (length checked by the caller). */
  static unchecked(buffer: Uint8Array): EthernetFrame {
    return new EthernetFrame(buffer);
  }

  get dst(): EthernetAddress {
    return get48(this.buffer, 0);
  }
  set dst(v: EthernetAddress) {
    put48(this.buffer, 0, v);
  }
  get src(): EthernetAddress {
    return get48(this.buffer, 6);
  }
  set src(v: EthernetAddress) {
    put48(this.buffer, 6, v);
  }
  get etherType(): number {
    return get16(this.buffer, 12);
  }
  set etherType(v: number) {
    put16(this.buffer, 12, v);
  }
  get payload(): Uint8Array {
    return this.buffer.subarray(ETHERNET_HEADER_LEN);
  }
}

export class EthernetRepr {
  constructor(public src: EthernetAddress, public dst: EthernetAddress, public etherType: number) {}

  static parse(frame: EthernetFrame): EthernetRepr {
    return new EthernetRepr(frame.src, frame.dst, frame.etherType);
  }

  get bufferLen(): number {
    return ETHERNET_HEADER_LEN;
  }

  emit(frame: EthernetFrame): void {
    frame.dst = this.dst;
    frame.src = this.src;
    frame.etherType = this.etherType;
  }
}
