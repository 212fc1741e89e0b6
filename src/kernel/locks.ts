// Advisory file locks, kept by the kernel for every scheme: POSIX record locks (fcntl's
// F_GETLK/F_SETLK/F_SETLKW: byte ranges owned by a process) and flock's whole-file locks
// (owned by an open file description). Why here and not in the file daemons: docs/locks.md.
//
// A file is known by its scheme and the (dev, ino) its fstat reports, asked once per open file
// description and remembered. Each file with locks has one record: its POSIX locks (ranges
// [start, end), end Infinity for "to the end of the file", never overlapping for one owner,
// adjacent ranges of one owner and type merged), its flock owners, and its waiters in the order
// they came. A blocked F_SETLKW or flock parks on its own waiter's queue through the
// dispatcher, so a signal interrupts it with EINTR and death removes it; any change to the
// file's locks or waiters wakes every waiter to re-check.
//
// Fairness: a request waits not only for the locks it conflicts with but also for the waiters
// ahead of it that it conflicts with, so a waiting writer holds back later readers of its
// range and a steady stream of readers cannot starve it. A request that would thereby wait
// for itself (the waiter ahead waits for a lock the caller holds) goes ahead instead.
//
// POSIX release rules: a process's locks on a file go when it closes any descriptor of that
// file (FdTable.onDrop) or ends (releaseProcess); they are not inherited by children and
// survive exec. flock locks go when the last descriptor of their description is closed.
//
// Deadlock detection (POSIX locks and flock alike): before parking, the kernel follows "waits
// for" edges from what blocks the call (the owners of conflicting locks and waiters ahead)
// through the processes parked in F_SETLKW or flock; if every way out comes back to the
// caller, the call fails with EDEADLK instead of waiting forever. A flock lock belongs to a
// description, which any process holding a descriptor of it can unlock: it is stuck only if
// all of those are.

import { E, isErr, type Result } from '../abi/errno.js';
import { LockType } from '../abi/lock.js';
import type { Stat } from '../abi/stat.js';
import { Sys } from '../abi/syscall.js';
import type { FileDescription } from './file.js';
import { params } from './params.js';
import { ProcState, type Process } from './process.js';
import type { Scheme } from './scheme.js';
import { WaitQueue, WouldBlock, wouldBlock } from './waitqueue.js';

export interface PosixLock {
  pid: number;
  type: number;
  start: number;
  end: number;
}

export interface LockedFile {
  readonly key: string;
  readonly scheme: Scheme;
  posix: PosixLock[];
  /** flock owners: description -> RDLCK (shared) or WRLCK (exclusive). */
  readonly flocks: Map<FileDescription, number>;
  /** Requests parked on the file, oldest first. */
  waiters: Waiter[];
}

/** An identity being asked of the scheme: callers wait on `queue`. */
interface Pending {
  queue: WaitQueue;
  err: Result<never> | null;
}

/** A parked F_SETLKW (owner null) or flock (owner its description). */
interface Waiter {
  readonly pid: number;
  readonly f: LockedFile;
  readonly owner: FileDescription | null;
  type: number;
  start: number;
  end: number;
  readonly queue: WaitQueue;
}

/** What a request asks: a POSIX range of `pid`'s, or (owner set) a flock of a description's. */
type Want = Pick<Waiter, 'pid' | 'f' | 'owner' | 'type' | 'start' | 'end'>;

/**
 * A waiter's queue, which also tells the table when its call stops waiting without having been
 * woken (a signal, the process's death), so the waiters behind it re-check at once.
 */
class WaiterQueue extends WaitQueue {
  constructor(private readonly cancelled: () => void) {
    super();
  }

  override add(w: () => void): () => void {
    let woken = false;
    const remove = super.add(() => {
      woken = true;
      w();
    });
    return () => {
      remove();
      if (woken) return;
      woken = true;
      this.cancelled();
    };
  }
}

function keyOf(s: Scheme, st: Stat): string {
  return `${s.name}:${st.dev}:${st.ino}`;
}

function overlaps(l: { start: number; end: number }, start: number, end: number): boolean {
  return l.start < end && start < l.end;
}

/** Whether a waiter ahead stands in the way of a request (same kind, another owner, conflicting). */
function conflictsWith(w: Waiter, r: Want): boolean {
  if ((w.owner === null) !== (r.owner === null)) return false;
  if (w.type !== LockType.WRLCK && r.type !== LockType.WRLCK) return false;
  return r.owner === null ? w.pid !== r.pid && overlaps(w, r.start, r.end) : w.owner !== r.owner;
}

