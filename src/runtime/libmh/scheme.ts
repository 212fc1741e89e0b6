// Serving a scheme from a TypeScript daemon: reads batches of requests from the descriptor
// schemeCreate returned, calls the handler's method for each, and writes the replies back in
// one batch (protocol in src/abi/scheme.ts); run() gives each batch's replies with its next
// read, one scheme_serve call per batch. A handler method answers with a value or throws
// MhError; it may also return DEFER and answer later with `server.reply(...)`, so a daemon
// can hold a request (a read with no data yet) while it serves others. A method that meets a
// symbolic link leading out of the scheme throws `{ redirect: '/scheme/...' }` (see Redirect).

import { DATA_SIZE } from '../../abi/channel.js';
import { Errno } from '../../abi/errno.js';
import { Op, parseRequests, putReply, REPLY_HEADER, ReplyKind, replySize, type Request } from '../../abi/scheme.js';
import { writeStat, STAT_BYTES, type Stat } from '../../abi/stat.js';
import { STATVFS_BYTES, writeStatVfs, type StatVfs } from '../../abi/statvfs.js';

export type { StatVfs };
import { decodeUtf8 } from '../../abi/utf8.js';
import { WireReader } from '../../abi/wire.js';
import { MhError } from './error.js';
import { write } from './fs.js';
import { proc } from './process.js';

export const DEFER: unique symbol = Symbol('defer');
export type Deferred = typeof DEFER;

export interface Caller {
  pid: number;
  uid: number;
  gid: number;
  tag: number;
}

export interface OpenResult {
  handle: number;
  stream?: boolean;
}

/** The operations a scheme may serve; the ones it leaves out answer EOPNOTSUPP (or EBADF). */
export interface SchemeHandler {
  open?(path: string, flags: number, mode: number, c: Caller): OpenResult | number | Deferred;
  read?(handle: number, offset: number, len: number, c: Caller): Uint8Array | Deferred;
  /** Answers the count, or [count, position after] for appends (offset -1). */
  write?(handle: number, offset: number, data: Uint8Array, c: Caller): number | [number, number] | Deferred;
  fstat?(handle: number, c: Caller): Stat;
  fsync?(handle: number, c: Caller): void;
  ftruncate?(handle: number, len: number, c: Caller): void;
  close?(handle: number): void;
  /** Entries after `cookie`, as packed dirent records, and the cookie to continue from. */
  getdents?(handle: number, cookie: number, max: number, c: Caller): [Uint8Array, number];
  dup?(handle: number, sub: string, c: Caller): OpenResult | number | Deferred;
  mkdir?(path: string, mode: number, c: Caller): void;
  rmdir?(path: string, c: Caller): void;
  unlink?(path: string, c: Caller): void;
  rename?(from: string, to: string, c: Caller): void;
  link?(from: string, to: string, c: Caller): void;
  symlink?(target: string, path: string, c: Caller): void;
  readlink?(path: string, c: Caller): string;
  chmod?(path: string, mode: number, c: Caller): void;
  chown?(path: string, uid: number, gid: number, c: Caller): void;
  utimens?(path: string, atimeMs: number, mtimeMs: number, c: Caller): void;
  stat?(path: string, nofollow: boolean, c: Caller): Stat;
  fchmod?(handle: number, mode: number, c: Caller): void;
  fchown?(handle: number, uid: number, gid: number, c: Caller): void;
  futimens?(handle: number, atimeMs: number, mtimeMs: number, c: Caller): void;
  statvfs?(handle: number, c: Caller): StatVfs;
  cancel?(tag: number): void;
}

const empty = new Uint8Array(0);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

export class SchemeServer {
  private buf = new Uint8Array(DATA_SIZE);
  /**
   * Replies not yet written, packed as the kernel reads them: a serving loop answers many
   * requests a second, so they are built in place rather than allocated one by one.
   */
  private outBuf = new Uint8Array(DATA_SIZE);
  private outPos = 0;
  private readonly outView = new DataView(this.outBuf.buffer);
  /** Scratch for a Stat record on its way into a reply. */
  private statBuf = new Uint8Array(STAT_BYTES);
  /** Set (by a signal handler, say) to make run() return after the batch in hand. */
  stopping = false;
  /**
   * Called after each batch: a daemon's periodic work (committing, say). Under run() the batch's
   * replies are still in hand then: they go out with the next read.
   */
  afterBatch: (() => void) | null = null;

  constructor(readonly fd: number, private readonly h: SchemeHandler) {}

