// The state of one WASI process inside its worker: the syscall client, the pipe-ring fast
// path, the program's memory, and the descriptor table the WASI layer keeps beside the
// kernel's. Descriptor numbers are the kernel's own (WASI fd N is kernel fd N), so pipes,
// dup2 and spawn's fd mapping mean the same thing to a C program, its children and the
// kernel; this table only adds what WASI has and the kernel does not (rights, the preopen
// names, the file type). Entries are made lazily for descriptors the program inherited or
// got from the `macrohard` module, by asking the kernel (fcntl F_GETFL + fstat) once.
//
// Small writes to regular files are gathered in one write-behind buffer and reach the kernel
// in one call. The buffer is flushed before any other syscall and any pipe-ring operation, so
// every effect another process can observe keeps its order; only a reader racing a program
// that computes without making calls sees the bytes later (as with a page cache on the way
// out). A flush that fails reports its error on the next call on that descriptor.

import { DATA_SIZE } from '../../abi/channel.js';
import { F, FD_CLOEXEC, O, S } from '../../abi/flags.js';
import { readStat, type Stat } from '../../abi/stat.js';
import { Sys } from '../../abi/syscall.js';
import { ProcessEnded, SyscallClient } from '../channel.js';
import { RingTable } from '../rings.js';
import { Filetype, RIGHTS_ALL, RIGHTS_DIR, RIGHTS_FILE, RIGHTS_NEED_READ, RIGHTS_NEED_WRITE, RIGHTS_SOCKET, RIGHTS_STREAM } from './constants.js';
import { toWasi, WasiErrno, WasiError } from './errno.js';
import type { SockState } from './socket.js';

export interface FdEntry {
  fd: number;
  filetype: number;
  rightsBase: number;
  rightsInheriting: number;
  /** WASI fdflags (APPEND, DSYNC, NONBLOCK, RSYNC, SYNC). */
  fdflags: number;
  /** The descriptor's canonical absolute path, when known (directories always). */
  path: string | null;
  /** For a preopened directory: the name fd_prestat_dir_name reports. */
  preopen: string | null;
  /** For a socket made by `macrohard.socket`: its BSD state (socket.ts). */
  sock?: SockState;
}

/** Writes shorter than this to regular files go through the write-behind buffer. */
const SMALL_WRITE = 4096;
const WBUF_SIZE = 64 * 1024;

let sharedWbuf: Uint8Array | null = null;

/** Calls whose first argument is a descriptor the kernel must really hold (see `unopened`). */
const ON_FD = new Set<number>([
  Sys.read, Sys.write, Sys.seek, Sys.fstat, Sys.fsync, Sys.ftruncate, Sys.getdents, Sys.dup, Sys.dup2,
  Sys.fcntl, Sys.fpath, Sys.fchmod, Sys.fchown, Sys.futimens, Sys.statvfs, Sys.lock, Sys.flock,
]);

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

export function filetypeOf(mode: number): number {
  switch (mode & S.IFMT) {
    case S.IFDIR: return Filetype.DIRECTORY;
    case S.IFREG: return Filetype.REGULAR_FILE;
    case S.IFCHR: return Filetype.CHARACTER_DEVICE;
    case S.IFBLK: return Filetype.BLOCK_DEVICE;
    case S.IFLNK: return Filetype.SYMBOLIC_LINK;
    case S.IFSOCK: return Filetype.SOCKET_STREAM;
    default: return Filetype.UNKNOWN; // pipes, and objects a scheme does not describe
  }
}

/** The rights a descriptor of this type and access mode can ever have. */
export function rightsFor(filetype: number, accmode: number): number {
  let r: number;
  if (filetype === Filetype.DIRECTORY) return RIGHTS_DIR;
  else if (filetype === Filetype.REGULAR_FILE || filetype === Filetype.BLOCK_DEVICE) r = RIGHTS_FILE;
  else if (filetype === Filetype.SOCKET_STREAM || filetype === Filetype.SOCKET_DGRAM) r = RIGHTS_SOCKET;
  // A pipe gets seek and tell so lseek fails as POSIX says (ESPIPE, from the kernel); a
  // terminal must not have them, since that is how wasi-libc's isatty recognises one.
  else r = filetype === Filetype.CHARACTER_DEVICE ? RIGHTS_STREAM : RIGHTS_STREAM | (1 << 2) | (1 << 5);
  if (accmode === O.RDONLY) r &= ~RIGHTS_NEED_WRITE;
  if (accmode === O.WRONLY) r &= ~RIGHTS_NEED_READ;
  return r;
}

