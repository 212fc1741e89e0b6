// The kernel's own descriptors: what the host uses to hand a console, a log pipe or a test's
// capture pipe to the processes it starts. They live in the table of "pid 0", the kernel's
// context, and are read and written with the same scheme operations a process's calls use.

import { E, isErr, type Result } from '../abi/errno.js';
import { O } from '../abi/flags.js';
import type { Kernel } from './kernel.js';
import { settle } from './settle.js';
import { concatBytes } from '../abi/bytes.js';

export function kpipe(k: Kernel): { read: number; write: number } {
  const ring = k.pipes.createRing();
  const [ro, wo] = k.pipes.openPair(ring);
  const ctx = k.kernelContext();
  const r = ctx.fds.install(k.describe(k.pipes, ro, O.RDONLY, `/scheme/pipe/${ring.id}/read`));
  const w = ctx.fds.install(k.describe(k.pipes, wo, O.WRONLY, `/scheme/pipe/${ring.id}/write`));
  if (isErr(r) || isErr(w)) throw new Error('kernel descriptor table full');
  return { read: r, write: w };
}

export function kopen(k: Kernel, path: string, flags: number): Promise<Result<number>> {
  const ctx = k.kernelContext();
  const r = k.resolve(ctx, path);
  if (isErr(r)) return Promise.resolve(r);
  return settle(() => r.scheme.open(r.ref, flags, 0o666, ctx.caller())).then((o) => {
    if (isErr(o)) return o;
    return ctx.fds.install(o.desc ?? k.describe(r.scheme, o, flags, r.canonical));
  });
}

export function kclose(k: Kernel, fd: number): void {
  k.kernelContext().fds.close(fd);
}

/** Reads what is available (waiting for at least one byte); an empty array at end of file. */
export async function kread(k: Kernel, fd: number, max = 65536): Promise<Result<Uint8Array>> {
  const e = k.kernelContext().fds.get(fd);
  if (!e) return Promise.resolve(new Uint8Array(0));
  const d = e.desc;
  const dst = new Uint8Array(max);
  const n = await settle(() => d.scheme.read(d.handle, dst, d.offset, k.kernelContext().caller()));
  if (isErr(n)) return n;
  const got = typeof n === 'number' ? dst.subarray(0, n) : n.slice();
  if (!d.stream) d.offset += got.length;
  return got;
}

/** Reads until end of file. */
export async function kreadAll(k: Kernel, fd: number): Promise<Result<Uint8Array>> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const b = await kread(k, fd);
    if (isErr(b)) return b;
    if (b.length === 0) break;
    parts.push(b);
    total += b.length;
  }
  return concatBytes(parts, total);
}

export async function kwrite(k: Kernel, fd: number, data: Uint8Array): Promise<Result<number>> {
  const e = k.kernelContext().fds.get(fd);
  if (!e) return data.length;
  const d = e.desc;
  let done = 0;
  while (done < data.length) {
    const n = await settle(() => d.scheme.write(d.handle, data.subarray(done), d.offset, k.kernelContext().caller()));
    if (isErr(n)) return n;
    done += n;
    if (!d.stream) d.offset += n;
  }
  return done;
}

/** dup with a sub-path on a kernel descriptor (a pty's "slave" or "termios", say). */
export async function kdup(k: Kernel, fd: number, sub: string): Promise<Result<number>> {
  const ctx = k.kernelContext();
  const e = ctx.fds.get(fd);
  if (!e) return Promise.resolve(E.EBADF);
  const d = e.desc;
  const o = await settle(() => d.scheme.dup(d.handle, sub, ctx.caller()));
  if (isErr(o)) return o;
  const nd = o.desc ?? k.describe(d.scheme, o, d.flags, `${d.path}/${sub}`);
  const r = ctx.fds.install(nd);
  if (isErr(r) && nd.refs === 0) k.release(nd);
  return r;
}