  /** Serves until the scheme's descriptor reports end of file, or `stopping` is set. */
  run(): void {
    // A batch's replies wait to go with the next read: one call per batch, not two.
    while (!this.stopping && this.serve(true)) {
      this.afterBatch?.();
    }
    this.flush();
  }

  /**
   * Reads one batch of requests (blocking) and answers it; false at end of file, or when a
   * signal interrupted the wait and its handler set `stopping`.
   */
  serveOnce(): boolean {
    return this.serve(false);
  }

  /** One batch; with `hold`, its replies stay in hand for the next call to give. */
  private serve(hold: boolean): boolean {
    const p = proc();
    let n: number;
    for (;;) {
      if (this.outPos > 0) {
        // The replies in hand are given with this read; the kernel takes them even when the
        // read is then interrupted.
        const given = this.outPos;
        this.outPos = 0;
        n = p.sys.scheme_serve(this.fd, this.buf.length, 0, 0, this.outBuf.subarray(0, given));
      } else n = p.sys.read(this.fd, this.buf.length, -1);
      if (n !== -Errno.EINTR) break;
      if (this.stopping) return false;
    }
    if (n < 0) throw new MhError(-n, 'scheme read');
    if (n === 0) return false;
    this.buf.set(p.client.data.subarray(0, n));
    const reqs = parseRequests(this.buf.subarray(0, n));
    if (!reqs) throw new Error('scheme: malformed request batch from the kernel');
    for (const r of reqs) this.handle(r);
    if (!hold) this.flush();
    return true;
  }

  /** Answers a deferred request. */
  reply(tag: number, result: number, payload: Uint8Array = empty, aux = 0): void {
    this.put(tag, ReplyKind.VALUE, result, aux, payload);
  }

  /** Tells the kernel a handle's readiness changed (for the event scheme). */
  notify(handle: number, ready: number): void {
    this.put(0, ReplyKind.EVENT, ready, handle, empty);
  }

  private put(tag: number, kind: number, result: number, aux: number, payload: Uint8Array): void {
    const size = replySize(payload.length);
    if (this.outPos + size > this.outBuf.length) {
      this.flush();
      if (size > this.outBuf.length) {
        // Larger than a channel's data area: it goes in a write of its own.
        const b = new Uint8Array(size);
        putReply(b, 0, { tag, kind, result, aux, payload });
        write(this.fd, b);
        return;
      }
    }
    // Written in place: a reply object and a DataView per reply cost more than the reply.
    const at = this.outPos;
    const v = this.outView;
    v.setUint32(at, tag, true);
    v.setUint32(at + 4, kind, true);
    v.setUint32(at + 8, payload.length, true);
    v.setUint32(at + 12, 0, true);
    v.setFloat64(at + 16, result, true);
    v.setFloat64(at + 24, aux, true);
    if (payload.length > 0) this.outBuf.set(payload, at + REPLY_HEADER);
    this.outPos = at + size;
  }

  /** Writes the replies in hand: one write, since they fit a channel's data area. */
  flush(): void {
    if (this.outPos === 0) return;
    const n = this.outPos;
    this.outPos = 0;
    write(this.fd, this.outBuf.subarray(0, n));
  }

  private handle(r: Request): void {
    const c: Caller = { pid: r.pid, uid: r.uid, gid: r.gid, tag: r.tag };
    if (r.opcode === Op.CLOSE) {
      this.h.close?.(r.handle);
      return;
    }
    if (r.opcode === Op.CANCEL) {
      this.h.cancel?.(r.arg0);
      return;
    }
    try {
      const a = this.dispatch(r, c);
      if (a === DEFER) return;
      this.reply(r.tag, a[0], a[1] ?? empty, a[2] ?? 0);
    } catch (e) {
      // A path that left the scheme through a symbolic link: the kernel goes on with it.
      const redirect = (e as { redirect?: unknown } | null)?.redirect;
      if (typeof redirect === 'string') {
        this.put(r.tag, ReplyKind.REDIRECT, 0, 0, enc(redirect));
        return;
      }
      // Any error carrying an errno (MhError, or a daemon's own copy of it) is an answer.
      const errno = (e as { errno?: unknown } | null)?.errno;
      if (typeof errno === 'number' && errno > 0) this.reply(r.tag, -errno);
      else {
        this.reply(r.tag, -Errno.EIO);
        throw e;
      }
    }
  }

  private path(r: Request): string {
    return decodeUtf8(r.payload) ?? unsupported(Errno.EINVAL);
  }

