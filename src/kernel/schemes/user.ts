// User schemes: a daemon registers a name with scheme_create and serves the scheme's requests
// over the descriptor it gets back (protocol in src/abi/scheme.ts). Each call on the scheme
// becomes a tagged request queued for the daemon and answered by a Completion that its reply
// settles — synchronously, inside the daemon's write, so the waiting caller is answered
// without a trip through the microtask queue; replies may come in any order. When the daemon dies, every queued and in-flight
// request fails with EIO, the name is unregistered, and the rest of the system goes on.

import { E, Err, Redirect, type Result } from '../../abi/errno.js';
import { EVENT_READ, MAX_PAYLOAD, Op, parseReplies, putRequest, ReplyKind, requestBound, type Reply, type Request } from '../../abi/scheme.js';
import { readStat, type Stat } from '../../abi/stat.js';
import { readStatVfs } from '../../abi/statvfs.js';
import { fromUtf8, WireWriter } from '../../abi/wire.js';
import type { FileDescription } from '../file.js';
import type { Kernel } from '../kernel.js';
import { params } from '../params.js';
import type { Process } from '../process.js';
import { Scheme, type Answer, type Caller, type Opened, type StatVfs } from '../scheme.js';
import { Completion, KernelBug } from '../completion.js';
import { AttrCache } from './attrcache.js';
import { shortWait, WaitQueue, wouldBlock } from '../waitqueue.js';

/**
 * A request in flight: the completion its caller waits on, and what turns the daemon's reply
 * into the caller's answer (applied inside the daemon's write, with the reply's payload still a
 * view of the daemon's channel).
 */
interface Pending {
  done: Completion<unknown>;
  map: (r: Reply) => unknown;
  /** It may change files (see AttrCache.changes): its reply ends the change. */
  changes: boolean;
}

/** Completes a request with its reply mapped; a negative result is -errno. */
function answer(p: Pending, r: Reply): void {
  let v: unknown;
  try {
    v = r.result < 0 ? new Err(-r.result) : p.map(r);
  } catch (e) {
    v = new KernelBug(e);
  }
  p.done.complete(v);
}

/** The empty payload of most requests: shared, since nothing writes into it. */
const none = new Uint8Array(0);

/** Reply aux bit on OPEN/DUP replies: the handle is a stream (no seeking, no offsets). */
export const OPEN_STREAM = 1;

export class UserScheme extends Scheme {
  /**
   * Requests not yet read by the daemon. Each is encoded only when the daemon reads it, straight
   * into the daemon's channel: a write's payload stays a view of its caller's channel (the
   * caller waits, so it cannot change) and crosses once, from one channel to the other.
   */
  private queue: Request[] = [];
  private queuedBytes = 0;
  private inflight = new Map<number, Pending>();
  private nextTag = 1;
  /** Wakes the daemon's read when requests arrive; callers' writes when the queue drains. */
  readonly requests = new WaitQueue();
  readonly room = new WaitQueue();
  private readiness = new Map<number, { ready: number; queue: WaitQueue }>();
  private appendPos = new Map<number, number>();

  /** Path stats answered by the kernel: only when the daemon registered SCHEME_COHERENT. */
  private readonly attrs: AttrCache | null;
  /** Tags of cancelled requests that may change files, whose late replies end the change. */
  private cancelledChanges = new Set<number>();

  constructor(readonly name: string, private readonly k: Kernel, readonly daemon: Process, coherent = false) {
    super();
    this.attrs = coherent ? new AttrCache() : null;
  }

  get hasRequests(): boolean {
    return this.queue.length > 0;
  }

  // ---- the daemon's side -------------------------------------------------------------------

  /** The daemon reads: as many whole requests as fit in `dst`. */
  pull(dst: Uint8Array): Answer<number> {
    if (this.dead) return 0;
    // A serving daemon reads again right after answering: the next request is usually
    // microseconds away, so its read waits the short way (spinning before it sleeps).
    if (this.queue.length === 0) return shortWait(this.requests);
    let pos = 0;
    let taken = 0;
    while (taken < this.queue.length) {
      const req = this.queue[taken]!;
      const next = putRequest(dst, pos, req);
      if (next < 0) break;
      this.queuedBytes -= requestBound(req);
      pos = next;
      taken++;
    }
    if (taken === 0) return E.EINVAL; // the daemon's buffer cannot hold one request
    this.queue.splice(0, taken);
    this.room.wake();
    return pos;
  }

