// Small pieces the syscall handlers share.

import { E, Err, isErr, type Result } from '../../abi/errno.js';
import { O } from '../../abi/flags.js';
import type { Call } from '../call.js';
import type { FileDescription } from '../file.js';
import type { Process } from '../process.js';
import type { Answer } from '../scheme.js';
import { Completion } from '../completion.js';
import { WouldBlock } from '../waitqueue.js';

/** Applies `f` to a value answer, now or when it arrives; errors and WouldBlock pass through. */
export function then<T, U>(a: Answer<T>, f: (v: T) => Result<U> | Promise<Result<U>>): Answer<U> {
  if (a instanceof Err || a instanceof WouldBlock) return a;
  // A daemon's answer: mapped synchronously when it arrives (see completion.ts).
  if (a instanceof Completion) return (a as Completion<Result<T>>).map((v) => (v instanceof Err ? v : f(v)));
  if (a instanceof Promise) {
    const p = a.then((v) => (v instanceof Err ? v : f(v)));
    const cancel = (a as { cancel?: () => void }).cancel;
    if (cancel) (p as { cancel?: () => void }).cancel = cancel;
    return p;
  }
  return f(a);
}

/** A descriptor argument's description, or EBADF. */
export function desc(p: Process, c: Call, i = 0): Result<FileDescription> {
  const e = p.fds.get(c.fd(i));
  return e ? e.desc : E.EBADF;
}

/** On a non-blocking description, "would block" is EAGAIN. */
export function nonblock<T>(d: FileDescription, a: Answer<T>): Answer<T> {
  return a instanceof WouldBlock && d.flags & O.NONBLOCK ? E.EAGAIN : a;
}

/** The payload as a path, or EINVAL when it is not valid UTF-8 or empty. */
export function pathArg(c: Call): Result<string> {
  const s = c.str();
  return s === null ? E.EINVAL : s.length === 0 ? E.ENOENT : s;
}

export function intArg(c: Call, i: number): Result<number> {
  const x = c.int(i);
  return x === null ? E.EINVAL : x;
}

export { isErr };
