// Process calls: spawn, exec, exit, wait, signals, identity, groups and sessions, sleep.

import { E, isErr } from '../../abi/errno.js';
import { WaitStatus, WNOHANG } from '../../abi/flags.js';
import { Sig, SIG_BLOCK, SIG_DFL, SIG_HANDLER, SIG_IGN, SIG_SETMASK, SIG_UNBLOCK, sigbit } from '../../abi/signal.js';
import { decodeSpawn } from '../../abi/spawn.js';
import { Ctl } from '../../abi/channel.js';
import type { Call } from '../call.js';
import type { Kernel } from '../kernel.js';
import type { Process } from '../process.js';
import { wouldBlock } from '../waitqueue.js';
import { intArg } from './util.js';

export function spawn(k: Kernel, p: Process, c: Call) {
  const req = decodeSpawn(c.input());
  if (!req) return E.EINVAL;
  return k.spawn(p, req).then((child) => (isErr(child) ? child : child.pid));
}

export function exec(k: Kernel, p: Process, c: Call) {
  const req = decodeSpawn(c.input());
  if (!req) return E.EINVAL;
  return k.exec(p, req);
}

export function exit(k: Kernel, p: Process, c: Call) {
  k.exit(p, WaitStatus.exited((c.int(0) ?? 1) & 0xff), true);
  return 0;
}

export function waitpid(k: Kernel, p: Process, c: Call) {
  const pid = c.int(0);
  const options = c.int(1);
  if (pid === null || options === null) return E.EINVAL;
  const r = k.reapChild(p, pid, options);
  if (isErr(r)) return r;
  if (r === null) return options & WNOHANG ? 0 : wouldBlock(k.childQueue(p.pid));
  new DataView(c.view.data.buffer, c.view.data.byteOffset, 4).setInt32(0, r[1], true);
  c.setOut(4);
  return r[0];
}

export function kill(k: Kernel, p: Process, c: Call) {
  const pid = c.int(0);
  const sig = c.int(1);
  if (pid === null || sig === null) return E.EINVAL;
  return k.kill(p, pid, sig);
}

function validSignal(sig: number | null): sig is number {
  return sig !== null && sig >= 1 && sig < 32;
}

export function sigaction(k: Kernel, p: Process, c: Call) {
  const sig = c.int(0);
  const action = c.int(1);
  if (!validSignal(sig) || action === null) return E.EINVAL;
  const prev = p.sigactions[sig]!;
  if (action === -1) return prev; // query only
  if (action !== SIG_DFL && action !== SIG_IGN && action !== SIG_HANDLER) return E.EINVAL;
  if ((sig === Sig.SIGKILL || sig === Sig.SIGSTOP) && action !== SIG_DFL) return E.EINVAL;
  p.sigactions[sig] = action;
  if (action !== SIG_HANDLER) {
    p.sigpending &= ~sigbit(sig);
    if (p.channel) Atomics.and(p.channel.ctl, Ctl.SIGPENDING, ~sigbit(sig));
    if (action === SIG_DFL && p.sigpending === 0) void k;
  }
  return prev;
}

/** Takes the pending signals the process will run handlers for, clearing them. */
export function sigtake(_k: Kernel, p: Process, c: Call) {
  const mask = p.sigpending & ~p.sigblocked;
  p.sigpending &= ~mask;
  p.interruptOwed = false;
  if (p.channel) Atomics.and(p.channel.ctl, Ctl.SIGPENDING, ~mask);
  void c;
  return mask >>> 0;
}

export function sigprocmask(k: Kernel, p: Process, c: Call) {
  const how = c.int(0);
  const mask = c.int(1);
  if (how === null || mask === null) return E.EINVAL;
  const prev = p.sigblocked;
  const unblockable = sigbit(Sig.SIGKILL) | sigbit(Sig.SIGSTOP);
  if (how === SIG_BLOCK) p.sigblocked |= mask;
  else if (how === SIG_UNBLOCK) p.sigblocked &= ~mask;
  else if (how === SIG_SETMASK) p.sigblocked = mask;
  else if (how !== -1) return E.EINVAL;
  p.sigblocked &= ~unblockable;
  k.deliverPending(p);
  return prev >>> 0;
}

