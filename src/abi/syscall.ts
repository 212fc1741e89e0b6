// The syscall list: the one contract between the kernel and every program. The kernel's table
// (src/kernel/syscalls.ts) is typed `satisfies Record<SysName, Handler>` over this list, and the
// runtime derives its raw stubs from it (src/runtime/syscalls.ts), so a call exists on both
// sides or on neither. Numbers are stable: append, never renumber.
//
// Calling convention (see channel.ts): up to six numeric arguments, an optional byte payload in
// (paths, data to write, encoded records), a numeric result (negative: -errno) and an optional
// byte payload out (data read, stat records, encoded lists).

export const Sys = {
  open: 1,        // (flags, mode) in: path                      -> fd
  openat: 2,      // (dirfd, flags, mode) in: path               -> fd
  close: 3,       // (fd)
  read: 4,        // (fd, len, offset|-1)  out: bytes            -> n
  write: 5,       // (fd, offset|-1) in: bytes                   -> n
  seek: 6,        // (fd, offset, whence)                        -> position
  fstat: 7,       // (fd) out: Stat                              -> 0
  fsync: 8,       // (fd)
  ftruncate: 9,   // (fd, length)
  getdents: 10,   // (fd, maxBytes) out: dirent records          -> bytes
  dup: 11,        // (fd) in: sub-path (may be empty)            -> fd
  dup2: 12,       // (fd, newfd) in: sub-path                    -> newfd
  fcntl: 13,      // (fd, cmd, arg)                              -> value
  fpath: 14,      // (fd) out: path                              -> length
  pipe: 15,       // (flags) out: ring attachment                -> rfd | wfd << 16
  spawn: 16,      // () in: SpawnRequest                         -> pid
  exec: 17,       // () in: SpawnRequest (argv, env, path)       -> does not return on success
  exit: 18,       // (status)
  waitpid: 19,    // (pid, options) out: status                  -> pid
  kill: 20,       // (pid, sig)
  sigaction: 21,  // (sig, action)                               -> previous action
  sigtake: 22,    // ()                                          -> mask of pending handled signals
  getpid: 23,
  getppid: 24,
  getuid: 25,
  getgid: 26,
  geteuid: 27,
  getegid: 28,
  setuid: 29,     // (uid)
  setgid: 30,     // (gid)
  getpgid: 31,    // (pid)
  setpgid: 32,    // (pid, pgid)
  getsid: 33,     // (pid)
  setsid: 34,
  chdir: 35,      // () in: path
  getcwd: 36,     // () out: path                                -> length
  mkns: 37,       // () in: list of scheme names
  getns: 38,      // () out: list of scheme names                -> count, or NS_ALL
  setfilter: 39,  // () in: list of syscall numbers
  scheme_create: 40, // (flags: SCHEME_COHERENT) in: name         -> fd
  nanosleep: 41,  // (seconds, nanoseconds)
  fmap: 43,       // (fd, length)                                -> region id (buffer posted to the process)
  mkdir: 44,      // (mode) in: path
  rmdir: 45,      // () in: path
  unlink: 46,     // () in: path
  rename: 47,     // () in: old path, new path
  link: 48,       // () in: old path, new path
  symlink: 49,    // () in: target, link path
  readlink: 50,   // () in: path out: target                     -> length
  chmod: 51,      // (mode) in: path
  chown: 52,      // (uid, gid) in: path
  utimens: 53,    // (atime ms, mtime ms) in: path
  stat: 54,       // (flags: 1 = do not follow links) in: path out: Stat
  sendfd: 55,     // (chanfd, fd)
  recvfd: 56,     // (chanfd)                                    -> fd
  umask: 57,      // (mask)                                      -> previous
  sigprocmask: 59, // (how, mask)                                -> previous mask
  getrusage: 60,  // (who) out: Rusage
  fchmod: 61,     // (fd, mode)
  fchown: 62,     // (fd, uid, gid)
  futimens: 63,   // (fd, atime ms, mtime ms)
  statvfs: 64,    // (fd) out: StatVfs
  lock: 80,       // (fd, cmd) in: LockRecord out: LockRecord (F_GETLK)   -> 0
  flock: 81,      // (fd, LOCK_* operation)
  scheme_serve: 82, // (fd, maxBytes) in: replies out: requests      -> n (a write, then a read, on a scheme's descriptor)
} as const;

export type SysName = keyof typeof Sys;

export const SYS_MAX = Math.max(...Object.values(Sys));

export const sysNames: readonly (SysName | undefined)[] = (() => {
  const a: (SysName | undefined)[] = new Array(SYS_MAX + 1).fill(undefined);
  for (const [k, v] of Object.entries(Sys)) a[v] = k as SysName;
  return a;
})();

/** getns's answer for a process that can name every scheme. */
export const NS_ALL = 0x7fffffff;
