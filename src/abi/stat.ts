// The stat record as it crosses the syscall boundary and the user-scheme protocol: a fixed
// 96-byte little-endian layout, written once here and read by the kernel, libmh and WASI.
//
//   0 dev f64 | 8 ino f64 | 16 mode u32 | 20 nlink u32 | 24 uid u32 | 28 gid u32
//   32 size f64 | 40 blksize u32 | 44 blocks u32 | 48 atime f64 ms | 56 mtime f64 ms
//   64 ctime f64 ms | 72 rdev f64 | 80..95 reserved

export const STAT_BYTES = 96;

export interface Stat {
  dev: number;
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  blksize: number;
  blocks: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  rdev: number;
}

export function emptyStat(): Stat {
  return { dev: 0, ino: 0, mode: 0, nlink: 1, uid: 0, gid: 0, size: 0, blksize: 4096, blocks: 0, atimeMs: 0, mtimeMs: 0, ctimeMs: 0, rdev: 0 };
}

export function writeStat(dst: Uint8Array, s: Stat): number {
  const v = new DataView(dst.buffer, dst.byteOffset, STAT_BYTES);
  v.setFloat64(0, s.dev, true);
  v.setFloat64(8, s.ino, true);
  v.setUint32(16, s.mode >>> 0, true);
  v.setUint32(20, s.nlink >>> 0, true);
  v.setUint32(24, s.uid >>> 0, true);
  v.setUint32(28, s.gid >>> 0, true);
  v.setFloat64(32, s.size, true);
  v.setUint32(40, s.blksize >>> 0, true);
  v.setUint32(44, s.blocks >>> 0, true);
  v.setFloat64(48, s.atimeMs, true);
  v.setFloat64(56, s.mtimeMs, true);
  v.setFloat64(64, s.ctimeMs, true);
  v.setFloat64(72, s.rdev, true);
  for (let i = 80; i < STAT_BYTES; i++) v.setUint8(i, 0);
  return STAT_BYTES;
}

export function readStat(src: Uint8Array): Stat | null {
  if (src.byteLength < STAT_BYTES) return null;
  const v = new DataView(src.buffer, src.byteOffset, STAT_BYTES);
  return {
    dev: v.getFloat64(0, true),
    ino: v.getFloat64(8, true),
    mode: v.getUint32(16, true),
    nlink: v.getUint32(20, true),
    uid: v.getUint32(24, true),
    gid: v.getUint32(28, true),
    size: v.getFloat64(32, true),
    blksize: v.getUint32(40, true),
    blocks: v.getUint32(44, true),
    atimeMs: v.getFloat64(48, true),
    mtimeMs: v.getFloat64(56, true),
    ctimeMs: v.getFloat64(64, true),
    rdev: v.getFloat64(72, true),
  };
}
