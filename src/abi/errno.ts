// Error numbers: the Linux values, as Redox uses them. The kernel returns them negated in a
// syscall's result word; programs see them as `MhError.errno` (libmh) or map them to WASI's.

export const Errno = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9,
  ECHILD: 10, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, EBUSY: 16, EEXIST: 17, EXDEV: 18,
  ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24, ENOTTY: 25,
  EFBIG: 27, ENOSPC: 28, ESPIPE: 29, EROFS: 30, EMLINK: 31, EPIPE: 32, ERANGE: 34,
  EDEADLK: 35, ENAMETOOLONG: 36, ENOLCK: 37, ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, ENOMSG: 42,
  ENOTSOCK: 88, EMSGSIZE: 90, EOPNOTSUPP: 95, EAFNOSUPPORT: 97, EADDRINUSE: 98,
  EADDRNOTAVAIL: 99, ENETDOWN: 100, ENETUNREACH: 101, ECONNRESET: 104, EISCONN: 106,
  ENOTCONN: 107, ETIMEDOUT: 110, ECONNREFUSED: 111, EHOSTUNREACH: 113, EALREADY: 114,
  EINPROGRESS: 115, ECANCELED: 125,
} as const;

export type ErrnoName = keyof typeof Errno;

const names = new Map<number, ErrnoName>(Object.entries(Errno).map(([k, v]) => [v, k as ErrnoName]));

const messages: Partial<Record<ErrnoName, string>> = {
  EPERM: 'Operation not permitted', ENOENT: 'No such file or directory', ESRCH: 'No such process',
  EINTR: 'Interrupted system call', EIO: 'Input/output error', ENOEXEC: 'Exec format error',
  EBADF: 'Bad file descriptor', ECHILD: 'No child processes', EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory', EACCES: 'Permission denied', EBUSY: 'Device or resource busy',
  EEXIST: 'File exists', EXDEV: 'Invalid cross-device link', ENODEV: 'No such device',
  ENOTDIR: 'Not a directory', EISDIR: 'Is a directory', EINVAL: 'Invalid argument',
  EMFILE: 'Too many open files', ENOTTY: 'Inappropriate ioctl for device', EFBIG: 'File too large',
  ENOSPC: 'No space left on device', ESPIPE: 'Illegal seek', EROFS: 'Read-only file system',
  EPIPE: 'Broken pipe', ERANGE: 'Numerical result out of range', ENAMETOOLONG: 'File name too long',
  EDEADLK: 'Resource deadlock avoided', ENOLCK: 'No locks available',
  ENOSYS: 'Function not implemented', ENOTEMPTY: 'Directory not empty',
  ELOOP: 'Too many levels of symbolic links', EOPNOTSUPP: 'Operation not supported',
  ENOTSOCK: 'Socket operation on non-socket', EMSGSIZE: 'Message too long',
  EAFNOSUPPORT: 'Address family not supported by protocol', EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address', ENETDOWN: 'Network is down',
  ENETUNREACH: 'Network is unreachable', ECONNRESET: 'Connection reset by peer',
  EISCONN: 'Transport endpoint is already connected', ENOTCONN: 'Transport endpoint is not connected',
  ETIMEDOUT: 'Connection timed out', ECONNREFUSED: 'Connection refused',
  EHOSTUNREACH: 'No route to host', EALREADY: 'Operation already in progress',
  EINPROGRESS: 'Operation now in progress', ECANCELED: 'Operation canceled',
};

export function errnoName(errno: number): string {
  return names.get(errno) ?? `E${errno}`;
}

export function strerror(errno: number): string {
  const name = names.get(errno);
  return (name && messages[name]) ?? `Unknown error ${errno}`;
}

/** An error as a value: the kernel's handlers return `Err` instead of throwing. */
export class Err {
  constructor(readonly errno: number) {}
  toString(): string {
    return `${errnoName(this.errno)} (${strerror(this.errno)})`;
  }
}

/**
 * A path that leads out of its scheme (a symbolic link to /scheme/...): callers that can follow
 * it (open, stat) go on with `path`; to any other it is EXDEV.
 */
export class Redirect extends Err {
  constructor(readonly path: string) {
    super(Errno.EXDEV);
  }
}

/** Preallocated so that hot paths return errors without allocating. */
export const E = Object.fromEntries(Object.entries(Errno).map(([k, v]) => [k, new Err(v)])) as Record<ErrnoName, Err>;

export type Result<T> = T | Err;

export function isErr(x: unknown): x is Err {
  return x instanceof Err;
}
