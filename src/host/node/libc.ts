// The host's C library through the koffi FFI, for the few system calls Node cannot make: the
// TAP device's ioctl and its threads' poll, read and write on a non-blocking descriptor. One
// binding for every user, loaded on first use; a host without koffi gets a message saying so.

import { createRequire } from 'node:module';

export interface Libc {
  ioctl(fd: number, req: number, arg: Uint8Array): number;
  poll(fds: Uint8Array, n: number, timeout: number): number;
  read(fd: number, buf: Uint8Array, count: number): number;
  write(fd: number, buf: Uint8Array, count: number): number;
  /** errno of the last call that failed. */
  errno(): number;
}

export const POLLIN = 0x0001;
export const POLLOUT = 0x0004;
export const EINTR = 4;
export const EAGAIN = 11;

let libc: Libc | null = null;

export function loadLibc(): Libc {
  if (libc) return libc;
  let koffi: { load(lib: string): { func(sig: string): unknown }; errno(): number };
  try {
    koffi = createRequire(import.meta.url)('koffi');
  } catch {
    throw new Error('TAP networking needs the koffi FFI library (npm install koffi), which is not installed; use --net user');
  }
  const lib = koffi.load('libc.so.6');
  libc = {
    ioctl: lib.func('int ioctl(int fd, unsigned long request, _Inout_ uint8_t *arg)') as Libc['ioctl'],
    poll: lib.func('int poll(_Inout_ uint8_t *fds, unsigned long nfds, int timeout)') as Libc['poll'],
    read: lib.func('long read(int fd, _Out_ uint8_t *buf, unsigned long count)') as Libc['read'],
    write: lib.func('long write(int fd, const uint8_t *buf, unsigned long count)') as Libc['write'],
    errno: () => koffi.errno(),
  };
  return libc;
}

/** A struct pollfd for one descriptor, waiting for `events`; `revents` reads what came. */
export function pollFd(fd: number, events: number): { buf: Uint8Array; revents(): number; reset(): void } {
  const buf = new Uint8Array(8);
  const v = new DataView(buf.buffer);
  v.setInt32(0, fd, true);
  v.setInt16(4, events, true);
  return { buf, revents: () => v.getInt16(6, true), reset: () => v.setInt16(6, 0, true) };
}