  private two(r: Request): [string, string] {
    const w = new WireReader(r.payload);
    const a = w.str();
    const b = w.str();
    if (a === null || b === null) unsupported(Errno.EINVAL);
    return [a!, b!];
  }

  private stat(s: Stat): [number, Uint8Array] {
    // Copied into the reply before the next request is handled.
    writeStat(this.statBuf, s);
    return [0, this.statBuf];
  }

  private dispatch(r: Request, c: Caller): [number, Uint8Array?, number?] | Deferred {
    const h = this.h;
    switch (r.opcode) {
      case Op.OPEN:
        return opened(need(h.open).call(h, this.path(r), r.arg0, r.arg1, c));
      case Op.READ: {
        const d = need(h.read, Errno.EBADF).call(h, r.handle, r.arg0, r.arg1, c);
        return d === DEFER ? DEFER : [d.length, d];
      }
      case Op.WRITE: {
        const n = need(h.write, Errno.EBADF).call(h, r.handle, r.arg0, r.payload, c);
        if (n === DEFER) return DEFER;
        return typeof n === 'number' ? [n] : [n[0], empty, n[1]];
      }
      case Op.FSTAT:
        return this.stat(need(h.fstat, Errno.EBADF).call(h, r.handle, c));
      case Op.FSYNC:
        h.fsync?.(r.handle, c);
        return [0];
      case Op.FTRUNCATE:
        need(h.ftruncate, Errno.EINVAL).call(h, r.handle, r.arg0, c);
        return [0];
      case Op.GETDENTS: {
        const [d, next] = need(h.getdents, Errno.ENOTDIR).call(h, r.handle, r.arg0, r.arg1, c);
        return [d.length, d, next];
      }
      case Op.DUP:
        return opened(need(h.dup).call(h, r.handle, this.path(r), c));
      case Op.MKDIR:
        need(h.mkdir).call(h, this.path(r), r.arg0, c);
        return [0];
      case Op.RMDIR:
        need(h.rmdir).call(h, this.path(r), c);
        return [0];
      case Op.UNLINK:
        need(h.unlink).call(h, this.path(r), c);
        return [0];
      case Op.RENAME:
        need(h.rename).call(h, ...this.two(r), c);
        return [0];
      case Op.LINK:
        need(h.link).call(h, ...this.two(r), c);
        return [0];
      case Op.SYMLINK:
        need(h.symlink).call(h, ...this.two(r), c);
        return [0];
      case Op.READLINK: {
        const t = enc(need(h.readlink, Errno.EINVAL).call(h, this.path(r), c));
        return [t.length, t];
      }
      case Op.CHMOD:
        need(h.chmod).call(h, this.path(r), r.arg0, c);
        return [0];
      case Op.CHOWN:
        need(h.chown).call(h, this.path(r), r.arg0, r.arg1, c);
        return [0];
      case Op.UTIMENS:
        need(h.utimens).call(h, this.path(r), r.arg0, r.arg1, c);
        return [0];
      case Op.STAT:
        return this.stat(need(h.stat).call(h, this.path(r), r.arg0 === 1, c));
      case Op.FCHMOD:
        need(h.fchmod).call(h, r.handle, r.arg0, c);
        return [0];
      case Op.FCHOWN:
        need(h.fchown).call(h, r.handle, r.arg0, r.arg1, c);
        return [0];
      case Op.FUTIMENS:
        need(h.futimens).call(h, r.handle, r.arg0, r.arg1, c);
        return [0];
      case Op.STATVFS: {
        const b = new Uint8Array(STATVFS_BYTES);
        writeStatVfs(b, need(h.statvfs).call(h, r.handle, c));
        return [0, b];
      }
      default:
        return [-Errno.EOPNOTSUPP];
    }
  }
}

function opened(o: OpenResult | number | Deferred): [number, Uint8Array?, number?] | Deferred {
  if (o === DEFER) return DEFER;
  if (typeof o === 'number') return [o];
  return [o.handle, empty, o.stream ? 1 : 0];
}

function need<F>(f: F | undefined, errno: number = Errno.EOPNOTSUPP): F {
  if (!f) throw new MhError(errno, 'scheme');
  return f;
}

function unsupported(errno: number): never {
  throw new MhError(errno, 'scheme');
}

/** Thrown by a handler when a path leaves the scheme through a link to `/scheme/...`. */
export class Redirect extends Error {
  constructor(readonly redirect: string) {
    super(`redirect to ${redirect}`);
  }
}
