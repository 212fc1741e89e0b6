// Clocks and entropy, answered inside the worker without a syscall (as Linux's vDSO does):
// the realtime clock from Date and the high-resolution timer, the monotonic clock from
// performance.now() on the shared time origin, process and thread CPU time as the time since
// the program started (a worker has no CPU clock of its own), and random bytes from the
// platform's CSPRNG.

import { randomFillSync } from 'node:crypto';
import { Clockid } from './constants.js';
import type { WasiContext } from './context.js';
import { WasiErrno, WasiError } from './errno.js';

const origin = BigInt(Math.round(performance.timeOrigin * 1e3)) * 1000n;

export function monotonicNs(): bigint {
  return origin + BigInt(Math.round(performance.now() * 1e6));
}

export function realtimeNs(): bigint {
  // Date has millisecond resolution; the timer supplies the rest so successive reads advance.
  return BigInt(Date.now()) * 1000000n + BigInt(Math.round((performance.now() % 1) * 1e6));
}

export function clockFunctions(ctx: WasiContext) {
  return {
    clock_res_get(id: number, ptr: number): number {
      if (id > Clockid.THREAD_CPUTIME) return WasiErrno.EINVAL;
      const dv = ctx.dv();
      if ((ptr >>> 0) + 8 > dv.byteLength) return WasiErrno.EFAULT;
      dv.setBigUint64(ptr, id === Clockid.REALTIME ? 1000n : 1000n, true);
      return 0;
    },

    clock_time_get(id: number, _precision: bigint, ptr: number): number {
      let t: bigint;
      switch (id) {
        case Clockid.REALTIME: t = realtimeNs(); break;
        case Clockid.MONOTONIC: t = monotonicNs(); break;
        case Clockid.PROCESS_CPUTIME:
        case Clockid.THREAD_CPUTIME: t = BigInt(Math.round((performance.now() - ctx.startMs) * 1e6)); break;
        default: return WasiErrno.EINVAL;
      }
      const dv = ctx.dv();
      if ((ptr >>> 0) + 8 > dv.byteLength) return WasiErrno.EFAULT;
      dv.setBigUint64(ptr, t, true);
      return 0;
    },

    random_get(ptr: number, len: number): number {
      const dst = ctx.bytes(ptr, len);
      for (let off = 0; off < dst.length; off += 65536) randomFillSync(dst, off, Math.min(65536, dst.length - off));
      return 0;
    },
  };
}

export { WasiError };