  /** The daemon writes replies. */
  push(src: Uint8Array): Result<number> {
    const replies = parseReplies(src);
    if (!replies) return E.EINVAL;
    const observed = Completion.observedSettles;
    for (const r of replies) {
      if (r.kind === ReplyKind.EVENT) {
        this.setReadiness(r.aux, r.result);
        continue;
      }
      const pend = this.inflight.get(r.tag);
      if (!pend) {
        // Cancelled by its caller, or a stray tag; a cancelled change is done only now.
        if (this.cancelledChanges.delete(r.tag)) this.attrs?.end();
        continue;
      }
      this.inflight.delete(r.tag);
      if (pend.changes) this.attrs?.end();
      if (r.kind === ReplyKind.REDIRECT) {
        const path = fromUtf8(r.payload);
        pend.done.complete(path && path.startsWith('/') ? new Redirect(path) : E.EIO);
        continue;
      }
      if (r.kind === ReplyKind.FD) {
        const e = this.daemon.fds.get(r.result);
        if (!e) pend.done.complete(E.EBADF);
        else answer(pend, { ...r, result: 0, aux: 0, payload: none, desc: e.desc } as Reply & { desc: FileDescription });
      } else {
        // The payload stays a view of the daemon's channel: the map consumes it before this
        // write returns (a read's bytes land in the caller's buffer, a Stat is parsed).
        answer(pend, r);
      }
    }
    // Some answers went to code awaiting them as promises: let the dispatcher yield to them.
    if (Completion.observedSettles !== observed) this.k.dispatcher.microtasksWaiting = true;
    return src.length;
  }

  private setReadiness(handle: number, ready: number): void {
    let r = this.readiness.get(handle);
    if (!r) this.readiness.set(handle, (r = { ready: 0, queue: new WaitQueue() }));
    r.ready = ready;
    r.queue.wake();
  }

  /** The daemon is gone: fail everything, forget the name. */
  die(): void {
    if (this.dead) return;
    this.dead = true;
    this.k.unregister(this);
    const failed = this.inflight.size + this.queue.length;
    for (const p of this.inflight.values()) p.done.complete(E.EIO);
    this.inflight.clear();
    this.attrs?.clear();
    this.cancelledChanges.clear();
    this.queue = [];
    this.queuedBytes = 0;
    this.requests.wake();
    this.room.wake();
    for (const r of this.readiness.values()) r.queue.wake();
    this.k.klog.log(failed
      ? `scheme ${this.name}: daemon pid ${this.daemon.pid} gone; ${failed} pending request(s) failed with EIO`
      : `scheme ${this.name}: unregistered (daemon pid ${this.daemon.pid} exited)`);
  }

  // ---- the callers' side -------------------------------------------------------------------

  /**
   * Queues a request; its answer is `map` of the daemon's reply (a negative result is -errno
   * and never reaches `map`). CLOSE and CANCEL are one-way: nothing waits for them.
   */
  private ask<T>(op: number, handle: number, caller: Caller, arg0: number, arg1: number, payload: Uint8Array | string, map: (r: Reply) => Result<T>): Answer<T> {
    if (this.dead) return E.EIO;
    const tag = this.nextTag;
    // A path goes as text, encoded when the daemon reads it (see putRequest).
    const req: Request = typeof payload === 'string'
      ? { tag, opcode: op, handle, flags: 0, pid: caller.pid, uid: caller.uid, gid: caller.gid, arg0, arg1, payload: none, text: payload }
      : { tag, opcode: op, handle, flags: 0, pid: caller.pid, uid: caller.uid, gid: caller.gid, arg0, arg1, payload };
    const size = requestBound(req);
    if (this.queuedBytes + size > params.schemeQueueBytes && this.queue.length > 0) return wouldBlock(this.room);
    this.nextTag = (this.nextTag + 1) >>> 0 || 1;
    // A change is counted before it can reach the daemon, so no stat answered from now on is kept.
    const changes = this.attrs !== null && this.attrs.changes(op, handle, arg0);
    this.queue.push(req);
    this.queuedBytes += size;
    if (op === Op.CLOSE || op === Op.CANCEL) {
      if (changes) this.attrs!.bump();
      this.requests.wake();
      return 0 as T;
    }
    if (changes) this.attrs!.begin();
    const done = Completion.create<Result<T>>();
    done.server = this.daemon.pid;
    done.cancel = () => {
      if (!this.inflight.delete(tag)) return;
      // The daemon may still carry the change out; it stays counted until the late reply.
      if (changes) this.cancelledChanges.add(tag);
      // The interrupted caller will reuse its channel, which a queued payload may still view.
      if (req.payload.length > 0 && this.queue.includes(req)) req.payload = req.payload.slice();
      this.ask(Op.CANCEL, 0, caller, tag, 0, none, this.value);
    };
    this.inflight.set(tag, { done: done as Completion<unknown>, map, changes });
    // The daemon is woken last: with few cores it may take the caller's core at once.
    this.requests.wake();
    return done;
  }

