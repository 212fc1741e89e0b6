// Kernel limits and tunables, in one place.

export const params = {
  /** Most descriptors one process may hold. */
  maxFds: 1024,
  /** Most processes alive at once. */
  maxProcs: 4096,
  /** Capacity of a pipe ring, a power of two. */
  pipeCapacity: 256 * 1024,
  /** How long the kernel keeps polling channels after its last request before it sleeps (ms). */
  spinIdleMs: 0.05,
  /**
   * Cores the host needs before callers spin for a daemon's answer and a serving daemon for
   * its next request: one each for the caller, the kernel and the daemon (see dispatch.ts).
   */
  spinPeersMinCores: 3,
  /** The longest the kernel polls without letting the event loop run (ms). */
  spinSliceMs: 2,
  /** Kernel log lines kept for `sys:log`. */
  klogLines: 2000,
  /** Bytes of requests a user scheme may have queued before callers wait. */
  schemeQueueBytes: 4 * 1024 * 1024,
  /** Messages a chan endpoint may have queued before writers wait. */
  chanQueueMessages: 256,
  /** Largest shared-memory region. */
  shmMaxBytes: 1024 * 1024 * 1024,
  /** Pipe rings handed to each process in advance, so that pipe() needs no buffer hand-off. */
  spareRings: 2,
  /** Unused spare rings kept for reuse. */
  spareRingPool: 64,
  /** POSIX record locks held at once, all processes together (beyond: ENOLCK). */
  maxLocks: 100000,
} as const;
