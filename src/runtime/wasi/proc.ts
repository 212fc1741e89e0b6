// Arguments, environment and the process's own life: args_*, environ_* (from the spawn
// request, laid out as wasi-libc expects: an array of pointers, then the NUL-terminated
// strings), proc_exit (the kernel's exit call, which unwinds the program's stack with
// ProcessEnded once the thread is released), proc_raise (kill(getpid(), sig): the kernel
// applies the default action or flags a handler) and sched_yield (answered in the worker).

import { Sys } from '../../abi/syscall.js';
import type { WasiContext } from './context.js';
import { WasiErrno } from './errno.js';

function encodeList(list: string[]): Uint8Array[] {
  const enc = new TextEncoder();
  return list.map((s) => {
    const b = enc.encode(s);
    const z = new Uint8Array(b.length + 1);
    z.set(b);
    return z;
  });
}

export function procFunctions(ctx: WasiContext) {
  // Encoded on first use: the functions are made before the process they serve is known.
  let argsList: Uint8Array[] | null = null;
  let envList: Uint8Array[] | null = null;
  const args = (): Uint8Array[] => (argsList ??= encodeList(ctx.argv));
  const env = (): Uint8Array[] => (envList ??= encodeList(ctx.env));

  function sizes(list: Uint8Array[], countPtr: number, sizePtr: number): number {
    const dv = ctx.dv();
    if ((countPtr >>> 0) + 4 > dv.byteLength || (sizePtr >>> 0) + 4 > dv.byteLength) return WasiErrno.EFAULT;
    dv.setUint32(countPtr, list.length, true);
    dv.setUint32(sizePtr, list.reduce((n, b) => n + b.length, 0), true);
    return 0;
  }

  function fill(list: Uint8Array[], ptrs: number, buf: number): number {
    const dv = ctx.dv();
    const total = list.reduce((n, b) => n + b.length, 0);
    ctx.bytes(ptrs, list.length * 4);
    const dst = ctx.bytes(buf, total);
    let off = 0;
    list.forEach((b, i) => {
      dv.setUint32(ptrs + i * 4, buf + off, true);
      dst.set(b, off);
      off += b.length;
    });
    return 0;
  }

  return {
    args_sizes_get: (countPtr: number, sizePtr: number) => sizes(args(), countPtr, sizePtr),
    args_get: (ptrs: number, buf: number) => fill(args(), ptrs, buf),
    environ_sizes_get: (countPtr: number, sizePtr: number) => sizes(env(), countPtr, sizePtr),
    environ_get: (ptrs: number, buf: number) => fill(env(), ptrs, buf),

    proc_exit(code: number): never {
      ctx.exit(code);
    },

    proc_raise(sig: number): number {
      if (!(sig > 0 && sig < 32)) return WasiErrno.EINVAL;
      ctx.must(Sys.kill, ctx.pid, sig);
      return 0;
    },

    sched_yield(): number {
      // Nothing to give up to: the process has its own thread. Buffered writes go out, so a
      // program spinning on sched_yield while another process waits for them does not stall it.
      if (ctx.pending) ctx.flush();
      return 0;
    },
  };
}
