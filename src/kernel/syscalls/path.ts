// Path calls: the kernel resolves the path to its scheme and forwards the operation. Two-path
// calls (rename, link) must stay within one scheme.

import { E, isErr, Redirect, type Result } from '../../abi/errno.js';
import { O, S } from '../../abi/flags.js';
import { writeStat, type Stat } from '../../abi/stat.js';
import { utf8, WireReader } from '../../abi/wire.js';
import type { Call } from '../call.js';
import type { Kernel } from '../kernel.js';
import type { Process } from '../process.js';
import type { Answer, Scheme } from '../scheme.js';
import { Completion } from '../completion.js';
import { WouldBlock } from '../waitqueue.js';
import { intArg, pathArg, then } from './util.js';

type Target = { scheme: Scheme; ref: string; canonical: string };

function target(k: Kernel, p: Process, c: Call): Result<Target> {
  const path = pathArg(c);
  return isErr(path) ? path : k.resolve(p, path);
}

function twoTargets(k: Kernel, p: Process, c: Call): Result<[Target, Target]> {
  const r = new WireReader(c.input());
  const a = r.str();
  const b = r.str();
  if (a === null || b === null) return E.EINVAL;
  const ta = k.resolve(p, a);
  if (isErr(ta)) return ta;
  const tb = k.resolve(p, b);
  if (isErr(tb)) return tb;
  if (ta.scheme !== tb.scheme) return E.EXDEV;
  return [ta, tb];
}

export function mkdir(k: Kernel, p: Process, c: Call) {
  const t = target(k, p, c);
  const mode = intArg(c, 0);
  if (isErr(t)) return t;
  if (isErr(mode)) return mode;
  return t.scheme.mkdir(t.ref, mode & ~p.umask & 0o7777, p.caller());
}

export function rmdir(k: Kernel, p: Process, c: Call) {
  const t = target(k, p, c);
  return isErr(t) ? t : t.scheme.rmdir(t.ref, p.caller());
}

export function unlink(k: Kernel, p: Process, c: Call) {
  const t = target(k, p, c);
  return isErr(t) ? t : t.scheme.unlink(t.ref, p.caller());
}

export function rename(k: Kernel, p: Process, c: Call) {
  const t = twoTargets(k, p, c);
  return isErr(t) ? t : t[0].scheme.rename(t[0].ref, t[1].ref, p.caller());
}

export function link(k: Kernel, p: Process, c: Call) {
  const t = twoTargets(k, p, c);
  return isErr(t) ? t : t[0].scheme.link(t[0].ref, t[1].ref, p.caller());
}

export function symlink(k: Kernel, p: Process, c: Call) {
  const r = new WireReader(c.input());
  const targetPath = r.str();
  const linkPath = r.str();
  if (targetPath === null || linkPath === null) return E.EINVAL;
  const t = k.resolve(p, linkPath);
  if (isErr(t)) return t;
  return t.scheme.symlink(targetPath, t.ref, p.caller());
}

export function readlink(k: Kernel, p: Process, c: Call) {
  const t = target(k, p, c);
  if (isErr(t)) return t;
  return then(t.scheme.readlink(t.ref, p.caller()), (s) => c.out(utf8(s)));
}

export function chmod(k: Kernel, p: Process, c: Call) {
  const t = target(k, p, c);
  const mode = intArg(c, 0);
  if (isErr(t)) return t;
  if (isErr(mode)) return mode;
  return t.scheme.chmod(t.ref, mode & 0o7777, p.caller());
}

export function chown(k: Kernel, p: Process, c: Call) {
  const t = target(k, p, c);
  const uid = intArg(c, 0);
  const gid = intArg(c, 1);
  if (isErr(t)) return t;
  if (isErr(uid)) return uid;
  if (isErr(gid)) return gid;
  return t.scheme.chown(t.ref, uid, gid, p.caller());
}

export function utimens(k: Kernel, p: Process, c: Call) {
  const t = target(k, p, c);
  return isErr(t) ? t : t.scheme.utimens(t.ref, c.arg(0), c.arg(1), p.caller());
}

/**
 * stat by path, going on where a scheme redirects; schemes that have no path stat are asked by
 * opening and fstat-ing.
 */
export function statPath(k: Kernel, p: Process, t: Target, nofollow: boolean, depth = 0): Answer<Stat> {
  const follow = (r: Redirect): Answer<Stat> => {
    if (depth >= 8) return E.ELOOP;
    const next = k.resolve(p, r.path);
    return isErr(next) ? next : statPath(k, p, next, nofollow, depth + 1);
  };
  const a = t.scheme.stat(t.ref, nofollow, p.caller());
  if (a instanceof Redirect) return follow(a);
  if (a instanceof Promise) {
    const g = (v: Result<Stat>): Result<Stat> | Promise<Result<Stat>> => {
      if (!(v instanceof Redirect)) return v;
      const f = follow(v);
      return f instanceof WouldBlock ? E.EAGAIN : f;
    };
    return a instanceof Completion ? (a as Completion<Result<Stat>>).map(g) : a.then(g);
  }
  if (a !== E.EOPNOTSUPP) return a;
  return then(t.scheme.open(t.ref, O.PATH | (nofollow ? O.NOFOLLOW : 0), 0, p.caller()), (o) => {
    const close = () => t.scheme.close(o.handle);
    const st = t.scheme.fstat(o.handle);
    if (st instanceof Promise) return st.finally(close);
    close();
    return st as Result<Stat>;
  });
}

export function stat(k: Kernel, p: Process, c: Call) {
  const t = target(k, p, c);
  if (isErr(t)) return t;
  return then(statPath(k, p, t, (c.int(0) ?? 0) === 1), (st) => {
    c.setOut(writeStat(c.outArea(), st));
    return 0;
  });
}

export function chdir(k: Kernel, p: Process, c: Call) {
  const t = target(k, p, c);
  if (isErr(t)) return t;
  return then(statPath(k, p, t, false), (st) => {
    if ((st.mode & S.IFMT) !== S.IFDIR) return E.ENOTDIR;
    p.cwd = t.canonical;
    return 0;
  });
}

export function getcwd(_k: Kernel, p: Process, c: Call) {
  return c.out(utf8(p.cwd));
}