export class WasiContext {
  readonly client: SyscallClient;
  readonly rings: RingTable;
  readonly fds = new Map<number, FdEntry>();
  memory: WebAssembly.Memory | null = null;
  /** The program's indirect function table, for signal handlers installed through `macrohard`. */
  table: WebAssembly.Table | null = null;
  /** Signal number -> function table index of its handler. */
  readonly handlers = new Map<number, number>();
  private buf: ArrayBuffer | null = null;
  private u8cache = new Uint8Array(0);
  private dvcache = new DataView(new ArrayBuffer(0));
  /** One buffer per thread, reused by each process it runs: allocating 64 KiB costs ~20 µs. */
  private readonly wbuf = (sharedWbuf ??= new Uint8Array(WBUF_SIZE));
  private wfd = -1;
  private wlen = 0;
  private readonly deferredErrors = new Map<number, number>();
  private inHandlers = false;
  /**
   * Preopened directories not opened yet: descriptor -> path. Until a call needs the directory
   * itself, the number is held by a descriptor of /scheme/null, which the kernel opens without
   * asking the file daemon: most programs only ever resolve paths beneath a preopen (which the
   * runtime does by name), and the daemon's round trip was the largest part of a start-up.
   */
  readonly unopened = new Map<number, string>();
  /** The working directory as the kernel has it, while known (getcwd without a syscall). */
  cwd: string | null = null;
  /** Takes buffers the kernel posted to the thread since the program started (spare rings). */
  drain: (() => void) | null = null;
  startMs = performance.now();
  /** The process this context serves: set by `begin` when it starts (see run.ts). */
  pid = 0;
  argv: string[] = [];
  env: string[] = [];

  constructor(channel: SharedArrayBuffer) {
    this.client = new SyscallClient(channel);
    this.rings = new RingTable(this.client.view.ctl, () => this.pid);
    this.client.onSignals = () => this.runHandlers();
  }

  /** Binds the context, built while its thread waited, to the process starting on it. */
  begin(pid: number, argv: string[], env: string[]): void {
    this.pid = pid;
    this.argv = argv;
    this.env = env;
    this.startMs = performance.now();
  }

  // ---- memory -------------------------------------------------------------------------------

  private refresh(): void {
    const b = this.memory!.buffer;
    if (b !== this.buf) {
      this.buf = b;
      this.u8cache = new Uint8Array(b);
      this.dvcache = new DataView(b);
      Atomics.store(this.client.view.ctl, 10 /* Ctl.MEMKB */, b.byteLength >>> 10);
    }
  }
  u8(): Uint8Array {
    this.refresh();
    return this.u8cache;
  }
  dv(): DataView {
    this.refresh();
    return this.dvcache;
  }
  /** Bounds-checked view of program memory; EFAULT when it is outside. */
  bytes(ptr: number, len: number): Uint8Array {
    const m = this.u8();
    ptr >>>= 0;
    len >>>= 0;
    if (ptr + len > m.length) throw new WasiError(WasiErrno.EFAULT);
    return m.subarray(ptr, ptr + len);
  }
  str(ptr: number, len: number): string {
    return utf8Decoder.decode(this.bytes(ptr, len));
  }
  /** A NUL-terminated C string. */
  cstr(ptr: number): string {
    const m = this.u8();
    let end = ptr >>> 0;
    while (end < m.length && m[end] !== 0) end++;
    if (end >= m.length) throw new WasiError(WasiErrno.EFAULT);
    return utf8Decoder.decode(m.subarray(ptr >>> 0, end));
  }
  /** A NULL-terminated array of C strings (argv, envp). */
  cstrs(ptr: number): string[] {
    const out: string[] = [];
    const dv = this.dv();
    for (let p = ptr >>> 0; ; p += 4) {
      if (p + 4 > dv.byteLength) throw new WasiError(WasiErrno.EFAULT);
      const s = dv.getUint32(p, true);
      if (s === 0) return out;
      out.push(this.cstr(s));
    }
  }

  // ---- syscalls -----------------------------------------------------------------------------

  /** One kernel call; flushes the write-behind buffer first so effects keep their order. */
  call(nr: number, a0 = 0, a1 = 0, a2 = 0, a3 = 0, input: Uint8Array | null = null, inLen = 0): number {
    if (this.wlen > 0) this.flush();
    if (this.unopened.size > 0) this.beforeCall(nr, a0, a1, input === null ? inLen : 0);
    return this.client.call(nr, a0, a1, a2, a3, input, inLen);
  }