export class LockTable {
  private readonly files = new Map<string, LockedFile>();
  /** Files on which each process holds POSIX locks. */
  private readonly held = new Map<number, Set<LockedFile>>();
  private readonly ids = new WeakMap<FileDescription, string | Pending>();
  private readonly flockFile = new WeakMap<FileDescription, LockedFile>();
  /** The waiter each parked process is (one call in flight per process). */
  private readonly waiting = new Map<number, Waiter>();
  private count = 0;

  constructor(
    private readonly procs: ReadonlyMap<number, Process>,
    /** Drops a reference the table took on a description (the kernel's release when last). */
    private readonly unref: (d: FileDescription) => void,
  ) {}

  /** The lock record of the file `d` is open on; WouldBlock while its identity is asked. */
  file(d: FileDescription): Result<LockedFile> | WouldBlock {
    const id = this.ids.get(d);
    if (typeof id === 'string') return this.record(id, d.scheme);
    if (id) {
      if (id.err === null) return wouldBlock(id.queue);
      this.ids.delete(d);
      return id.err;
    }
    const a = d.scheme.fstat(d.handle);
    if (a instanceof WouldBlock) return a;
    if (a instanceof Promise) {
      const pending: Pending = { queue: new WaitQueue(), err: null };
      this.ids.set(d, pending);
      const done = (st: Result<Stat>): void => {
        if (isErr(st)) pending.err = st === E.EOPNOTSUPP ? E.EINVAL : st;
        else this.ids.set(d, keyOf(d.scheme, st));
        pending.queue.wake();
      };
      a.then(done, () => done(E.EIO));
      return wouldBlock(pending.queue);
    }
    if (isErr(a)) return a === E.EOPNOTSUPP ? E.EINVAL : a;
    const key = keyOf(d.scheme, a);
    this.ids.set(d, key);
    return this.record(key, d.scheme);
  }

  private record(key: string, scheme: Scheme): LockedFile {
    let f = this.files.get(key);
    if (!f) this.files.set(key, (f = { key, scheme, posix: [], flocks: new Map(), waiters: [] }));
    return f;
  }

  /** A POSIX lock of another process that conflicts with the range, or null. */
  conflict(f: LockedFile, pid: number, type: number, start: number, end: number): PosixLock | null {
    for (const l of f.posix) {
      if (l.pid !== pid && overlaps(l, start, end) && (type === LockType.WRLCK || l.type === LockType.WRLCK)) return l;
    }
    return null;
  }

  /** F_SETLK (wait false) and F_SETLKW (wait true); UNLCK never waits. */
  set(pid: number, f: LockedFile, type: number, start: number, end: number, wait: boolean): Result<0> | WouldBlock {
    if (type !== LockType.UNLCK) {
      const held = this.conflict(f, pid, type, start, end) !== null;
      const blocked = this.mustWait({ pid, f, owner: null, type, start, end }, held, wait);
      if (blocked) return blocked;
    } else this.unwait(pid, false);
    const out: PosixLock[] = [];
    for (const l of f.posix) {
      if (l.pid !== pid || !overlaps(l, start, end)) {
        out.push(l);
        continue;
      }
      if (l.start < start) out.push({ ...l, end: start });
      if (end < l.end) out.push({ ...l, start: end });
    }
    if (type !== LockType.UNLCK) {
      let s = start;
      let e = end;
      for (let i = out.length - 1; i >= 0; i--) {
        const l = out[i]!;
        if (l.pid === pid && l.type === type && l.start <= e && s <= l.end) {
          s = Math.min(s, l.start);
          e = Math.max(e, l.end);
          out.splice(i, 1);
        }
      }
      out.push({ pid, type, start: s, end: e });
    }
    const grown = out.length - f.posix.length;
    if (grown > 0 && this.count + grown > params.maxLocks) {
      this.changed(f);
      return E.ENOLCK;
    }
    this.count += grown;
    f.posix = out;
    let mine = this.held.get(pid);
    if (out.some((l) => l.pid === pid)) {
      if (!mine) this.held.set(pid, (mine = new Set()));
      mine.add(f);
    } else mine?.delete(f);
    this.changed(f);
    return 0;
  }

