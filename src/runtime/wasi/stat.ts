// Conversions between MACROHARD's stat and dirent records and WASI's filestat and filetype.
// Times cross as milliseconds (kernel) and nanoseconds (WASI); inode numbers are the
// scheme's own, so `d_ino` from fd_readdir and `st_ino` from stat agree, as wasi-libc needs.

import { DT } from '../../abi/dirent.js';
import type { Stat } from '../../abi/stat.js';
import { FILESTAT, Filetype } from './constants.js';
import { filetypeOf, type WasiContext } from './context.js';
import { WasiErrno, WasiError } from './errno.js';

export function msToNs(ms: number): bigint {
  if (!Number.isFinite(ms) || ms <= 0) return 0n;
  return BigInt(Math.floor(ms)) * 1000000n + BigInt(Math.round((ms % 1) * 1e6));
}

export function writeFilestat(ctx: WasiContext, ptr: number, st: Stat): void {
  const dv = ctx.dv();
  if ((ptr >>> 0) + FILESTAT.SIZE > dv.byteLength) throw new WasiError(WasiErrno.EFAULT);
  dv.setBigUint64(ptr + FILESTAT.DEV, BigInt(Math.max(0, Math.floor(st.dev))), true);
  dv.setBigUint64(ptr + FILESTAT.INO, BigInt(Math.max(0, Math.floor(st.ino))), true);
  dv.setBigUint64(ptr + FILESTAT.FILETYPE, 0n, true);
  dv.setUint8(ptr + FILESTAT.FILETYPE, filetypeOf(st.mode));
  dv.setBigUint64(ptr + FILESTAT.NLINK, BigInt(st.nlink), true);
  dv.setBigUint64(ptr + FILESTAT.SIZE_, BigInt(Math.max(0, Math.floor(st.size))), true);
  dv.setBigUint64(ptr + FILESTAT.ATIM, msToNs(st.atimeMs), true);
  dv.setBigUint64(ptr + FILESTAT.MTIM, msToNs(st.mtimeMs), true);
  dv.setBigUint64(ptr + FILESTAT.CTIM, msToNs(st.ctimeMs), true);
}

export function dirTypeToFiletype(t: number): number {
  switch (t) {
    case DT.DIR: return Filetype.DIRECTORY;
    case DT.REG: return Filetype.REGULAR_FILE;
    case DT.CHR: return Filetype.CHARACTER_DEVICE;
    case DT.BLK: return Filetype.BLOCK_DEVICE;
    case DT.LNK: return Filetype.SYMBOLIC_LINK;
    case DT.SOCK: return Filetype.SOCKET_STREAM;
    default: return Filetype.UNKNOWN;
  }
}
