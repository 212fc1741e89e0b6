// Advisory locks: `lock` (fcntl's F_GETLK, F_SETLK, F_SETLKW on a byte range) and `flock`.
// The table and its rules are in ../locks.ts; here the arguments are checked and the range
// made absolute. SEEK_END ranges are made absolute by the caller's library (it knows the size
// it means), so the kernel takes SEEK_SET and SEEK_CUR only.

import { E, isErr } from '../../abi/errno.js';
import { canRead, canWrite, SEEK } from '../../abi/flags.js';
import { Flock, LockCmd, LockType, readLockRecord, writeLockRecord } from '../../abi/lock.js';
import type { Call } from '../call.js';
import type { Kernel } from '../kernel.js';
import type { Process } from '../process.js';
import { WouldBlock } from '../waitqueue.js';
import { desc } from './util.js';

export function lock(k: Kernel, p: Process, c: Call) {
  const d = desc(p, c);
  if (isErr(d)) return d;
  const cmd = c.int(1);
  const r = readLockRecord(c.input());
  if (!r || (cmd !== LockCmd.GETLK && cmd !== LockCmd.SETLK && cmd !== LockCmd.SETLKW)) return E.EINVAL;
  if (r.type !== LockType.RDLCK && r.type !== LockType.WRLCK && r.type !== LockType.UNLCK) return E.EINVAL;
  if (cmd === LockCmd.GETLK && r.type === LockType.UNLCK) return E.EINVAL;
  if (cmd !== LockCmd.GETLK && ((r.type === LockType.RDLCK && !canRead(d.flags)) || (r.type === LockType.WRLCK && !canWrite(d.flags)))) return E.EBADF;
  if (!Number.isSafeInteger(r.start) || !Number.isSafeInteger(r.len)) return E.EINVAL;
  const base = r.whence === SEEK.SET ? 0 : r.whence === SEEK.CUR && !d.stream ? d.offset : -1;
  if (base < 0) return E.EINVAL;
  let start = base + r.start;
  let end = r.len > 0 ? start + r.len : r.len === 0 ? Infinity : start;
  if (r.len < 0) start += r.len;
  if (start < 0 || end <= start) return E.EINVAL;

  const f = k.locks.file(d);
  if (f instanceof WouldBlock || isErr(f)) return f;
  if (cmd !== LockCmd.GETLK) return k.locks.set(p.pid, f, r.type, start, end, cmd === LockCmd.SETLKW);
  const l = k.locks.conflict(f, p.pid, r.type, start, end);
  k.locks.tidy(f, 0);
  c.setOut(writeLockRecord(c.outArea(), l
    ? { type: l.type, whence: SEEK.SET, pid: l.pid, start: l.start, len: l.end === Infinity ? 0 : l.end - l.start }
    : { ...r, type: LockType.UNLCK }));
  return 0;
}

export function flock(k: Kernel, p: Process, c: Call) {
  const d = desc(p, c);
  if (isErr(d)) return d;
  const op = c.int(1);
  if (op === null) return E.EINVAL;
  const how = op & ~Flock.NB;
  const type = how === Flock.SH ? LockType.RDLCK : how === Flock.EX ? LockType.WRLCK : how === Flock.UN ? LockType.UNLCK : -1;
  if (type < 0) return E.EINVAL;
  const f = k.locks.file(d);
  if (f instanceof WouldBlock || isErr(f)) return f;
  return k.locks.flock(p.pid, d, f, type, (op & Flock.NB) === 0);
}
