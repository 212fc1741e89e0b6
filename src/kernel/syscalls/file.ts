// Descriptor calls: open, read, write, seek and the rest that act on an open file.

import { E, isErr, Redirect, type Result } from '../../abi/errno.js';
import { canRead, canWrite, F, FD_CLOEXEC, O, SEEK } from '../../abi/flags.js';
import { Sig } from '../../abi/signal.js';
import { writeStat } from '../../abi/stat.js';
import { writeStatVfs } from '../../abi/statvfs.js';
import { utf8 } from '../../abi/wire.js';
import type { Call } from '../call.js';
import type { Kernel } from '../kernel.js';
import { beneath, splitScheme } from '../namespace.js';
import type { Process } from '../process.js';
import type { Answer, Opened, Scheme } from '../scheme.js';
import { Completion } from '../completion.js';
import { SchemeControl } from '../schemes/user.js';
import { WouldBlock } from '../waitqueue.js';
import { desc, intArg, nonblock, pathArg, then } from './util.js';

function install(k: Kernel, p: Process, scheme: Scheme, o: Opened, flags: number, path: string): number | import('../../abi/errno.js').Err {
  const d = o.desc ?? k.describe(scheme, o, flags & ~(O.CLOEXEC | O.CREAT | O.EXCL | O.TRUNC), path);
  const fd = p.fds.install(d, flags & O.CLOEXEC ? FD_CLOEXEC : 0);
  if (isErr(fd) && d.refs === 0) k.release(d);
  return fd;
}

/** Links out of a scheme followed in one open, as Linux's limit on symlinks in a lookup. */
const MAX_REDIRECTS = 8;

export function open(k: Kernel, p: Process, c: Call) {
  const path = pathArg(c);
  if (isErr(path)) return path;
  const flags = intArg(c, 0);
  const mode = intArg(c, 1);
  if (isErr(flags)) return flags;
  if (isErr(mode)) return mode;
  return openPath(k, p, path, flags, mode & ~p.umask & 0o7777, 0);
}

/** Opens a path, going on where a scheme redirects (a link from /dev/null to /scheme/null). */
function openPath(k: Kernel, p: Process, path: string, flags: number, mode: number, depth: number): Answer<number> {
  const r = k.resolve(p, path);
  if (isErr(r)) return r;
  const next = (o: Result<Opened>): Answer<number> => {
    if (o instanceof Redirect) return depth >= MAX_REDIRECTS ? E.ELOOP : openPath(k, p, o.path, flags, mode, depth + 1);
    return isErr(o) ? o : install(k, p, r.scheme, o, flags, r.canonical);
  };
  const a = r.scheme.open(r.ref, flags, mode, p.caller());
  if (a instanceof Completion) return (a as Completion<Result<Opened>>).map((o) => settleNow(next(o)));
  if (a instanceof Promise) return a.then((o) => settleNow(next(o)));
  if (a instanceof WouldBlock) return a;
  return next(a);
}

/** A nested answer inside a promise: promises flatten; a wait cannot happen on this path. */
function settleNow(a: Answer<number>): Result<number> | Promise<Result<number>> {
  return a instanceof WouldBlock ? E.EAGAIN : a;
}

/** Opens relative to a held directory: what is beneath it, and nothing above. */
export function openat(k: Kernel, p: Process, c: Call) {
  const dir = desc(p, c, 0);
  if (isErr(dir)) return dir;
  const path = pathArg(c);
  if (isErr(path)) return path;
  const flags = intArg(c, 1);
  const mode = intArg(c, 2);
  if (isErr(flags)) return flags;
  if (isErr(mode)) return mode;
  const canonical = beneath(dir.path, path);
  if (isErr(canonical)) return canonical;
  const r = splitScheme(canonical);
  if (r.scheme !== dir.scheme.name || dir.scheme.dead) return E.EXDEV;
  return then(dir.scheme.open(r.ref, flags, mode & ~p.umask & 0o7777, p.caller()), (o) => install(k, p, dir.scheme, o, flags, canonical));
}