  /** Opens an unopened preopen the call is about to use; forgets one it closes or replaces. */
  private beforeCall(nr: number, a0: number, a1: number, inPlace: number): void {
    if (nr === Sys.close) this.unopened.delete(a0);
    else if (nr === Sys.dup2 && a1 !== a0) this.unopened.delete(a1);
    if (!ON_FD.has(nr) || !this.unopened.has(a0)) return;
    // A payload the caller built in the data area must survive the calls made meanwhile.
    const saved = inPlace > 0 ? this.client.data.slice(0, inPlace) : null;
    this.openPreopen(a0);
    if (saved) this.client.data.set(saved);
  }

  /** Replaces an unopened preopen's placeholder with the directory itself (if it opens). */
  openPreopen(fd: number): void {
    const name = this.unopened.get(fd);
    if (name === undefined) return;
    this.unopened.delete(fd);
    const real = this.openDirectory(name);
    if (real < 0) return; // the placeholder stays, as for a root with no file daemon behind it
    this.client.call(Sys.dup2, real, fd);
    this.client.call(Sys.fcntl, fd, F.SETFD, FD_CLOEXEC);
    this.client.call(Sys.close, real);
  }

  /** Opens a directory to preopen, close-on-exec: as a directory, else as an object (O_PATH). */
  openDirectory(name: string): number {
    const path = utf8Encoder.encode(name);
    for (;;) {
      let fd = this.client.call(Sys.open, O.RDONLY | O.DIRECTORY | O.CLOEXEC, 0, 0, 0, path);
      if (fd < 0 && fd !== -4) fd = this.client.call(Sys.open, O.PATH | O.CLOEXEC, 0, 0, 0, path);
      if (fd !== -4 /* EINTR: handlers have run */) return fd;
    }
  }

  /** A call whose failure becomes a WasiError; returns the non-negative result. */
  must(nr: number, a0 = 0, a1 = 0, a2 = 0, a3 = 0, input: Uint8Array | null = null): number {
    for (;;) {
      const r = this.call(nr, a0, a1, a2, a3, input);
      if (r === -4 /* EINTR: handlers have run */) continue;
      if (r < 0) throw new WasiError(toWasi(r));
      return r;
    }
  }

  /**
   * `must` for a call whose payload is a path, encoded straight into the channel (a stat's
   * path is otherwise encoded into a new array and then copied there).
   */
  mustPath(nr: number, a0: number, path: string): number {
    if (this.wlen > 0) this.flush();
    for (;;) {
      const { read, written } = utf8Encoder.encodeInto(path, this.client.data);
      if (read !== path.length) throw new WasiError(WasiErrno.ENAMETOOLONG);
      const r = this.call(nr, a0, 0, 0, 0, null, written);
      if (r === -4 /* EINTR: handlers have run, and may have used the channel */) continue;
      if (r < 0) throw new WasiError(toWasi(r));
      return r;
    }
  }

  pathBytes(path: string): Uint8Array {
    const b = utf8Encoder.encode(path);
    if (b.length > DATA_SIZE) throw new WasiError(WasiErrno.ENAMETOOLONG);
    return b;
  }

  fstat(fd: number): Stat {
    this.must(Sys.fstat, fd);
    return readStat(this.client.data)!;
  }

  // ---- write-behind buffer --------------------------------------------------------------------

  /**
   * Takes a small write to a regular file (`total` bytes gathered from the iovec array at
   * `iovs` in program memory) into the buffer; false if it must go to the kernel now.
   */
  buffered(e: FdEntry, iovs: number, count: number, total: number): boolean {
    if (total >= SMALL_WRITE || e.filetype !== Filetype.REGULAR_FILE || e.fdflags & (2 | 8 | 16)) return false;
    if (this.wfd !== e.fd || this.wlen + total > WBUF_SIZE) {
      if (this.wlen > 0) this.flush();
      this.wfd = e.fd;
    }
    const dv = this.dv();
    const m = this.u8cache;
    for (let i = 0; i < count; i++) {
      const p = dv.getUint32(iovs + i * 8, true);
      const n = dv.getUint32(iovs + i * 8 + 4, true);
      if (p + n > m.length) throw new WasiError(WasiErrno.EFAULT);
      this.wbuf.set(m.subarray(p, p + n), this.wlen);
      this.wlen += n;
    }
    return true;
  }

