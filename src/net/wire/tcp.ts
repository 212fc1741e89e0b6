// TCP segments (RFC 9293) with the options that matter: MSS (RFC 9293), window scale and
// timestamps (RFC 7323), SACK-permitted and SACK (RFC 2018). Unknown options are skipped by
// their length; a malformed option list makes the segment 'malformed'.
//
//   0 src port  2 dst port  4 seq  8 ack  12 data offset(4 bits)/flags  14 window
//   16 checksum  18 urgent pointer  20 options (to data offset * 4)  payload
//
// TcpRepr is reused across segments on the hot path (parseInto), so its SACK blocks live in a
// fixed Uint32Array rather than a fresh array per segment.
import { fold, get16, get32, pseudoHeaderSum, put16, put32, sum16, type WireError } from './bytes.js';
import type { IpAddress } from './address.js';
import { IpProtocol } from './ipv4.js';

export const TCP_HEADER_LEN = 20;
export const TCP_MAX_HEADER_LEN = 60;
export const TCP_MAX_SACK_BLOCKS = 4;

export enum TcpFlag {
  Fin = 0x01,
  Syn = 0x02,
  Rst = 0x04,
  Psh = 0x08,
  Ack = 0x10,
  Urg = 0x20,
  Ece = 0x40,
  Cwr = 0x80,
}

const OPT_END = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;
const OPT_WS = 3;
const OPT_SACK_PERMITTED = 4;
const OPT_SACK = 5;
const OPT_TIMESTAMP = 8;

export class TcpPacket {
  private constructor(readonly buffer: Uint8Array) {}

  /** Checks the data offset against the buffer (which must end where the segment ends). */
  static checked(buffer: Uint8Array): TcpPacket | WireError {
    if (buffer.length < TCP_HEADER_LEN) return 'truncated';
    const p = new TcpPacket(buffer);
    const hl = p.headerLen;
    if (hl < TCP_HEADER_LEN) return 'malformed';
    if (hl > buffer.length) return 'truncated';
    return p;
  }

  get srcPort(): number {
    return get16(this.buffer, 0);
  }
  get dstPort(): number {
    return get16(this.buffer, 2);
  }
  get seq(): number {
    return get32(this.buffer, 4);
  }
  get ack(): number {
    return get32(this.buffer, 8);
  }
  get headerLen(): number {
    return (this.buffer[12]! >>> 4) * 4;
  }
  get flags(): number {
    return this.buffer[13]!;
  }
  get window(): number {
    return get16(this.buffer, 14);
  }
  get checksumField(): number {
    return get16(this.buffer, 16);
  }
  get urgent(): number {
    return get16(this.buffer, 18);
  }
  get options(): Uint8Array {
    return this.buffer.subarray(TCP_HEADER_LEN, this.headerLen);
  }
  get payload(): Uint8Array {
    return this.buffer.subarray(this.headerLen);
  }
  verifyChecksum(src: IpAddress, dst: IpAddress): boolean {
    const len = this.buffer.length;
    return fold(sum16(this.buffer, 0, len, pseudoHeaderSum(src, dst, IpProtocol.Tcp, len))) === 0;
  }
}

export class TcpRepr {
  srcPort = 0;
  dstPort = 0;
  seq = 0;
  ack = 0;
  flags = 0;
  /** The window field as sent (not scaled). */
  window = 0;
  /** Options; 0 / -1 / false when absent. */
  mss = 0;
  windowScale = -1;
  sackPermitted = false;
  hasTimestamp = false;
  tsVal = 0;
  tsEcr = 0;
  /** SACK blocks as [left0, right0, left1, right1, ...]; sackCount of them are valid. */
  readonly sack = new Uint32Array(TCP_MAX_SACK_BLOCKS * 2);
  sackCount = 0;
  /** On parse: the segment's data (a view into the packet). On emit it is ignored. */
  payload: Uint8Array = EMPTY;

  has(flag: TcpFlag): boolean {
    return (this.flags & flag) !== 0;
  }

  reset(): this {
    this.srcPort = this.dstPort = this.seq = this.ack = this.flags = this.window = this.mss = 0;
    this.windowScale = -1;
    this.sackPermitted = this.hasTimestamp = false;
    this.tsVal = this.tsEcr = this.sackCount = 0;
    this.payload = EMPTY;
    return this;
  }

  /** Sequence space the segment occupies: data plus one each for SYN and FIN. */
  get segmentLen(): number {
    return this.payload.length + (this.flags & TcpFlag.Syn ? 1 : 0) + (this.flags & TcpFlag.Fin ? 1 : 0);
  }

  static parse(p: TcpPacket, src: IpAddress, dst: IpAddress, verifyChecksum = true): TcpRepr | WireError {
    const r = new TcpRepr();
    const e = r.parseInto(p, src, dst, verifyChecksum);
    return e ?? r;
  }

