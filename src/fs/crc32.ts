// CRC-32 (IEEE 802.3, the polynomial GPT and zlib use: reflected 0xEDB88320, initial and final
// value 0xFFFFFFFF). GPT requires exactly this CRC; MHFS uses it for block checksums because
// Node ships a native implementation (zlib.crc32, several GB/s), which keeps checksumming off
// the critical path of large reads and writes. Where that is missing (older Node, browsers) a
// table-driven version computes the same values.
//
// `seed` continues a running CRC: crc32(b, crc32(a)) == crc32(a ++ b).

import * as zlib from 'node:zlib';

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The portable implementation; exported so tests can check it against the native one. */
export function crc32Table(data: Uint8Array, seed = 0): number {
  let c = (seed ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
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
