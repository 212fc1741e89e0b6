// Advisory file locks, kept by the kernel for every scheme: POSIX record locks (fcntl's
// F_GETLK/F_SETLK/F_SETLKW: byte ranges owned by a process) and flock's whole-file locks
// (owned by an open file description). Why here and not in the file daemons: docs/locks.md.
//
// A file is known by its scheme and the (dev, ino) its fstat reports, asked once per open file
// description and remembered. Each file with locks has one record: its POSIX locks (ranges
// [start, end), end Infinity for "to the end of the file", never overlapping for one owner,
// adjacent ranges of one owner and type merged), its flock owners, and one wait queue that
// wakes whenever any of them changes. A blocked F_SETLKW or flock parks on that queue through
// the dispatcher, so a signal interrupts it with EINTR and death removes it.
//
// POSIX release rules: a process's locks on a file go when it closes any descriptor of that
// file (FdTable.onDrop) or ends (releaseProcess); they are not inherited by children and
// survive exec. flock locks go when the last descriptor of their description is closed.
//
// Deadlock detection (POSIX locks only): before parking, the kernel follows "waits for" edges
// from the owners of the conflicting locks through the processes parked in F_SETLKW; if the
// chain comes back to the caller, the call fails with EDEADLK instead of waiting forever.

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
  readonly queue: WaitQueue;
}

/** An identity being asked of the scheme: callers wait on `queue`. */
interface Pending {
  queue: WaitQueue;
  err: Result<never> | null;
}

/** What a process parked in F_SETLKW waits for (for deadlock detection). */
interface Wanted {
  f: LockedFile;
  type: number;
  start: number;
  end: number;
}

function keyOf(s: Scheme, st: Stat): string {
  return `${s.name}:${st.dev}:${st.ino}`;
}

function overlaps(l: PosixLock, start: number, end: number): boolean {
  return l.start < end && start < l.end;
}

export class LockTable {
  private readonly files = new Map<string, LockedFile>();
  /** Files on which each process holds POSIX locks. */
  private readonly held = new Map<number, Set<LockedFile>>();
  private readonly ids = new WeakMap<FileDescription, string | Pending>();
  private readonly flockFile = new WeakMap<FileDescription, LockedFile>();
  private readonly waiting = new Map<number, Wanted>();
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
    if (!f) this.files.set(key, (f = { key, scheme, posix: [], flocks: new Map(), queue: new WaitQueue() }));
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
    if (type !== LockType.UNLCK && this.conflict(f, pid, type, start, end)) {
      if (!wait) return this.tidy(f, E.EAGAIN);
      if (this.deadlocks(pid, f, type, start, end)) return this.tidy(f, E.EDEADLK);
      this.waiting.set(pid, { f, type, start, end });
      return wouldBlock(f.queue);
    }
    this.waiting.delete(pid);
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
    if (grown > 0 && this.count + grown > params.maxLocks) return this.tidy(f, E.ENOLCK);
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
  flock(d: FileDescription, f: LockedFile, type: number, wait: boolean): Result<0> | WouldBlock {
    if (type === LockType.UNLCK) {
      if (f.flocks.delete(d)) this.changed(f);
      else this.tidy(f, 0);
      return 0;
    }
    for (const [owner, t] of f.flocks) {
      if (owner !== d && (t === LockType.WRLCK || type === LockType.WRLCK)) {
        // A conversion that must wait gives up the lock it had first, as Linux's does: two
        // holders of a shared lock both asking for an exclusive one would otherwise wait forever.
        if (f.flocks.delete(d)) this.changed(f);
        return wait ? wouldBlock(f.queue) : this.tidy(f, E.EAGAIN);
      }
    }
    const had = f.flocks.get(d);
    f.flocks.set(d, type);
    this.flockFile.set(d, f);
    if (had !== type) this.changed(f);
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
    this.waiting.delete(pid);
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
   * `POSIX|FLOCK READ|WRITE PID|- SCHEME:DEV:INO START END|EOF` (flock locks belong to no pid).
   */
  describe(): string {
    const kind = (t: number) => (t === LockType.WRLCK ? 'WRITE' : 'READ');
    const lines: string[] = [];
    for (const f of this.files.values()) {
      for (const l of f.posix) lines.push(`POSIX ${kind(l.type)} ${l.pid} ${f.key} ${l.start} ${l.end === Infinity ? 'EOF' : l.end - 1}`);
      for (const t of f.flocks.values()) lines.push(`FLOCK ${kind(t)} - ${f.key} 0 EOF`);
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

  /** Wakes the file's waiters (they re-check), then forgets the record if nothing uses it. */
  private changed(f: LockedFile): void {
    f.queue.wake();
    this.tidy(f, 0);
  }

  /** Forgets the record if nothing uses it; answers `v` (so refusals can tidy on the way out). */
  tidy<T>(f: LockedFile, v: T): T {
    if (f.posix.length === 0 && f.flocks.size === 0 && f.queue.size === 0) this.files.delete(f.key);
    return v;
  }

  /** Whether waiting for the range would close a cycle of processes waiting on each other. */
  private deadlocks(pid: number, f: LockedFile, type: number, start: number, end: number): boolean {
    const seen = new Set<number>();
    const blockers = (w: Wanted, self: number): number[] =>
      w.f.posix.filter((l) => l.pid !== self && overlaps(l, w.start, w.end) && (w.type === LockType.WRLCK || l.type === LockType.WRLCK)).map((l) => l.pid);
    const todo = blockers({ f, type, start, end }, pid);
    while (todo.length > 0) {
      const b = todo.pop()!;
      if (b === pid) return true;
      if (seen.has(b)) continue;
      seen.add(b);
      const w = this.waiting.get(b);
      const p = this.procs.get(b);
      // A stale entry (the wait was interrupted) is not a wait.
      if (!w || !p || p.state !== ProcState.Sleeping || p.inflight?.nr !== Sys.lock) continue;
      todo.push(...blockers(w, b));
    }
    return false;
  }
}