  /** flock(2): `type` RDLCK (LOCK_SH), WRLCK (LOCK_EX) or UNLCK (LOCK_UN). */
  flock(pid: number, d: FileDescription, f: LockedFile, type: number, wait: boolean): Result<0> | WouldBlock {
    if (type === LockType.UNLCK) {
      if (f.flocks.delete(d)) this.changed(f);
      else this.tidy(f, 0);
      return 0;
    }
    let held = false;
    for (const [owner, t] of f.flocks) if (owner !== d && (t === LockType.WRLCK || type === LockType.WRLCK)) held = true;
    const want: Want = { pid, f, owner: d, type, start: 0, end: Infinity };
    if (held || this.ahead(want).length > 0) {
      // A conversion that must wait gives up the lock it had first, as Linux's does: two
      // holders of a shared lock both asking for an exclusive one would otherwise wait forever.
      if (f.flocks.delete(d)) this.changed(f);
      const blocked = this.mustWait(want, held, wait);
      if (blocked) return blocked;
    }
    const had = f.flocks.get(d);
    f.flocks.set(d, type);
    this.flockFile.set(d, f);
    // Always: a waiter this call was (now granted) may have held others back.
    if (had !== type || f.waiters.length > 0) this.changed(f);
    return 0;
  }

  /** Process `pid` closed a descriptor of `d`: its POSIX locks on that file go. */
  dropped(pid: number, d: FileDescription): void {
    const mine = this.held.get(pid);
    if (!mine || mine.size === 0) return;
    const id = this.ids.get(d);
    if (typeof id === 'string') {
      const f = this.files.get(id);
      if (f && mine.has(f)) this.releasePosix(pid, [f]);
      return;
    }
    let sameScheme = false;
    for (const f of mine) if (f.scheme === d.scheme) sameScheme = true;
    if (!sameScheme) return;
    // Which file this descriptor names is not known yet: keep the description open until the
    // scheme has said, so the question can still be asked of its handle.
    d.refs++;
    const finish = (st: Result<Stat>): void => {
      if (!isErr(st)) {
        const key = keyOf(d.scheme, st);
        this.ids.set(d, key);
        const f = this.files.get(key);
        if (f && this.held.get(pid)?.has(f)) this.releasePosix(pid, [f]);
      }
      if (--d.refs === 0) this.unref(d);
    };
    const a = d.scheme.fstat(d.handle);
    if (a instanceof Promise) a.then(finish, () => finish(E.EIO));
    else finish(a instanceof WouldBlock ? E.EAGAIN : a);
  }

  /** The last descriptor of `d` is gone: its flock lock goes. */
  descriptionClosed(d: FileDescription): void {
    const f = this.flockFile.get(d);
    if (f && f.flocks.delete(d)) this.changed(f);
  }

  /** Process `pid` ended: all its POSIX locks go. */
  releaseProcess(pid: number): void {
    this.unwait(pid, true);
    const mine = this.held.get(pid);
    if (mine) this.releasePosix(pid, [...mine]);
    this.held.delete(pid);
  }

  /** POSIX locks held now, with their file's key (tests look at it). */
  list(): { key: string; pid: number; type: number; start: number; end: number }[] {
    const out: { key: string; pid: number; type: number; start: number; end: number }[] = [];
    for (const f of this.files.values()) for (const l of f.posix) out.push({ key: f.key, ...l });
    return out;
  }

  /**
   * Every lock as /scheme/sys/locks shows it, one a line, in the manner of Linux's /proc/locks:
   * `POSIX|FLOCK READ|WRITE PID|- SCHEME:DEV:INO START END|EOF` (flock locks belong to no pid),
   * and after a file's locks its waiters, oldest first, as `-> ` and the same fields (with the
   * waiting process's pid).
   */
  describe(): string {
    const kind = (t: number) => (t === LockType.WRLCK ? 'WRITE' : 'READ');
    const range = (l: { start: number; end: number }) => `${l.start} ${l.end === Infinity ? 'EOF' : l.end - 1}`;
    const lines: string[] = [];
    for (const f of this.files.values()) {
      for (const l of f.posix) lines.push(`POSIX ${kind(l.type)} ${l.pid} ${f.key} ${range(l)}`);
      for (const t of f.flocks.values()) lines.push(`FLOCK ${kind(t)} - ${f.key} 0 EOF`);
      for (const w of f.waiters) lines.push(`-> ${w.owner ? 'FLOCK' : 'POSIX'} ${kind(w.type)} ${w.pid} ${f.key} ${range(w)}`);
    }
    return lines.map((l) => `${l}\n`).join('');
  }

  private releasePosix(pid: number, files: LockedFile[]): void {
    const mine = this.held.get(pid);
    for (const f of files) {
      const before = f.posix.length;
      f.posix = f.posix.filter((l) => l.pid !== pid);
      this.count -= before - f.posix.length;
      mine?.delete(f);
    }
    for (const f of files) this.changed(f);
  }

  /** Wakes the file's waiters, oldest first (they re-check), then forgets the record if unused. */
  private changed(f: LockedFile): void {
    for (const w of [...f.waiters]) w.queue.wake();
    this.tidy(f, 0);
  }