export const getpid = (_k: Kernel, p: Process) => p.pid;
export const getppid = (_k: Kernel, p: Process) => p.ppid;
export const getuid = (_k: Kernel, p: Process) => p.uid;
export const getgid = (_k: Kernel, p: Process) => p.gid;
export const geteuid = (_k: Kernel, p: Process) => p.euid;
export const getegid = (_k: Kernel, p: Process) => p.egid;

export function setuid(_k: Kernel, p: Process, c: Call) {
  const uid = intArg(c, 0);
  if (isErr(uid)) return uid;
  if (uid < 0) return E.EINVAL;
  if (p.euid !== 0 && uid !== p.uid) return E.EPERM;
  p.uid = p.euid = uid;
  return 0;
}

export function setgid(_k: Kernel, p: Process, c: Call) {
  const gid = intArg(c, 0);
  if (isErr(gid)) return gid;
  if (gid < 0) return E.EINVAL;
  if (p.euid !== 0 && gid !== p.gid) return E.EPERM;
  p.gid = p.egid = gid;
  return 0;
}

function lookup(k: Kernel, p: Process, pid: number | null) {
  if (pid === null) return E.EINVAL;
  if (pid === 0) return p;
  const t = k.procs.get(pid);
  return t && t.alive ? t : E.ESRCH;
}

export function getpgid(k: Kernel, p: Process, c: Call) {
  const t = lookup(k, p, c.int(0));
  return isErr(t) ? t : t.pgid;
}

export function getsid(k: Kernel, p: Process, c: Call) {
  const t = lookup(k, p, c.int(0));
  return isErr(t) ? t : t.sid;
}

export function setpgid(k: Kernel, p: Process, c: Call) {
  const t = lookup(k, p, c.int(0));
  const pgid = c.int(1);
  if (isErr(t)) return t;
  if (pgid === null || pgid < 0) return E.EINVAL;
  if (t !== p && t.ppid !== p.pid) return E.ESRCH;
  if (t.sid !== p.sid || t.pid === t.sid) return E.EPERM;
  const target = pgid === 0 ? t.pid : pgid;
  if (target !== t.pid) {
    let exists = false;
    for (const q of k.procs.values()) if (q.alive && q.pgid === target && q.sid === p.sid) exists = true;
    if (!exists) return E.EPERM;
  }
  t.pgid = target;
  return 0;
}

export function setsid(k: Kernel, p: Process) {
  for (const q of k.procs.values()) if (q.alive && q.pgid === p.pid && q !== p) return E.EPERM;
  if (p.pgid === p.pid && p.sid === p.pid) return E.EPERM;
  p.sid = p.pgid = p.pid;
  return p.sid;
}

export function umask(_k: Kernel, p: Process, c: Call) {
  const prev = p.umask;
  const m = c.int(0);
  if (m !== null && m >= 0) p.umask = m & 0o777;
  return prev;
}

export function nanosleep(k: Kernel, _p: Process, c: Call) {
  const s = c.arg(0);
  const ns = c.arg(1);
  if (!(s >= 0) || !(ns >= 0) || ns >= 1e9) return E.EINVAL;
  const ms = s * 1000 + ns / 1e6;
  let cancel = (): void => {};
  const done = new Promise<number>((resolve) => {
    cancel = k.host.setTimer(ms, () => resolve(0));
  });
  (done as { cancel?: () => void }).cancel = cancel;
  return done;
}

export function getrusage(k: Kernel, p: Process, c: Call) {
  const v = new DataView(c.view.data.buffer, c.view.data.byteOffset, 32);
  v.setFloat64(0, p.syscalls, true);
  v.setFloat64(8, p.kernelBytes, true);
  v.setFloat64(16, k.host.now() - p.startTime, true);
  v.setFloat64(24, p.channel ? Atomics.load(p.channel.ctl, Ctl.MEMKB) * 1024 : 0, true);
  c.setOut(32);
  return 0;
}
