// Record locks as they cross the syscall boundary: the `lock` call's commands and lock types
// (Linux's values, which the SDK's <fcntl.h> additions use too) and the 24-byte record that
// carries a range in and, for F_GETLK, the conflicting lock out. Little-endian:
//
//   0 type u16 | 2 whence u16 | 4 pid u32 | 8 start f64 | 16 len f64
//
// `len` 0 means "to the end of the file, however far it grows"; a negative `len` covers the
// bytes before `start`, as POSIX allows. `flock` takes the LOCK_* operation as an argument.

export const LockCmd = { GETLK: 5, SETLK: 6, SETLKW: 7 } as const;
export const LockType = { RDLCK: 0, WRLCK: 1, UNLCK: 2 } as const;
export const Flock = { SH: 1, EX: 2, NB: 4, UN: 8 } as const;

export const LOCK_RECORD_BYTES = 24;

export interface LockRecord {
  type: number;
  whence: number;
  pid: number;
  start: number;
  len: number;
}

export function writeLockRecord(dst: Uint8Array, r: LockRecord): number {
  const v = new DataView(dst.buffer, dst.byteOffset, LOCK_RECORD_BYTES);
  v.setUint16(0, r.type, true);
  v.setUint16(2, r.whence, true);
  v.setUint32(4, r.pid >>> 0, true);
  v.setFloat64(8, r.start, true);
  v.setFloat64(16, r.len, true);
  return LOCK_RECORD_BYTES;
}

/** The record at the start of `src`, or null if it is too short. */
export function readLockRecord(src: Uint8Array): LockRecord | null {
  if (src.length < LOCK_RECORD_BYTES) return null;
  const v = new DataView(src.buffer, src.byteOffset, LOCK_RECORD_BYTES);
  return { type: v.getUint16(0, true), whence: v.getUint16(2, true), pid: v.getUint32(4, true), start: v.getFloat64(8, true), len: v.getFloat64(16, true) };
}
