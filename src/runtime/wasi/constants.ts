// WASI preview 1 constants and record layouts (from the preview1 witx), named once. Rights
// are 64-bit in the ABI but every defined bit is below 2^30, so the runtime keeps them as
// plain numbers and converts at the boundary.

export const Filetype = {
  UNKNOWN: 0, BLOCK_DEVICE: 1, CHARACTER_DEVICE: 2, DIRECTORY: 3, REGULAR_FILE: 4,
  SOCKET_DGRAM: 5, SOCKET_STREAM: 6, SYMBOLIC_LINK: 7,
} as const;

export const Fdflags = { APPEND: 1, DSYNC: 2, NONBLOCK: 4, RSYNC: 8, SYNC: 16 } as const;
export const Oflags = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const;
export const LOOKUP_SYMLINK_FOLLOW = 1;
export const Fstflags = { ATIM: 1, ATIM_NOW: 2, MTIM: 4, MTIM_NOW: 8 } as const;
export const Eventtype = { CLOCK: 0, FD_READ: 1, FD_WRITE: 2 } as const;
export const EVENTRW_HANGUP = 1;
export const SUBCLOCK_ABSTIME = 1;
export const Clockid = { REALTIME: 0, MONOTONIC: 1, PROCESS_CPUTIME: 2, THREAD_CPUTIME: 3 } as const;
export const PREOPENTYPE_DIR = 0;
/** Not a WASI value: what a descriptor below the preopens answers, so that scans go past it (fd.ts). */
export const PREOPENTYPE_NOT_DIR = 1;

export const Rights = {
  FD_DATASYNC: 1 << 0, FD_READ: 1 << 1, FD_SEEK: 1 << 2, FD_FDSTAT_SET_FLAGS: 1 << 3,
  FD_SYNC: 1 << 4, FD_TELL: 1 << 5, FD_WRITE: 1 << 6, FD_ADVISE: 1 << 7, FD_ALLOCATE: 1 << 8,
  PATH_CREATE_DIRECTORY: 1 << 9, PATH_CREATE_FILE: 1 << 10, PATH_LINK_SOURCE: 1 << 11,
  PATH_LINK_TARGET: 1 << 12, PATH_OPEN: 1 << 13, FD_READDIR: 1 << 14, PATH_READLINK: 1 << 15,
  PATH_RENAME_SOURCE: 1 << 16, PATH_RENAME_TARGET: 1 << 17, PATH_FILESTAT_GET: 1 << 18,
  PATH_FILESTAT_SET_SIZE: 1 << 19, PATH_FILESTAT_SET_TIMES: 1 << 20, FD_FILESTAT_GET: 1 << 21,
  FD_FILESTAT_SET_SIZE: 1 << 22, FD_FILESTAT_SET_TIMES: 1 << 23, PATH_SYMLINK: 1 << 24,
  PATH_REMOVE_DIRECTORY: 1 << 25, PATH_UNLINK_FILE: 1 << 26, POLL_FD_READWRITE: 1 << 27,
  SOCK_SHUTDOWN: 1 << 28, SOCK_ACCEPT: 1 << 29,
} as const;

export const RIGHTS_ALL = (1 << 30) - 1;
const R = Rights;

/** What a regular file can do. */
export const RIGHTS_FILE = R.FD_DATASYNC | R.FD_READ | R.FD_SEEK | R.FD_FDSTAT_SET_FLAGS | R.FD_SYNC |
  R.FD_TELL | R.FD_WRITE | R.FD_ADVISE | R.FD_ALLOCATE | R.FD_FILESTAT_GET | R.FD_FILESTAT_SET_SIZE |
  R.FD_FILESTAT_SET_TIMES | R.POLL_FD_READWRITE;

/** What a directory can do (and, as inheriting rights, what is opened beneath it). */
export const RIGHTS_DIR = R.FD_FDSTAT_SET_FLAGS | R.FD_SYNC | R.FD_ADVISE | R.PATH_CREATE_DIRECTORY |
  R.PATH_CREATE_FILE | R.PATH_LINK_SOURCE | R.PATH_LINK_TARGET | R.PATH_OPEN | R.FD_READDIR |
  R.PATH_READLINK | R.PATH_RENAME_SOURCE | R.PATH_RENAME_TARGET | R.PATH_FILESTAT_GET |
  R.PATH_FILESTAT_SET_SIZE | R.PATH_FILESTAT_SET_TIMES | R.FD_FILESTAT_GET | R.FD_FILESTAT_SET_TIMES |
  R.PATH_SYMLINK | R.PATH_REMOVE_DIRECTORY | R.PATH_UNLINK_FILE | R.POLL_FD_READWRITE;

/** Streams (pipes, terminals, devices, scheme endpoints): no seek, no tell. */
export const RIGHTS_STREAM = R.FD_READ | R.FD_WRITE | R.FD_FDSTAT_SET_FLAGS | R.FD_FILESTAT_GET |
  R.POLL_FD_READWRITE | R.FD_SYNC | R.FD_DATASYNC;

export const RIGHTS_SOCKET = RIGHTS_STREAM | R.SOCK_SHUTDOWN | R.SOCK_ACCEPT;

/** Rights that need the descriptor open for reading / for writing. */
export const RIGHTS_NEED_READ = R.FD_READ | R.FD_READDIR;
export const RIGHTS_NEED_WRITE = R.FD_WRITE | R.FD_DATASYNC | R.FD_ALLOCATE | R.FD_FILESTAT_SET_SIZE;

// Record layouts (byte offsets, little-endian).
export const IOVEC = { SIZE: 8, BUF: 0, LEN: 4 } as const;
export const FDSTAT = { SIZE: 24, FILETYPE: 0, FLAGS: 2, RIGHTS_BASE: 8, RIGHTS_INHERITING: 16 } as const;
export const FILESTAT = { SIZE: 64, DEV: 0, INO: 8, FILETYPE: 16, NLINK: 24, SIZE_: 32, ATIM: 40, MTIM: 48, CTIM: 56 } as const;
export const DIRENT = { SIZE: 24, NEXT: 0, INO: 8, NAMLEN: 16, TYPE: 20 } as const;
export const PRESTAT = { SIZE: 8, TAG: 0, NAME_LEN: 4 } as const;
export const SUBSCRIPTION = { SIZE: 48, USERDATA: 0, TAG: 8, CLOCK_ID: 16, CLOCK_TIMEOUT: 24, CLOCK_PRECISION: 32, CLOCK_FLAGS: 40, FD: 16 } as const;
export const EVENT = { SIZE: 32, USERDATA: 0, ERROR: 8, TYPE: 10, NBYTES: 16, FLAGS: 24 } as const;
