// The Scheme interface: every resource a process can open is served by one. Kernel schemes
// (pipe, event, sys...) implement it directly; user schemes forward each call to a daemon.
// The defaults refuse, so a scheme writes only what it supports. Handles are small numbers
// local to each scheme.
//
// An operation answers with a value or an Err at once, with a Promise (a daemon's reply
// comes later), or with WouldBlock: "nothing to do yet, try again when this queue wakes".

import { E, type Result } from '../abi/errno.js';
import type { Stat } from '../abi/stat.js';
import type { StatVfs } from '../abi/statvfs.js';

export type { StatVfs };
import type { WaitQueue, WouldBlock } from './waitqueue.js';

export interface Caller {
  pid: number;
  uid: number;
  gid: number;
}

export type Answer<T> = Result<T> | WouldBlock | Promise<Result<T>>;

export interface Opened {
  handle: number;
  /** A description a daemon handed over (a descriptor reply): installed as it is. */
  desc?: import('./file.js').FileDescription;
  /** For pipe ends: the ring that the process may map to move data without the kernel. */
  ring?: { id: number; end: number };
  /** The object is a stream: seek answers ESPIPE and reads ignore offsets. */
  stream?: boolean;
}

export abstract class Scheme {
  abstract readonly name: string;
  /** Set when the scheme is gone (its daemon died): every later call fails with EIO. */
  dead = false;

  open(_ref: string, _flags: number, _mode: number, _caller: Caller): Answer<Opened> {
    return E.ENOENT;
  }
  /**
   * Fills `dst` (the caller's channel) and answers the count, or answers the bytes themselves
   * when they arrive later (a daemon's reply), for the kernel to copy if the call still waits.
   */
  read(_h: number, _dst: Uint8Array, _offset: number, _caller: Caller): Answer<number | Uint8Array> {
    return E.EBADF;
  }
  write(_h: number, _src: Uint8Array, _offset: number, _caller: Caller): Answer<number> {
    return E.EBADF;
  }
  /** After a write with O_APPEND, the position at which the next one starts, if known. */
  appendPosition(_h: number): number {
    return -1;
  }
  fstat(_h: number): Answer<Stat> {
    return E.EOPNOTSUPP;
  }
  fsync(_h: number): Answer<number> {
    return 0;
  }
  ftruncate(_h: number, _len: number): Answer<number> {
    return E.EINVAL;
  }
  getdents(_h: number, _dst: Uint8Array, _cookie: number): Answer<{ bytes: number; next: number }> {
    return E.ENOTDIR;
  }
  dup(_h: number, _sub: string, _caller: Caller): Answer<Opened> {
    return E.EOPNOTSUPP;
  }
  fchmod(_h: number, _mode: number, _caller: Caller): Answer<number> {
    return E.EOPNOTSUPP;
  }
  fchown(_h: number, _uid: number, _gid: number, _caller: Caller): Answer<number> {
    return E.EOPNOTSUPP;
  }
  futimens(_h: number, _atime: number, _mtime: number, _caller: Caller): Answer<number> {
    return E.EOPNOTSUPP;
  }
  statvfs(_h: number): Answer<StatVfs> {
    return E.EOPNOTSUPP;
  }
  /** Shared memory behind the handle, for `fmap` (shm regions, disk queues). */
  map(_h: number): Result<SharedArrayBuffer> {
    return E.ENODEV;
  }
  /** The doorbell of the shared memory behind the handle (a nic ring's), for EVENT_BELL. */
  bell(_h: number): (() => void) | null {
    return null;
  }
  /** Called when the last descriptor referring to the handle is closed. Never fails. */
  close(_h: number): void {}
  /** Readiness (EVENT_READ | EVENT_WRITE) and the queue that wakes when it may change. */
  poll(_h: number): { ready: number; queue: WaitQueue | null } {
    return { ready: 0, queue: null };
  }

  mkdir(_ref: string, _mode: number, _caller: Caller): Answer<number> {
    return E.EOPNOTSUPP;
  }
  rmdir(_ref: string, _caller: Caller): Answer<number> {
    return E.EOPNOTSUPP;
  }
  unlink(_ref: string, _caller: Caller): Answer<number> {
    return E.EOPNOTSUPP;
  }
  rename(_from: string, _to: string, _caller: Caller): Answer<number> {
    return E.EOPNOTSUPP;
  }
  link(_from: string, _to: string, _caller: Caller): Answer<number> {
    return E.EOPNOTSUPP;
  }
  symlink(_target: string, _path: string, _caller: Caller): Answer<number> {
    return E.EOPNOTSUPP;
  }
  readlink(_ref: string, _caller: Caller): Answer<string> {
    return E.EINVAL;
  }
  chmod(_ref: string, _mode: number, _caller: Caller): Answer<number> {
    return E.EOPNOTSUPP;
  }
  chown(_ref: string, _uid: number, _gid: number, _caller: Caller): Answer<number> {
    return E.EOPNOTSUPP;
  }
  utimens(_ref: string, _atime: number, _mtime: number, _caller: Caller): Answer<number> {
    return E.EOPNOTSUPP;
  }
  /** EOPNOTSUPP makes the kernel stat by opening the path and calling fstat. */
  stat(_ref: string, _nofollow: boolean, _caller: Caller): Answer<Stat> {
    return E.EOPNOTSUPP;
  }
}
