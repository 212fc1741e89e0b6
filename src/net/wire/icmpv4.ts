// ICMPv4 (RFC 792): echo request and reply, destination unreachable, time exceeded. Other
// types parse as 'unsupported'. The checksum covers the whole message.
//
//   0 type  1 code  2 checksum  4 rest of header (echo: ident, seq; errors: unused/MTU)
//   8 data (echo: payload; errors: the offending IP header + first 8 bytes of its payload)
import { checksum, get16, put16, put32, type WireError } from './bytes.js';

export const ICMPV4_HEADER_LEN = 8;

export enum Icmpv4Type {
  EchoReply = 0,
  DstUnreachable = 3,
  EchoRequest = 8,
  TimeExceeded = 11,
}

export enum DstUnreachableCode {
  NetUnreachable = 0,
  HostUnreachable = 1,
  ProtoUnreachable = 2,
  PortUnreachable = 3,
  FragRequired = 4,
  AdminProhibited = 13,
}

export enum TimeExceededCode {
  TtlExpired = 0,
  FragReassembly = 1,
}

export class Icmpv4Packet {
  private constructor(readonly buffer: Uint8Array) {}

  static checked(buffer: Uint8Array): Icmpv4Packet | WireError {
    if (buffer.length < ICMPV4_HEADER_LEN) return 'truncated';
    return new Icmpv4Packet(buffer);
  }

  get msgType(): number {
    return this.buffer[0]!;
  }
  get code(): number {
    return this.buffer[1]!;
  }
  get echoIdent(): number {
    return get16(this.buffer, 4);
  }
  get echoSeq(): number {
    return get16(this.buffer, 6);
  }
  /** Next-hop MTU of a "fragmentation needed" message (RFC 1191). */
  get nextHopMtu(): number {
    return get16(this.buffer, 6);
  }
  get data(): Uint8Array {
    return this.buffer.subarray(ICMPV4_HEADER_LEN);
  }
  verifyChecksum(): boolean {
    return checksum(this.buffer) === 0;
  }
}

export type Icmpv4Repr =
  | { kind: Icmpv4Type.EchoRequest | Icmpv4Type.EchoReply; ident: number; seq: number; data: Uint8Array }
  | { kind: Icmpv4Type.DstUnreachable; code: number; mtu: number; data: Uint8Array }
  | { kind: Icmpv4Type.TimeExceeded; code: number; data: Uint8Array };

/** Largest quoted datagram an error message carries (ours quote header + 8 bytes, like RFC 792). */
export const ICMP_ERROR_QUOTE_MAX = 576 - 20 - ICMPV4_HEADER_LEN;

export function parseIcmpv4(p: Icmpv4Packet, verifyChecksum = true): Icmpv4Repr | WireError {
  if (verifyChecksum && !p.verifyChecksum()) return 'checksum';
  switch (p.msgType) {
    case Icmpv4Type.EchoRequest:
    case Icmpv4Type.EchoReply:
      if (p.code !== 0) return 'malformed';
      return { kind: p.msgType, ident: p.echoIdent, seq: p.echoSeq, data: p.data };
    case Icmpv4Type.DstUnreachable:
      // The quote must at least hold an IPv4 header for a receiver to match it to a socket.
      if (p.data.length < 20) return 'truncated';
      return { kind: Icmpv4Type.DstUnreachable, code: p.code, mtu: p.nextHopMtu, data: p.data };
    case Icmpv4Type.TimeExceeded:
      if (p.data.length < 20) return 'truncated';
      return { kind: Icmpv4Type.TimeExceeded, code: p.code, data: p.data };
    default:
      return 'unsupported';
  }
}

export function icmpv4BufferLen(r: Icmpv4Repr): number {
  return ICMPV4_HEADER_LEN + r.data.length;
}

/** Writes the message into b (at least icmpv4BufferLen(r) bytes) with its checksum. */
export function emitIcmpv4(r: Icmpv4Repr, b: Uint8Array): void {
  b[0] = r.kind;
  switch (r.kind) {
    case Icmpv4Type.EchoRequest:
    case Icmpv4Type.EchoReply:
      b[1] = 0;
      put16(b, 4, r.ident);
      put16(b, 6, r.seq);
      break;
    case Icmpv4Type.DstUnreachable:
      b[1] = r.code;
      put16(b, 4, 0);
      put16(b, 6, r.mtu);
      break;
    case Icmpv4Type.TimeExceeded:
      b[1] = r.code;
      put32(b, 4, 0);
      break;
  }
  b.set(r.data, ICMPV4_HEADER_LEN);
  const len = ICMPV4_HEADER_LEN + r.data.length;
  put16(b, 2, 0);
  put16(b, 2, checksum(b, 0, len));
}