export function close(_k: Kernel, p: Process, c: Call) {
  return p.fds.close(c.fd(0));
}

export function read(_k: Kernel, p: Process, c: Call) {
  const d = desc(p, c);
  if (isErr(d)) return d;
  if (!canRead(d.flags)) return E.EBADF;
  const len = c.int(1);
  const at = c.int(2);
  if (len === null || len < 0 || at === null) return E.EINVAL;
  if (at >= 0 && d.stream) return E.ESPIPE;
  const dst = c.outArea(len);
  const pos = at >= 0 ? at : d.offset;
  return nonblock(d, then(d.scheme.read(d.handle, dst, pos, p.caller()), (got) => {
    let n: number;
    if (typeof got === 'number') n = got;
    else {
      n = Math.min(got.length, dst.length);
      dst.set(got.subarray(0, n));
    }
    c.setOut(n);
    if (at < 0 && !d.stream) d.offset += n;
    return n;
  }));
}

export function write(k: Kernel, p: Process, c: Call) {
  const d = desc(p, c);
  if (isErr(d)) return d;
  if (!canWrite(d.flags)) return E.EBADF;
  const at = c.int(1);
  if (at === null) return E.EINVAL;
  if (at >= 0 && d.stream) return E.ESPIPE;
  const append = at < 0 && (d.flags & O.APPEND) !== 0;
  const pos = at >= 0 ? at : append ? -1 : d.offset;
  const a = nonblock(d, then(d.scheme.write(d.handle, c.input(), pos, p.caller()), (n) => {
    if (at < 0 && !d.stream) {
      const end = append ? d.scheme.appendPosition(d.handle) : -1;
      d.offset = end >= 0 ? end : d.offset + n;
    }
    return n;
  }));
  if (a === E.EPIPE) k.signal(p, Sig.SIGPIPE);
  return a;
}

/**
 * A daemon's replies and its next read in one call: the replies are taken (and their callers
 * answered) before the read writes requests over the same data area.
 */
export function scheme_serve(_k: Kernel, p: Process, c: Call) {
  const d = desc(p, c);
  if (isErr(d)) return d;
  if (!(d.scheme instanceof SchemeControl)) return E.EINVAL;
  const len = c.int(1);
  if (len === null || len < 0) return E.EINVAL;
  if (c.inLen > 0) {
    const given = d.scheme.user.push(c.input());
    if (isErr(given)) return given;
    c.consumeInput();
  }
  const dst = c.outArea(len);
  return nonblock(d, then(d.scheme.user.pull(dst), (n) => {
    c.setOut(n);
    return n;
  }));
}

export function seek(_k: Kernel, p: Process, c: Call) {
  const d = desc(p, c);
  if (isErr(d)) return d;
  if (d.stream) return E.ESPIPE;
  const off = c.int(1);
  const whence = c.int(2);
  if (off === null || whence === null) return E.EINVAL;
  const set = (base: number) => {
    const pos = base + off;
    if (pos < 0 || !Number.isSafeInteger(pos)) return E.EINVAL;
    d.offset = pos;
    return pos;
  };
  switch (whence) {
    case SEEK.SET: return set(0);
    case SEEK.CUR: return set(d.offset);
    case SEEK.END: return then(d.scheme.fstat(d.handle), (st) => set(st.size));
    default: return E.EINVAL;
  }
}

export function fstat(_k: Kernel, p: Process, c: Call) {
  const d = desc(p, c);
  if (isErr(d)) return d;
  return then(d.scheme.fstat(d.handle), (st) => {
    c.setOut(writeStat(c.outArea(), st));
    return 0;
  });
}

export function fsync(_k: Kernel, p: Process, c: Call) {
  const d = desc(p, c);
  return isErr(d) ? d : d.scheme.fsync(d.handle);
}

export function ftruncate(_k: Kernel, p: Process, c: Call) {
  const d = desc(p, c);
  if (isErr(d)) return d;
  const len = c.int(1);
  if (len === null || len < 0) return E.EINVAL;
  if (!canWrite(d.flags)) return E.EINVAL;
  return d.scheme.ftruncate(d.handle, len);
}

