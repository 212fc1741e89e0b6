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

const TWO32 = 2 ** 32;

/** A whole number below 2^53 as a u64, without a BigInt (a stat writes seven of them). */
function setU64(dv: DataView, at: number, n: number): void {
  const v = Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
  const hi = Math.floor(v / TWO32);
  dv.setUint32(at, v - hi * TWO32, true);
  dv.setUint32(at + 4, hi, true);
}

/** Milliseconds as u64 nanoseconds, exactly as msToNs, in 32-bit halves. */
function setNs(dv: DataView, at: number, ms: number): void {
  // Beyond 2^64 ns (year 2554) the BigInt path wraps as setBigUint64 does.
  if (!Number.isFinite(ms) || ms <= 0 || ms >= 1.8e13) return void dv.setBigUint64(at, msToNs(ms), true);
  const whole = Math.floor(ms);
  const wh = Math.floor(whole / TWO32);
  // Each product stays below 2^53, so the arithmetic is exact.
  const lo = (whole - wh * TWO32) * 1e6 + Math.round((ms % 1) * 1e6);
  const carry = Math.floor(lo / TWO32);
  dv.setUint32(at, lo - carry * TWO32, true);
  dv.setUint32(at + 4, wh * 1e6 + carry, true);
}

export function writeFilestat(ctx: WasiContext, ptr: number, st: Stat): void {
  const dv = ctx.dv();
  if ((ptr >>> 0) + FILESTAT.SIZE > dv.byteLength) throw new WasiError(WasiErrno.EFAULT);
  setU64(dv, ptr + FILESTAT.DEV, st.dev);
  setU64(dv, ptr + FILESTAT.INO, st.ino);
  setU64(dv, ptr + FILESTAT.FILETYPE, 0);
  dv.setUint8(ptr + FILESTAT.FILETYPE, filetypeOf(st.mode));
  setU64(dv, ptr + FILESTAT.NLINK, st.nlink);
  setU64(dv, ptr + FILESTAT.SIZE_, st.size);
  setNs(dv, ptr + FILESTAT.ATIM, st.atimeMs);
  setNs(dv, ptr + FILESTAT.MTIM, st.mtimeMs);
  setNs(dv, ptr + FILESTAT.CTIM, st.ctimeMs);
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