  private value = (r: Reply): Result<number> => r.result;

  override open(ref: string, flags: number, mode: number, caller: Caller): Answer<Opened> {
    return this.ask(Op.OPEN, 0, caller, flags, mode, ref, (r) => this.opened(r, flags));
  }

  /** `flags` are the open's, or -1 for a dup (whose access the kernel does not know). */
  private opened(r: Reply, flags: number): Result<Opened> {
    const desc = (r as Reply & { desc?: FileDescription }).desc;
    if (desc) return { handle: -1, desc };
    if (flags >= 0) this.attrs?.opened(r.result, flags);
    return { handle: r.result, stream: (r.aux & OPEN_STREAM) !== 0 };
  }

  override read(h: number, dst: Uint8Array, offset: number, caller: Caller): Answer<number | Uint8Array> {
    const len = Math.min(dst.length, MAX_PAYLOAD);
    return this.ask(Op.READ, h, caller, offset, len, none, (r) => {
      const n = Math.min(r.payload.length, len);
      dst.set(r.payload.subarray(0, n));
      return n;
    });
  }

  override write(h: number, src: Uint8Array, offset: number, caller: Caller): Answer<number> {
    if (src.length > MAX_PAYLOAD) src = src.subarray(0, MAX_PAYLOAD); // a short write; the caller goes on
    return this.ask(Op.WRITE, h, caller, offset, src.length, src, (r) => {
      if (offset < 0) this.appendPos.set(h, r.aux);
      return r.result;
    });
  }

  override appendPosition(h: number): number {
    const p = this.appendPos.get(h);
    this.appendPos.delete(h);
    return p ?? -1;
  }

  override fstat(h: number): Answer<Stat> {
    return this.ask(Op.FSTAT, h, this.daemonCaller, 0, 0, none, (r) => readStat(r.payload) ?? E.EIO);
  }

  private get daemonCaller(): Caller {
    return { pid: 0, uid: 0, gid: 0 };
  }

  override fsync(h: number): Answer<number> {
    return this.ask(Op.FSYNC, h, this.daemonCaller, 0, 0, none, this.value);
  }

  override ftruncate(h: number, len: number): Answer<number> {
    return this.ask(Op.FTRUNCATE, h, this.daemonCaller, len, 0, none, this.value);
  }

  override getdents(h: number, dst: Uint8Array, cookie: number): Answer<{ bytes: number; next: number }> {
    return this.ask(Op.GETDENTS, h, this.daemonCaller, cookie, dst.length, none, (r) => {
      const n = Math.min(r.payload.length, dst.length);
      dst.set(r.payload.subarray(0, n));
      return { bytes: n, next: r.aux };
    });
  }

  override dup(h: number, sub: string, caller: Caller): Answer<Opened> {
    return this.ask(Op.DUP, h, caller, 0, 0, sub, (r) => this.opened(r, -1));
  }

  override fchmod(h: number, mode: number, caller: Caller): Answer<number> {
    return this.ask(Op.FCHMOD, h, caller, mode, 0, none, this.value);
  }
  override fchown(h: number, uid: number, gid: number, caller: Caller): Answer<number> {
    return this.ask(Op.FCHOWN, h, caller, uid, gid, none, this.value);
  }
  override futimens(h: number, atime: number, mtime: number, caller: Caller): Answer<number> {
    return this.ask(Op.FUTIMENS, h, caller, atime, mtime, none, this.value);
  }
  override statvfs(h: number): Answer<StatVfs> {
    return this.ask(Op.STATVFS, h, this.daemonCaller, 0, 0, none, (r) => readStatVfs(r.payload) ?? E.EIO);
  }