export function getdents(_k: Kernel, p: Process, c: Call) {
  const d = desc(p, c);
  if (isErr(d)) return d;
  const max = c.int(1);
  if (max === null || max < 0) return E.EINVAL;
  return then(d.scheme.getdents(d.handle, c.outArea(max), d.offset), (r) => {
    d.offset = r.next;
    c.setOut(r.bytes);
    return r.bytes;
  });
}

export function dup(k: Kernel, p: Process, c: Call) {
  const d = desc(p, c);
  if (isErr(d)) return d;
  const sub = c.str();
  if (sub === null) return E.EINVAL;
  if (sub === '') return p.fds.install(d);
  return then(d.scheme.dup(d.handle, sub, p.caller()), (o) => install(k, p, d.scheme, o, d.flags & ~O.NONBLOCK, `${d.path}/${sub}`));
}

export function dup2(k: Kernel, p: Process, c: Call) {
  const d = desc(p, c);
  if (isErr(d)) return d;
  const to = c.fd(1);
  if (to < 0 || to >= 1024) return E.EBADF;
  const sub = c.str();
  if (sub === null) return E.EINVAL;
  if (sub === '') {
    if (p.fds.get(to)?.desc !== d) p.fds.set(to, d);
    return to;
  }
  return then(d.scheme.dup(d.handle, sub, p.caller()), (o) => {
    const nd = o.desc ?? k.describe(d.scheme, o, d.flags, `${d.path}/${sub}`);
    p.fds.set(to, nd);
    return to;
  });
}

export function fcntl(_k: Kernel, p: Process, c: Call) {
  const fd = c.fd(0);
  const e = p.fds.get(fd);
  if (!e) return E.EBADF;
  const cmd = c.int(1);
  const arg = c.int(2) ?? 0;
  switch (cmd) {
    case F.DUPFD:
    case F.DUPFD_CLOEXEC:
      if (arg < 0 || arg >= 1024) return E.EINVAL;
      return p.fds.install(e.desc, cmd === F.DUPFD_CLOEXEC ? FD_CLOEXEC : 0, arg);
    case F.GETFD:
      return e.fdflags;
    case F.SETFD:
      e.fdflags = arg & FD_CLOEXEC;
      return 0;
    case F.GETFL:
      return e.desc.flags;
    case F.SETFL: {
      const changeable = O.APPEND | O.NONBLOCK;
      e.desc.flags = (e.desc.flags & ~changeable) | (arg & changeable);
      return 0;
    }
    default:
      return E.EINVAL;
  }
}

export function fpath(_k: Kernel, p: Process, c: Call) {
  const d = desc(p, c);
  if (isErr(d)) return d;
  return c.out(utf8(d.path));
}

export function fchmod(_k: Kernel, p: Process, c: Call) {
  const d = desc(p, c);
  const mode = intArg(c, 1);
  if (isErr(d)) return d;
  if (isErr(mode)) return mode;
  return d.scheme.fchmod(d.handle, mode & 0o7777, p.caller());
}

export function fchown(_k: Kernel, p: Process, c: Call) {
  const d = desc(p, c);
  const uid = intArg(c, 1);
  const gid = intArg(c, 2);
  if (isErr(d)) return d;
  if (isErr(uid)) return uid;
  if (isErr(gid)) return gid;
  return d.scheme.fchown(d.handle, uid, gid, p.caller());
}

export function futimens(_k: Kernel, p: Process, c: Call) {
  const d = desc(p, c);
  if (isErr(d)) return d;
  return d.scheme.futimens(d.handle, c.arg(1), c.arg(2), p.caller());
}

export function statvfs(_k: Kernel, p: Process, c: Call) {
  const d = desc(p, c);
  if (isErr(d)) return d;
  return then(d.scheme.statvfs(d.handle), (s) => {
    c.setOut(writeStatVfs(c.outArea(), s));
    return 0;
  });
}