  /** Fills this Repr from a packet; returns an error or null. */
  parseInto(p: TcpPacket, src: IpAddress, dst: IpAddress, verifyChecksum = true): WireError | null {
    this.reset();
    if (p.srcPort === 0 || p.dstPort === 0) return 'malformed';
    if (verifyChecksum && !p.verifyChecksum(src, dst)) return 'checksum';
    this.srcPort = p.srcPort;
    this.dstPort = p.dstPort;
    this.seq = p.seq;
    this.ack = p.ack;
    this.flags = p.flags;
    this.window = p.window;
    this.payload = p.payload;
    return this.parseOptions(p.buffer, TCP_HEADER_LEN, p.headerLen);
  }

  private parseOptions(b: Uint8Array, start: number, end: number): WireError | null {
    let i = start;
    while (i < end) {
      const kind = b[i]!;
      if (kind === OPT_END) break;
      if (kind === OPT_NOP) {
        i++;
        continue;
      }
      if (i + 1 >= end) return 'malformed';
      const len = b[i + 1]!;
      if (len < 2 || i + len > end) return 'malformed';
      switch (kind) {
        case OPT_MSS:
          if (len !== 4) return 'malformed';
          this.mss = get16(b, i + 2);
          break;
        case OPT_WS:
          if (len !== 3) return 'malformed';
          // RFC 7323 2.3: a shift above 14 is used as 14.
          this.windowScale = Math.min(b[i + 2]!, 14);
          break;
        case OPT_SACK_PERMITTED:
          if (len !== 2) return 'malformed';
          this.sackPermitted = true;
          break;
        case OPT_SACK: {
          const n = (len - 2) / 8;
          if (!Number.isInteger(n) || n < 1 || n > TCP_MAX_SACK_BLOCKS) return 'malformed';
          for (let k = 0; k < n; k++) {
            this.sack[2 * k] = get32(b, i + 2 + 8 * k);
            this.sack[2 * k + 1] = get32(b, i + 6 + 8 * k);
          }
          this.sackCount = n;
          break;
        }
        case OPT_TIMESTAMP:
          if (len !== 10) return 'malformed';
          this.hasTimestamp = true;
          this.tsVal = get32(b, i + 2);
          this.tsEcr = get32(b, i + 6);
          break;
        default:
          break; // unknown: skipped by length
      }
      i += len;
    }
    return null;
  }

  /** Header length including options, padded to a multiple of 4. */
  get headerLen(): number {
    let n = TCP_HEADER_LEN;
    if (this.mss) n += 4;
    if (this.windowScale >= 0) n += 4;
    if (this.sackPermitted || this.hasTimestamp) n += this.hasTimestamp ? 12 : 4;
    if (this.sackCount) n += 4 + 8 * this.sackCount;
    return n;
  }

  /**
   * Writes header and options into b and the checksum over b[0, headerLen + payloadLen),
   * so the payload must already be in place after the header. Returns the header length.
   */
  emit(b: Uint8Array, payloadLen: number, src: IpAddress, dst: IpAddress, fillChecksum = true): number {
    const hl = this.headerLen;
    put16(b, 0, this.srcPort);
    put16(b, 2, this.dstPort);
    put32(b, 4, this.seq);
    put32(b, 8, this.ack);
    b[12] = (hl / 4) << 4;
    b[13] = this.flags;
    put16(b, 14, this.window);
    put16(b, 16, 0);
    put16(b, 18, 0);
    let i = TCP_HEADER_LEN;
    if (this.mss) {
      b[i] = OPT_MSS;
      b[i + 1] = 4;
      put16(b, i + 2, this.mss);
      i += 4;
    }
    if (this.windowScale >= 0) {
      b[i] = OPT_NOP;
      b[i + 1] = OPT_WS;
      b[i + 2] = 3;
      b[i + 3] = this.windowScale;
      i += 4;
    }
    if (this.hasTimestamp) {
      if (this.sackPermitted) {
        b[i] = OPT_SACK_PERMITTED;
        b[i + 1] = 2;
      } else {
        b[i] = OPT_NOP;
        b[i + 1] = OPT_NOP;
      }
      b[i + 2] = OPT_TIMESTAMP;
      b[i + 3] = 10;
      put32(b, i + 4, this.tsVal);
      put32(b, i + 8, this.tsEcr);
      i += 12;
    } else if (this.sackPermitted) {
      b[i] = OPT_NOP;
      b[i + 1] = OPT_NOP;
      b[i + 2] = OPT_SACK_PERMITTED;
      b[i + 3] = 2;
      i += 4;
    }
    if (this.sackCount) {
      b[i] = OPT_NOP;
      b[i + 1] = OPT_NOP;
      b[i + 2] = OPT_SACK;
      b[i + 3] = 2 + 8 * this.sackCount;
      i += 4;
      for (let k = 0; k < this.sackCount; k++) {
        put32(b, i, this.sack[2 * k]!);
        put32(b, i + 4, this.sack[2 * k + 1]!);
        i += 8;
      }
    }
    const len = hl + payloadLen;
    if (fillChecksum) put16(b, 16, fold(sum16(b, 0, len, pseudoHeaderSum(src, dst, IpProtocol.Tcp, len))));
    return hl;
  }
}

const EMPTY = new Uint8Array(0);