  override close(h: number): void {
    if (this.dead) return;
    this.readiness.delete(h);
    this.ask(Op.CLOSE, h, this.daemonCaller, 0, 0, none, this.value);
  }

  override poll(h: number): { ready: number; queue: WaitQueue | null } {
    let r = this.readiness.get(h);
    if (!r) this.readiness.set(h, (r = { ready: 0, queue: new WaitQueue() }));
    return { ready: this.dead ? EVENT_READ : r.ready, queue: r.queue };
  }

  override mkdir(ref: string, mode: number, caller: Caller): Answer<number> {
    return this.ask(Op.MKDIR, 0, caller, mode, 0, ref, this.value);
  }
  override rmdir(ref: string, caller: Caller): Answer<number> {
    return this.ask(Op.RMDIR, 0, caller, 0, 0, ref, this.value);
  }
  override unlink(ref: string, caller: Caller): Answer<number> {
    return this.ask(Op.UNLINK, 0, caller, 0, 0, ref, this.value);
  }
  override rename(from: string, to: string, caller: Caller): Answer<number> {
    return this.ask(Op.RENAME, 0, caller, 0, 0, new WireWriter().str(from).str(to).finish(), this.value);
  }
  override link(from: string, to: string, caller: Caller): Answer<number> {
    return this.ask(Op.LINK, 0, caller, 0, 0, new WireWriter().str(from).str(to).finish(), this.value);
  }
  override symlink(target: string, path: string, caller: Caller): Answer<number> {
    return this.ask(Op.SYMLINK, 0, caller, 0, 0, new WireWriter().str(target).str(path).finish(), this.value);
  }
  override readlink(ref: string, caller: Caller): Answer<string> {
    return this.ask(Op.READLINK, 0, caller, 0, 0, ref, (r) => fromUtf8(r.payload) ?? E.EIO);
  }
  override chmod(ref: string, mode: number, caller: Caller): Answer<number> {
    return this.ask(Op.CHMOD, 0, caller, mode, 0, ref, this.value);
  }
  override chown(ref: string, uid: number, gid: number, caller: Caller): Answer<number> {
    return this.ask(Op.CHOWN, 0, caller, uid, gid, ref, this.value);
  }
  override utimens(ref: string, atime: number, mtime: number, caller: Caller): Answer<number> {
    return this.ask(Op.UTIMENS, 0, caller, atime, mtime, ref, this.value);
  }
  override stat(ref: string, nofollow: boolean, caller: Caller): Answer<Stat> {
    const attrs = this.attrs;
    if (!attrs || this.dead) return this.ask(Op.STAT, 0, caller, nofollow ? 1 : 0, 0, ref, (r) => readStat(r.payload) ?? E.EIO);
    const key = AttrCache.key(ref, nofollow, caller.uid, caller.gid);
    const kept = attrs.get(key);
    if (kept !== undefined) return kept;
    const sentAt = attrs.generation;
    const a = this.ask(Op.STAT, 0, caller, nofollow ? 1 : 0, 0, ref, (r) => readStat(r.payload) ?? E.EIO);
    // Taken synchronously inside the daemon's write, before any later request can be counted.
    if (a instanceof Completion) (a as Completion<Result<Stat>>).listen((v) => attrs.put(key, sentAt, v));
    return a;
  }
}

/** The daemon's descriptor on its own scheme: reads take requests, writes give replies. */
export class SchemeControl extends Scheme {
  readonly name = 'scheme';
  constructor(readonly user: UserScheme) {
    super();
  }
  override read(_h: number, dst: Uint8Array): Answer<number> {
    return this.user.pull(dst);
  }
  override write(_h: number, src: Uint8Array): Answer<number> {
    return this.user.push(src);
  }
  override poll(): { ready: number; queue: WaitQueue | null } {
    return { ready: this.user.hasRequests ? EVENT_READ : 0, queue: this.user.requests };
  }
  override close(): void {
    this.user.die();
  }
}
