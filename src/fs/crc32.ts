// CRC-32 (IEEE 802.3, the polynomial GPT and zlib use: reflected 0xEDB88320, initial and final
// value 0xFFFFFFFF). GPT requires exactly this CRC; MHFS uses it for block checksums because
// Node ships a native implementation (zlib.crc32, several GB/s), which keeps checksumming off
// the critical path of large reads and writes. Where that is missing (older Node, browsers) a
// table-driven version computes the same values.
//
// `seed` continues a running CRC: crc32(b, crc32(a)) == crc32(a ++ b).

import * as zlib from 'node:zlib';

// Slicing-by-8: table k gives the CRC of a byte followed by k zero bytes, so eight bytes are
// folded in per step. Inside MACROHARD programs (fsd) there is no native CRC, and this runs
// several times faster than a byte at a time.
const T = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) for (let k = 1; k < 8; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n]! >>> 8) ^ t[t[(k - 1) * 256 + n]! & 0xff]!;
  return t;
})();

/** The portable implementation; exported so tests can check it against the native one. */
export function crc32Table(data: Uint8Array, seed = 0): number {
  let c = (seed ^ 0xffffffff) >>> 0;
  let i = 0;
  const end8 = data.length - (data.length % 8);
  for (; i < end8; i += 8) {
    c ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    c =
      T[1792 + (c & 0xff)]! ^ T[1536 + ((c >>> 8) & 0xff)]! ^ T[1280 + ((c >>> 16) & 0xff)]! ^ T[1024 + (c >>> 24)]! ^
      T[768 + data[i + 4]!]! ^ T[512 + data[i + 5]!]! ^ T[256 + data[i + 6]!]! ^ T[data[i + 7]!]!;
  }
  for (; i < data.length; i++) c = T[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

type NativeCrc = (data: Uint8Array, value?: number) => number;
// A static import (not a top-level await): inside a MACROHARD program, where the bundler makes
// node: modules empty, this finds no crc32 and the table is used.
const zlibCrc = (zlib as { crc32?: NativeCrc }).crc32;
const native: NativeCrc | null = typeof zlibCrc === 'function' ? zlibCrc : null;

export function crc32(data: Uint8Array, seed = 0): number {
  return native ? native(data, seed) >>> 0 : crc32Table(data, seed);
}
