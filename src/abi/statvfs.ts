// The statvfs record, as the statvfs syscall and the user-scheme STATVFS reply carry it: six
// little-endian f64 fields (counts of bsize blocks and of nodes).
//
//   0 bsize | 8 blocks | 16 bfree | 24 files | 32 ffree | 40 namemax

export const STATVFS_BYTES = 48;

export interface StatVfs {
  bsize: number;
  blocks: number;
  bfree: number;
  files: number;
  ffree: number;
  namemax: number;
}

export function writeStatVfs(dst: Uint8Array, s: StatVfs): number {
  const v = new DataView(dst.buffer, dst.byteOffset, STATVFS_BYTES);
  v.setFloat64(0, s.bsize, true);
  v.setFloat64(8, s.blocks, true);
  v.setFloat64(16, s.bfree, true);
  v.setFloat64(24, s.files, true);
  v.setFloat64(32, s.ffree, true);
  v.setFloat64(40, s.namemax, true);
  return STATVFS_BYTES;
}

export function readStatVfs(src: Uint8Array): StatVfs | null {
  if (src.length < STATVFS_BYTES) return null;
  const v = new DataView(src.buffer, src.byteOffset, STATVFS_BYTES);
  return { bsize: v.getFloat64(0, true), blocks: v.getFloat64(8, true), bfree: v.getFloat64(16, true), files: v.getFloat64(24, true), ffree: v.getFloat64(32, true), namemax: v.getFloat64(40, true) };
}