  /** Forgets the record if nothing uses it; answers `v` (so refusals can tidy on the way out). */
  tidy<T>(f: LockedFile, v: T): T {
    if (f.posix.length === 0 && f.flocks.size === 0 && f.waiters.length === 0) this.files.delete(f.key);
    return v;
  }

  /**
   * Whether a request that conflicts with a held lock (`held`) or may have waiters ahead must
   * wait: null when it may go ahead now (its waiter, if it was one, is gone), else EAGAIN,
   * EDEADLK or the queue to park on.
   */
  private mustWait(r: Want, held: boolean, wait: boolean): Result<never> | WouldBlock | null {
    const mine = this.waiting.get(r.pid);
    // A process has one call in flight: a waiter of its on another request is over.
    if (mine && (mine.f !== r.f || mine.owner !== r.owner)) this.unwait(r.pid, true);
    const blockers = this.blockers(r);
    // Waiting behind a waiter that waits for the caller would never end: go ahead of it.
    const cycle = blockers.some((b) => this.allStuck(b, r.pid, new Set()));
    if (!held && (blockers.length === 0 || cycle)) {
      // Granted: the others re-check once the grant is in place (the caller's `changed`).
      this.unwait(r.pid, false);
      return null;
    }
    if (!wait || cycle) {
      this.unwait(r.pid, true);
      return this.tidy(r.f, wait ? E.EDEADLK : E.EAGAIN);
    }
    let w = this.waiting.get(r.pid);
    if (w) Object.assign(w, { type: r.type, start: r.start, end: r.end });
    else {
      const made: Waiter = { ...r, queue: new WaiterQueue(() => this.leave(made)) };
      w = made;
      this.waiting.set(r.pid, w);
      r.f.waiters.push(w);
    }
    return wouldBlock(w.queue);
  }

  /** The waiters ahead of a request (all of them when it is new) that it conflicts with. */
  private ahead(r: Want): Waiter[] {
    const out: Waiter[] = [];
    for (const w of r.f.waiters) {
      if (w.pid === r.pid && w.owner === r.owner) break;
      if (conflictsWith(w, r)) out.push(w);
    }
    return out;
  }

  /**
   * What a request waits for, each as the processes any one of which could end that wait: a
   * POSIX lock's owner, the holders of a flock lock's description, a waiter ahead.
   */
  private blockers(r: Want): number[][] {
    const out: number[][] = [];
    if (r.owner === null) {
      for (const l of r.f.posix) if (l.pid !== r.pid && overlaps(l, r.start, r.end) && (r.type === LockType.WRLCK || l.type === LockType.WRLCK)) out.push([l.pid]);
    } else {
      for (const [d, t] of r.f.flocks) if (d !== r.owner && (t === LockType.WRLCK || r.type === LockType.WRLCK)) out.push(this.holders(d));
    }
    for (const w of this.ahead(r)) out.push([w.pid]);
    return out;
  }

  /** The live processes with a descriptor of `d`. */
  private holders(d: FileDescription): number[] {
    const out: number[] = [];
    for (const p of this.procs.values()) if (p.alive && p.fds.entries().some(([, e]) => e.desc === d)) out.push(p.pid);
    return out;
  }

  /** Whether every process in `pids` waits, directly or through others, for `caller`. */
  private allStuck(pids: number[], caller: number, seen: Set<number>): boolean {
    if (pids.length === 0) return false;
    return pids.every((q) => {
      if (q === caller) return true;
      // A process met again on this path is not proven stuck (the walk stays finite).
      if (seen.has(q)) return false;
      const w = this.waiting.get(q);
      const p = this.procs.get(q);
      if (!w || !p || p.state !== ProcState.Sleeping || (p.inflight?.nr !== Sys.lock && p.inflight?.nr !== Sys.flock)) return false;
      seen.add(q);
      const stuck = this.blockers(w).some((b) => this.allStuck(b, caller, seen));
      seen.delete(q);
      return stuck;
    });
  }

  /**
   * Forgets a process's waiter (granted, refused, ended); with `wake` the ones behind it
   * re-check now, else the caller changes the file's locks and wakes them after.
   */
  private unwait(pid: number, wake: boolean): void {
    const w = this.waiting.get(pid);
    if (!w) return;
    this.waiting.delete(pid);
    const i = w.f.waiters.indexOf(w);
    if (i >= 0) w.f.waiters.splice(i, 1);
    if (wake) this.changed(w.f);
  }

  /** A waiter's call ended without being woken (signal, death). */
  private leave(w: Waiter): void {
    if (this.waiting.get(w.pid) === w) this.unwait(w.pid, true);
  }
}
