// Directory entries as getdents returns them: records packed back to back, each 8-byte aligned.
//
//   0 ino f64 | 8 next f64 (the cookie to resume after this entry) | 16 type u8
//   17 namelen u16 | 19 name (UTF-8) | padding to a multiple of 8

export const DT = { UNKNOWN: 0, FIFO: 1, CHR: 2, DIR: 4, BLK: 6, REG: 8, LNK: 10, SOCK: 12 } as const;

export interface Dirent {
  ino: number;
  next: number;
  type: number;
  name: string;
}

import { decodeUtf8, encodeUtf8 } from './utf8.js';

export function direntSize(nameBytes: number): number {
  return (19 + nameBytes + 7) & ~7;
}

/** Appends one record at `pos`; returns the new position, or -1 if it does not fit. */
export function putDirent(dst: Uint8Array, pos: number, e: Dirent): number {
  const name = encodeUtf8(e.name);
  const size = direntSize(name.length);
  if (pos + size > dst.length || name.length > 0xffff) return -1;
  const v = new DataView(dst.buffer, dst.byteOffset + pos, size);
  v.setFloat64(0, e.ino, true);
  v.setFloat64(8, e.next, true);
  v.setUint8(16, e.type);
  v.setUint16(17, name.length, true);
  dst.set(name, pos + 19);
  dst.fill(0, pos + 19 + name.length, pos + size);
  return pos + size;
}

export function parseDirents(src: Uint8Array): Dirent[] {
  const out: Dirent[] = [];
  let pos = 0;
  while (pos + 19 <= src.length) {
    const v = new DataView(src.buffer, src.byteOffset + pos);
    const len = v.getUint16(17, true);
    if (pos + 19 + len > src.length) break;
    out.push({ ino: v.getFloat64(0, true), next: v.getFloat64(8, true), type: v.getUint8(16), name: decodeUtf8(src.subarray(pos + 19, pos + 19 + len), false)! });
    pos += direntSize(len);
  }
  return out;
}
