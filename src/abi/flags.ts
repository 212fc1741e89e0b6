// Flags and constants shared by the kernel and programs: open flags (Linux values), seek
// whence, waitpid options and status encoding, fcntl commands, file modes.

export const O = {
  RDONLY: 0x0, WRONLY: 0x1, RDWR: 0x2, ACCMODE: 0x3,
  CREAT: 0x40, EXCL: 0x80, NOCTTY: 0x100, TRUNC: 0x200, APPEND: 0x400, NONBLOCK: 0x800,
  DIRECTORY: 0x10000, NOFOLLOW: 0x20000, CLOEXEC: 0x80000,
  /** Open the object itself, not what it refers to (for fstat/fpath on a symlink or a scheme root). */
  PATH: 0x200000,
} as const;

export function canRead(flags: number): boolean {
  return (flags & O.ACCMODE) !== O.WRONLY;
}
export function canWrite(flags: number): boolean {
  const m = flags & O.ACCMODE;
  return m === O.WRONLY || m === O.RDWR;
}

export const SEEK = { SET: 0, CUR: 1, END: 2 } as const;

export const WNOHANG = 1;
export const WUNTRACED = 2;
export const WCONTINUED = 8;

/** waitpid status words, encoded as Linux does so that C's W* macros work unchanged. */
export const WaitStatus = {
  exited: (code: number) => (code & 0xff) << 8,
  signaled: (sig: number) => sig & 0x7f,
  stopped: (sig: number) => ((sig & 0xff) << 8) | 0x7f,
  continued: 0xffff,
  ifExited: (s: number) => (s & 0x7f) === 0,
  exitStatus: (s: number) => (s >> 8) & 0xff,
  ifSignaled: (s: number) => (s & 0x7f) !== 0 && (s & 0x7f) !== 0x7f,
  termSig: (s: number) => s & 0x7f,
  ifStopped: (s: number) => (s & 0xff) === 0x7f,
  stopSig: (s: number) => (s >> 8) & 0xff,
} as const;

export const F = {
  DUPFD: 0, GETFD: 1, SETFD: 2, GETFL: 3, SETFL: 4, DUPFD_CLOEXEC: 1030,
} as const;
export const FD_CLOEXEC = 1;

export const S = {
  IFMT: 0o170000, IFSOCK: 0o140000, IFLNK: 0o120000, IFREG: 0o100000, IFBLK: 0o060000,
  IFDIR: 0o040000, IFCHR: 0o020000, IFIFO: 0o010000,
} as const;

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;

/** The largest write to a pipe that is never interleaved with another writer's. */
export const PIPE_BUF = 4096;
