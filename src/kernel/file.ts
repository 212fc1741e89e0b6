// Open file descriptions and descriptor tables. As in POSIX, a descriptor points to an open
// file description — the scheme, the scheme's handle, the open flags and the offset — and
// dup, dup2 and spawn share the description (and so the offset); the scheme's handle is
// closed when the last descriptor referring to it goes.

import { E, type Result } from '../abi/errno.js';
import { FD_CLOEXEC } from '../abi/flags.js';
import { params } from './params.js';
import type { Scheme } from './scheme.js';

export class FileDescription {
  refs = 0;
  offset = 0;
  constructor(
    readonly scheme: Scheme,
    readonly handle: number,
    public flags: number,
    /** The canonical path it was opened by (`/scheme/NAME/ref`), for openat and fpath. */
    readonly path: string,
    readonly stream: boolean,
    readonly ring: { id: number; end: number } | null,
  ) {}
}

export interface FdEntry {
  desc: FileDescription;
  fdflags: number;
}

export class FdTable {
  private fds: (FdEntry | undefined)[] = [];
  /** Told of every descriptor that goes (closed, replaced by dup2), before its reference does. */
  onDrop: ((d: FileDescription) => void) | null = null;
  /** Called with a description whose last reference went away. */
  constructor(private readonly release: (d: FileDescription) => void) {}

  get(fd: number): FdEntry | undefined {
    return Number.isInteger(fd) && fd >= 0 ? this.fds[fd] : undefined;
  }

  /** Installs at the lowest free number >= min. */
  install(desc: FileDescription, fdflags = 0, min = 0): Result<number> {
    for (let fd = min; fd < params.maxFds; fd++) {
      if (this.fds[fd] === undefined) {
        this.set(fd, desc, fdflags);
        return fd;
      }
    }
    return E.EMFILE;
  }

  /** Installs at exactly `fd`, closing what was there. */
  set(fd: number, desc: FileDescription, fdflags = 0): void {
    desc.refs++;
    const old = this.fds[fd];
    this.fds[fd] = { desc, fdflags };
    if (old) {
      this.onDrop?.(old.desc);
      this.unref(old.desc);
    }
  }

  close(fd: number): Result<0> {
    const e = this.get(fd);
    if (!e) return E.EBADF;
    this.fds[fd] = undefined;
    this.onDrop?.(e.desc);
    this.unref(e.desc);
    return 0;
  }

  closeAll(): void {
    for (let fd = 0; fd < this.fds.length; fd++) if (this.fds[fd]) this.close(fd);
    this.fds = [];
  }

  closeOnExec(): void {
    for (let fd = 0; fd < this.fds.length; fd++) if (this.fds[fd] && this.fds[fd]!.fdflags & FD_CLOEXEC) this.close(fd);
  }

  entries(): [number, FdEntry][] {
    const out: [number, FdEntry][] = [];
    this.fds.forEach((e, fd) => e && out.push([fd, e]));
    return out;
  }

  get count(): number {
    let n = 0;
    for (const e of this.fds) if (e) n++;
    return n;
  }

  private unref(d: FileDescription): void {
    if (--d.refs === 0) this.release(d);
  }
}
