// Byte-level helpers shared by every wire view: big-endian field access over a Uint8Array,
// the parse error values, and the Internet checksum (RFC 1071) with the IPv4 pseudo-header.
// Views read bytes directly rather than through a DataView so that wrapping a packet costs
// one small object and nothing else.

/** Why a buffer is not a valid packet. Parse errors are values, never exceptions. */
export type WireError =
  | 'truncated' // shorter than its header or its own length field says
  | 'malformed' // a field holds a value the format forbids
  | 'checksum' // the checksum does not verify
  | 'unsupported'; // valid, but a variant this stack does not handle

export function isWireError(x: unknown): x is WireError {
  return typeof x === 'string';
}

export function get16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

export function get32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

export function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

/** A 48-bit MAC address as a number (exact: it is below 2^53). */
export function get48(b: Uint8Array, o: number): number {
  return get16(b, o) * 0x1_0000_0000 + get32(b, o + 2);
}

export function put48(b: Uint8Array, o: number, v: number): void {
  put16(b, o, Math.floor(v / 0x1_0000_0000));
  put32(b, o + 2, v >>> 0);
}

/** Ones-complement sum of b[start, end) as 16-bit big-endian words, not yet folded. */
export function sum16(b: Uint8Array, start: number, end: number, acc = 0): number {
  let i = start;
  // Four words per step: keeps the loop short on bulk payloads.
  for (; i + 7 < end; i += 8) {
    acc += ((b[i]! << 8) | b[i + 1]!) + ((b[i + 2]! << 8) | b[i + 3]!) + ((b[i + 4]! << 8) | b[i + 5]!) + ((b[i + 6]! << 8) | b[i + 7]!);
  }
  for (; i + 1 < end; i += 2) acc += (b[i]! << 8) | b[i + 1]!;
  if (i < end) acc += b[i]! << 8;
  return acc;
}

/** Folds a sum into 16 bits and complements it: the value to store in a checksum field. */
export function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 0x10000);
  return ~acc & 0xffff;
}

export function checksum(b: Uint8Array, start = 0, end = b.length): number {
  return fold(sum16(b, start, end));
}

/**
 * Sum of the pseudo-header for TCP and UDP checksums: IPv4's (RFC 9293 3.1, RFC 768) for
 * number addresses, IPv6's (RFC 8200 8.1) for bigint ones. The IPv6 form's 32-bit length and
 * zero padding add up to the same ones-complement sum as the IPv4 form's fields.
 */
export function pseudoHeaderSum(src: number | bigint, dst: number | bigint, protocol: number, length: number): number {
  return addressSum(src) + addressSum(dst) + protocol + length;
}

// The sums of the last few IPv6 addresses: a connection's two addresses come round with every
// segment, and working a bigint apart allocates.
const sumKeys: bigint[] = [-1n, -1n, -1n, -1n];
const sumValues = [0, 0, 0, 0];
let sumNext = 0;

function addressSum(a: number | bigint): number {
  if (typeof a === 'number') return (a >>> 16) + (a & 0xffff);
  for (let i = 0; i < 4; i++) if (sumKeys[i] === a) return sumValues[i]!;
  let s = 0;
  for (let i = 0, v = a; i < 4; i++, v >>= 32n) {
    const w = Number(v & 0xffff_ffffn);
    s += (w >>> 16) + (w & 0xffff);
  }
  sumKeys[sumNext] = a;
  sumValues[sumNext] = s;
  sumNext = (sumNext + 1) & 3;
  return s;
}
