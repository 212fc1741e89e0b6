// What netd's scheme services share: requests held until the stack can answer them, the
// errno values sockets need (the network ones the ABI list lacks are Linux's numbers), the
// readiness bits of the event scheme, and `fail`, which answers a request with an errno.

import * as mh from 'libmh';

/** A request answered later: its tag, the length asked for, and for writes the bytes. */
export interface Held {
  tag: number;
  len: number;
  /** For writes: the bytes not yet queued, and how many were. */
  data?: Uint8Array;
  done?: number;
}

export const Errno = mh.Errno;

export const EV_READ = 1;
export const EV_WRITE = 2;
export const S_IFSOCK = 0o140000;

export function fail(errno: number): never {
  throw new mh.MhError(errno, 'netd');
}