  /** Whether bytes wait in the write-behind buffer. */
  get pending(): boolean {
    return this.wlen > 0;
  }

  flush(): void {
    const fd = this.wfd;
    let off = 0;
    const len = this.wlen;
    this.wlen = 0;
    while (off < len) {
      const chunk = this.wbuf.subarray(off, len);
      this.client.data.set(chunk);
      const r = this.client.call(Sys.write, fd, -1, 0, 0, null, chunk.length);
      if (r === -4) continue;
      if (r <= 0) {
        this.deferredErrors.set(fd, r < 0 ? toWasi(r) : WasiErrno.EIO);
        return;
      }
      off += r;
    }
  }

  /** Flushes, and reports a failed flush of `fd`'s earlier writes. */
  settle(fd: number): void {
    if (this.wlen > 0) this.flush();
    const err = this.deferredErrors.get(fd);
    if (err !== undefined) {
      this.deferredErrors.delete(fd);
      throw new WasiError(err);
    }
  }

  /** Reports a failed earlier flush of `fd` without flushing now. */
  deferred(fd: number): void {
    if (this.deferredErrors.size === 0) return;
    const err = this.deferredErrors.get(fd);
    if (err !== undefined) {
      this.deferredErrors.delete(fd);
      throw new WasiError(err);
    }
  }

  /** Drops buffered bytes for a descriptor that is going away after a failed flush. */
  forgetFd(fd: number): void {
    this.fds.delete(fd);
    this.rings.forget(fd);
    this.deferredErrors.delete(fd);
  }

  // ---- descriptors --------------------------------------------------------------------------

  /** The entry for `fd`, made on first use from what the kernel knows; EBADF if none. */
  entry(fd: number): FdEntry {
    const e = this.fds.get(fd);
    if (e) return e;
    if (!(fd >= 0 && fd < 1 << 20)) throw new WasiError(WasiErrno.EBADF);
    const fl = this.client.call(Sys.fcntl, fd, F.GETFL, 0);
    if (fl < 0) throw new WasiError(WasiErrno.EBADF);
    let filetype: number = Filetype.UNKNOWN;
    if (!this.rings.get(fd)) {
      const r = this.client.call(Sys.fstat, fd);
      if (r >= 0) filetype = filetypeOf(readStat(this.client.data)!.mode);
    }
    const rights = rightsFor(filetype, fl & O.ACCMODE);
    const ne: FdEntry = {
      fd, filetype, rightsBase: rights, rightsInheriting: filetype === Filetype.DIRECTORY ? RIGHTS_ALL : 0,
      fdflags: (fl & O.APPEND ? 1 : 0) | (fl & O.NONBLOCK ? 4 : 0), path: null, preopen: null,
    };
    this.fds.set(fd, ne);
    return ne;
  }

  /** The entry, checked for `rights` (ENOTCAPABLE when it lacks them). */
  need(fd: number, rights: number): FdEntry {
    const e = this.entry(fd);
    const lacking = rights & ~e.rightsBase;
    if (lacking !== 0) {
      // Reading or writing a descriptor not open for it is EBADF in POSIX, EISDIR for a directory.
      if (lacking & (1 << 1 | 1 << 6)) throw new WasiError(e.filetype === Filetype.DIRECTORY ? WasiErrno.EISDIR : WasiErrno.EBADF);
      throw new WasiError(WasiErrno.ENOTCAPABLE);
    }
    return e;
  }

  // ---- signals ------------------------------------------------------------------------------

  /** Runs the program's handlers for pending signals (after any call that saw them flagged). */
  runHandlers(): void {
    if (this.inHandlers) return;
    this.inHandlers = true;
    try {
      const mask = this.client.call(Sys.sigtake) >>> 0;
      for (let sig = 1; sig < 32; sig++) {
        if (!(mask & (1 << (sig - 1)))) continue;
        const idx = this.handlers.get(sig);
        const fn = idx !== undefined ? this.table?.get(idx) : undefined;
        if (typeof fn === 'function') (fn as (s: number) => void)(sig);
      }
    } finally {
      this.inHandlers = false;
    }
  }

  /** Ends the process (never returns: the kernel releases the thread and the call throws). */
  exit(code: number): never {
    if (this.wlen > 0) this.flush();
    this.client.call(Sys.exit, code & 0xff);
    throw new ProcessEnded();
  }
}
