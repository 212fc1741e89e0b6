import { test } from 'node:test';
import assert from 'node:assert/strict';
import { E, isErr } from '../abi/errno.js';
import { LockType } from '../abi/lock.js';
import { Sys } from '../abi/syscall.js';
import type { FileDescription } from './file.js';
import { LockTable, type LockedFile } from './locks.js';
import { ProcState, type Process } from './process.js';
import { WouldBlock } from './waitqueue.js';

/** Processes as far as the lock table looks at them: parked in a lock call, no descriptors. */
function table(): { locks: LockTable; file: LockedFile; park: (pid: number, descs?: FileDescription[]) => void; desc: () => FileDescription } {
  const procs = new Map<number, Process>();
  const locks = new LockTable(procs, () => {});
  const desc = (): FileDescription => ({ scheme: { name: 'file', fstat: () => ({ dev: 1, ino: 2 }) }, handle: 1 }) as unknown as FileDescription;
  const f = locks.file(desc());
  if (isErr(f) || f instanceof WouldBlock) throw new Error('no lock record');
  const park = (pid: number, descs: FileDescription[] = []): void => {
    const entries = () => descs.map((d, i) => [i, { desc: d }]);
    procs.set(pid, { pid, alive: true, state: ProcState.Sleeping, inflight: { nr: descs.length ? Sys.flock : Sys.lock }, fds: { entries } } as unknown as Process);
  };
  return { locks, file: f, park, desc };
}

test('a long queue of writers behind one lock parks each in time linear in the queue', { timeout: 20_000 }, () => {
  const { locks, file, park } = table();
  assert.equal(locks.set(1, file, LockType.WRLCK, 0, 10, true), 0);
  // Each waiter's deadlock check walks the waiters ahead of it; walked path by path, that is
  // 2^n steps for the n-th.
  for (let pid = 2; pid < 64; pid++) {
    park(pid);
    assert.ok(locks.set(pid, file, LockType.WRLCK, 0, 10, true) instanceof WouldBlock, `writer ${pid} waits`);
  }
  assert.equal(locks.describe().split('\n').filter((l) => l.startsWith('-> ')).length, 62);
});

test('a wait that closes a cycle through the queue fails with EDEADLK', () => {
  const { locks, file, park } = table();
  // 1 holds [0,10) and 2 holds [20,30); 2 waits for [0,10); 1 asking for [20,30) would wait for 2.
  assert.equal(locks.set(1, file, LockType.WRLCK, 0, 10, true), 0);
  assert.equal(locks.set(2, file, LockType.WRLCK, 20, 30, true), 0);
  park(2);
  assert.ok(locks.set(2, file, LockType.WRLCK, 0, 10, true) instanceof WouldBlock);
  park(3);
  assert.ok(locks.set(3, file, LockType.WRLCK, 0, 10, true) instanceof WouldBlock);
  park(1);
  assert.equal(locks.set(1, file, LockType.WRLCK, 20, 30, true), E.EDEADLK);
  // 3 waits for 1 and for 2 (ahead of it): neither waits for 3, so 3 keeps waiting.
  assert.ok(locks.set(3, file, LockType.WRLCK, 0, 10, true) instanceof WouldBlock);
});

test('asking again for the flock a description holds keeps it, even with a writer waiting', () => {
  const { locks, file, park, desc } = table();
  const d1 = desc();
  const d2 = desc();
  park(1, [d1]);
  park(2, [d2]);
  assert.equal(locks.flock(1, d1, file, LockType.RDLCK, true), 0);
  assert.ok(locks.flock(2, d2, file, LockType.WRLCK, true) instanceof WouldBlock);
  // flock(LOCK_SH | LOCK_NB) by the holder: it has the lock already, so the call succeeds and
  // the writer still waits for it.
  assert.equal(locks.flock(1, d1, file, LockType.RDLCK, false), 0);
  assert.equal(locks.flock(1, d1, file, LockType.RDLCK, true), 0);
  assert.match(locks.describe(), /^FLOCK READ - /m);
  assert.ok(locks.flock(2, d2, file, LockType.WRLCK, true) instanceof WouldBlock);
});

test('a holder extends its read lock past a writer waiting for it; a read behind that writer waits', () => {
  const { locks, file, park } = table();
  assert.equal(locks.set(1, file, LockType.RDLCK, 0, 10, true), 0);
  park(2);
  assert.ok(locks.set(2, file, LockType.WRLCK, 0, 10, true) instanceof WouldBlock);
  park(1);
  assert.equal(locks.set(1, file, LockType.RDLCK, 0, 20, true), 0, 'the writer waits for 1: 1 goes ahead of it');
  park(3);
  assert.equal(locks.set(3, file, LockType.RDLCK, 5, 6, false), E.EAGAIN, 'a later reader is held back by the writer');
});

test('flock through a second description of a file the caller has locked is a deadlock', () => {
  const { locks, file, park, desc } = table();
  const d1 = desc();
  const d2 = desc();
  park(1, [d1, d2]);
  assert.equal(locks.flock(1, d1, file, LockType.WRLCK, true), 0);
  assert.equal(locks.flock(1, d2, file, LockType.WRLCK, true), E.EDEADLK);
  // Shared with a child that could unlock it, the description is no deadlock.
  park(2, [d1]);
  assert.ok(locks.flock(1, d2, file, LockType.WRLCK, true) instanceof WouldBlock);
});

test('an unlock wakes each waiter a bounded number of times, not once per grant made meanwhile', () => {
  const { locks, file, park } = table();
  let calls = 0;
  const granted: number[] = [];
  /** A lock call as the dispatcher runs it: parked calls retried, synchronously, when woken. */
  const call = (pid: number, type: number): void => {
    const run = (): void => {
      calls++;
      const r = locks.set(pid, file, type, 0, 10, true);
      if (r instanceof WouldBlock) {
        park(pid);
        const removers = r.queues.map((q) => q.add(() => {
          for (const x of removers) x();
          run();
        }));
      } else granted.push(pid);
    };
    run();
  };
  call(1, LockType.WRLCK);
  const n = 100;
  for (let pid = 2; pid < 2 + n; pid++) call(pid, LockType.RDLCK);
  assert.equal(granted.length, 1);
  calls = 0;
  locks.set(1, file, LockType.UNLCK, 0, 10, true);
  assert.equal(granted.length, 1 + n, 'every reader got the lock');
  assert.ok(calls <= 3 * n, `${calls} re-checks for ${n} waiters`);
});
