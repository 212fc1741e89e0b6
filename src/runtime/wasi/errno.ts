// WASI preview 1 error numbers and the one table that maps MACROHARD's (Linux) errno values
// onto them. WASI numbers its errors alphabetically (ENOENT is 44, not 2), so every kernel
// result that reaches a WASI program passes through `toWasi` exactly once.

import { Errno } from '../../abi/errno.js';

export const WasiErrno = {
  SUCCESS: 0, E2BIG: 1, EACCES: 2, EADDRINUSE: 3, EADDRNOTAVAIL: 4, EAFNOSUPPORT: 5, EAGAIN: 6,
  EALREADY: 7, EBADF: 8, EBADMSG: 9, EBUSY: 10, ECANCELED: 11, ECHILD: 12, ECONNABORTED: 13,
  ECONNREFUSED: 14, ECONNRESET: 15, EDEADLK: 16, EDESTADDRREQ: 17, EDOM: 18, EDQUOT: 19,
  EEXIST: 20, EFAULT: 21, EFBIG: 22, EHOSTUNREACH: 23, EIDRM: 24, EILSEQ: 25, EINPROGRESS: 26,
  EINTR: 27, EINVAL: 28, EIO: 29, EISCONN: 30, EISDIR: 31, ELOOP: 32, EMFILE: 33, EMLINK: 34,
  EMSGSIZE: 35, EMULTIHOP: 36, ENAMETOOLONG: 37, ENETDOWN: 38, ENETRESET: 39, ENETUNREACH: 40,
  ENFILE: 41, ENOBUFS: 42, ENODEV: 43, ENOENT: 44, ENOEXEC: 45, ENOLCK: 46, ENOLINK: 47,
  ENOMEM: 48, ENOMSG: 49, ENOPROTOOPT: 50, ENOSPC: 51, ENOSYS: 52, ENOTCONN: 53, ENOTDIR: 54,
  ENOTEMPTY: 55, ENOTRECOVERABLE: 56, ENOTSOCK: 57, ENOTSUP: 58, ENOTTY: 59, ENXIO: 60,
  EOVERFLOW: 61, EOWNERDEAD: 62, EPERM: 63, EPIPE: 64, EPROTO: 65, EPROTONOSUPPORT: 66,
  EPROTOTYPE: 67, ERANGE: 68, EROFS: 69, ESPIPE: 70, ESRCH: 71, ESTALE: 72, ETIMEDOUT: 73,
  ETXTBSY: 74, EXDEV: 75, ENOTCAPABLE: 76,
} as const;

const W = WasiErrno;

/** Linux errno -> WASI errno, for every value the kernel or a daemon may answer. */
const LINUX_TO_WASI: ReadonlyMap<number, number> = new Map<number, number>([
  [Errno.EPERM, W.EPERM], [Errno.ENOENT, W.ENOENT], [Errno.ESRCH, W.ESRCH], [Errno.EINTR, W.EINTR],
  [Errno.EIO, W.EIO], [Errno.ENXIO, W.ENXIO], [Errno.E2BIG, W.E2BIG], [Errno.ENOEXEC, W.ENOEXEC],
  [Errno.EBADF, W.EBADF], [Errno.ECHILD, W.ECHILD], [Errno.EAGAIN, W.EAGAIN], [Errno.ENOMEM, W.ENOMEM],
  [Errno.EACCES, W.EACCES], [Errno.EFAULT, W.EFAULT], [Errno.EBUSY, W.EBUSY], [Errno.EEXIST, W.EEXIST],
  [Errno.EXDEV, W.EXDEV], [Errno.ENODEV, W.ENODEV], [Errno.ENOTDIR, W.ENOTDIR], [Errno.EISDIR, W.EISDIR],
  [Errno.EINVAL, W.EINVAL], [Errno.ENFILE, W.ENFILE], [Errno.EMFILE, W.EMFILE], [Errno.ENOTTY, W.ENOTTY],
  [26, W.ETXTBSY], [Errno.EFBIG, W.EFBIG], [Errno.ENOSPC, W.ENOSPC], [Errno.ESPIPE, W.ESPIPE],
  [Errno.EROFS, W.EROFS], [Errno.EMLINK, W.EMLINK], [Errno.EPIPE, W.EPIPE], [33, W.EDOM],
  [Errno.ERANGE, W.ERANGE], [Errno.EDEADLK, W.EDEADLK], [Errno.ENAMETOOLONG, W.ENAMETOOLONG],
  [37, W.ENOLCK], [Errno.ENOSYS, W.ENOSYS], [Errno.ENOTEMPTY, W.ENOTEMPTY], [Errno.ELOOP, W.ELOOP],
  [Errno.ENOMSG, W.ENOMSG], [43, W.EIDRM], [67, W.ENOLINK], [71, W.EPROTO], [72, W.EMULTIHOP],
  [74, W.EBADMSG], [75, W.EOVERFLOW], [84, W.EILSEQ], [Errno.ENOTSOCK, W.ENOTSOCK],
  [89, W.EDESTADDRREQ], [Errno.EMSGSIZE, W.EMSGSIZE], [91, W.EPROTOTYPE], [92, W.ENOPROTOOPT],
  [93, W.EPROTONOSUPPORT], [Errno.EOPNOTSUPP, W.ENOTSUP], [Errno.EAFNOSUPPORT, W.EAFNOSUPPORT],
  [Errno.EADDRINUSE, W.EADDRINUSE], [Errno.EADDRNOTAVAIL, W.EADDRNOTAVAIL], [Errno.ENETDOWN, W.ENETDOWN], [Errno.ENETUNREACH, W.ENETUNREACH],
  [102, W.ENETRESET], [103, W.ECONNABORTED], [Errno.ECONNRESET, W.ECONNRESET], [105, W.ENOBUFS],
  [Errno.EISCONN, W.EISCONN], [Errno.ENOTCONN, W.ENOTCONN], [Errno.ETIMEDOUT, W.ETIMEDOUT],
  [Errno.ECONNREFUSED, W.ECONNREFUSED], [Errno.EHOSTUNREACH, W.EHOSTUNREACH], [Errno.EALREADY, W.EALREADY],
  [Errno.EINPROGRESS, W.EINPROGRESS], [116, W.ESTALE], [122, W.EDQUOT], [Errno.ECANCELED, W.ECANCELED],
  [130, W.EOWNERDEAD], [131, W.ENOTRECOVERABLE],
]);

/** A kernel result word (negative: -errno) as a WASI errno; EIO for anything unknown. */
export function toWasi(result: number): number {
  if (result >= 0) return W.SUCCESS;
  return LINUX_TO_WASI.get(-result) ?? W.EIO;
}

/** Thrown inside the runtime to fail the current WASI call with a WASI errno. */
export class WasiError extends Error {
  constructor(readonly errno: number) {
    super(`wasi errno ${errno}`);
  }
}

/** Runs `f`, turning a WasiError into its negated errno: the `macrohard` imports' convention. */
export function negated(f: () => number): number {
  try {
    return f();
  } catch (e) {
    if (e instanceof WasiError) return -e.errno;
    throw e;
  }
}
