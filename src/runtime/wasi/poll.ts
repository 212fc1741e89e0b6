// poll_oneoff: waiting on clocks and descriptors at once. Descriptors that are always ready
// (regular files, directories) and mapped pipe rings are answered at once without the kernel;
// a wait on clocks alone is one nanosleep; anything else is handed to the kernel's `event`
// scheme (epoll-like: subscribe, read ready records, unsubscribe), with a `time` scheme
// descriptor armed for the earliest clock so the same read also wakes at the timeout. The
// two kernel descriptors are opened on first use and kept out of the program's way, above
// the numbers it normally uses, close-on-exec.

import { EVENT_READ, EVENT_RECORD as RECORD, EVENT_WRITE } from '../../abi/scheme.js';
import { RingEnd } from '../../abi/ring.js';
import { F, O } from '../../abi/flags.js';
import { Sys } from '../../abi/syscall.js';
import { Clockid, EVENT, Eventtype, Filetype, Rights as R, SUBCLOCK_ABSTIME, SUBSCRIPTION } from './constants.js';
import type { WasiContext } from './context.js';
import { toWasi, WasiErrno, WasiError } from './errno.js';
import { monotonicNs } from './clock.js';
import { setU32 } from './fd.js';

const HIDDEN_FD_BASE = 1000;

interface Sub {
  userdata: bigint;
  type: number;
  /** Clock: deadline in ms on the process's monotonic clock. */
  deadline: number;
  fd: number;
}

interface Ev {
  userdata: bigint;
  error: number;
  type: number;
  nbytes: number;
}

/** Opens a kernel object on a high, close-on-exec descriptor. */
function hidden(ctx: WasiContext, path: string): number {
  const fd = ctx.must(Sys.open, O.RDWR, 0, 0, 0, new TextEncoder().encode(path));
  const high = ctx.call(Sys.fcntl, fd, F.DUPFD_CLOEXEC, HIDDEN_FD_BASE);
  if (high < 0) return fd;
  ctx.call(Sys.close, fd);
  return high;
}

/**
 * Waits through the kernel's event scheme until one of `fdSubs` is ready or `deadline` (ms on
 * the monotonic clock; Infinity for none) passes; adds the ready subscriptions' indexes to
 * `ready`. Answers true when a signal interrupted the wait. The socket calls use it too.
 */
export function kernelWaiter(ctx: WasiContext): KernelWait {
  let w = waiters.get(ctx);
  if (!w) waiters.set(ctx, (w = makeWaiter(ctx)));
  return w;
}

type KernelWait = (fdSubs: Pick<Sub, 'fd' | 'type'>[], deadline: number, ready: Set<number>) => boolean;
/** One waiter (one event queue, one timer) per process, shared by poll_oneoff and the socket calls. */
const waiters = new WeakMap<WasiContext, KernelWait>();

function makeWaiter(ctx: WasiContext): KernelWait {
  let eventFd = -1;
  let timerFd = -1;

  return function waitKernel(fdSubs, deadline, ready) {
    if (eventFd < 0) eventFd = hidden(ctx, '/scheme/event');
    const n = fdSubs.length + (Number.isFinite(deadline) ? 1 : 0);
    const rec = new Uint8Array(n * RECORD);
    const v = new DataView(rec.buffer);
    fdSubs.forEach((s, i) => {
      v.setFloat64(i * RECORD, s.fd, true);
      v.setFloat64(i * RECORD + 8, s.type === Eventtype.FD_READ ? EVENT_READ : EVENT_WRITE, true);
      v.setFloat64(i * RECORD + 16, i, true);
    });
    if (Number.isFinite(deadline)) {
      if (timerFd < 0) timerFd = hidden(ctx, '/scheme/time/monotonic');
      ctx.must(Sys.read, timerFd, 16, -1);
      const kv = new DataView(ctx.client.data.buffer, ctx.client.data.byteOffset, 16);
      const kernelNow = kv.getFloat64(0, true) * 1000 + kv.getFloat64(8, true) / 1e6;
      const at = kernelNow + Math.max(0, deadline - Number(monotonicNs()) / 1e6);
      const t = new Uint8Array(16);
      const tv = new DataView(t.buffer);
      tv.setFloat64(0, Math.floor(at / 1000), true);
      tv.setFloat64(8, Math.round((at % 1000) * 1e6), true);
      ctx.must(Sys.write, timerFd, -1, 0, 0, t);
      const i = fdSubs.length;
      v.setFloat64(i * RECORD, timerFd, true);
      v.setFloat64(i * RECORD + 8, EVENT_READ, true);
      v.setFloat64(i * RECORD + 16, -1, true);
    }
    ctx.must(Sys.write, eventFd, -1, 0, 0, rec);
    let interrupted = false;
    const got = ctx.call(Sys.read, eventFd, n * RECORD, -1);
    if (got === -4) interrupted = true;
    else if (got < 0) throw new WasiError(toWasi(got));
    else {
      const ev = new DataView(ctx.client.data.buffer, ctx.client.data.byteOffset, got);
      for (let off = 0; off + RECORD <= got; off += RECORD) {
        const token = ev.getFloat64(off + 16, true);
        if (token >= 0) ready.add(token);
      }
    }
    for (let i = 0; i < n; i++) v.setFloat64(i * RECORD + 8, 0, true);
    ctx.call(Sys.write, eventFd, -1, 0, 0, rec);
    return interrupted;
  };
}

export function pollFunctions(ctx: WasiContext) {
  const waitKernel = kernelWaiter(ctx);

  function readClocks(in_: number, n: number): Sub[] {
    const dv = ctx.dv();
    if ((in_ >>> 0) + n * SUBSCRIPTION.SIZE > dv.byteLength) throw new WasiError(WasiErrno.EFAULT);
    const subs: Sub[] = [];
    const nowMono = Number(monotonicNs()) / 1e6;
    for (let i = 0; i < n; i++) {
      const p = in_ + i * SUBSCRIPTION.SIZE;
      const userdata = dv.getBigUint64(p + SUBSCRIPTION.USERDATA, true);
      const type = dv.getUint8(p + SUBSCRIPTION.TAG);
      if (type === Eventtype.CLOCK) {
        const id = dv.getUint32(p + SUBSCRIPTION.CLOCK_ID, true);
        const timeout = Number(dv.getBigUint64(p + SUBSCRIPTION.CLOCK_TIMEOUT, true)) / 1e6;
        const abs = (dv.getUint16(p + SUBSCRIPTION.CLOCK_FLAGS, true) & SUBCLOCK_ABSTIME) !== 0;
        if (id > Clockid.THREAD_CPUTIME) throw new WasiError(WasiErrno.EINVAL);
        let rel = timeout;
        if (abs) rel = id === Clockid.REALTIME ? timeout - Date.now() : id === Clockid.MONOTONIC ? timeout - nowMono : timeout - (performance.now() - ctx.startMs);
        subs.push({ userdata, type, deadline: nowMono + Math.max(0, rel), fd: -1 });
      } else if (type === Eventtype.FD_READ || type === Eventtype.FD_WRITE) {
        subs.push({ userdata, type, deadline: 0, fd: dv.getUint32(p + SUBSCRIPTION.FD, true) });
      } else throw new WasiError(WasiErrno.EINVAL);
    }
    return subs;
  }

  /** Readiness known without the kernel: 1 ready, 0 not ready, -1 ask the kernel. */
  function quick(s: Sub): number {
    const e = ctx.fds.get(s.fd) ?? ctx.entry(s.fd);
    if (e.filetype === Filetype.REGULAR_FILE || e.filetype === Filetype.DIRECTORY) return 1;
    const r = ctx.rings.get(s.fd);
    if (r) {
      if (s.type === Eventtype.FD_READ && r.end === RingEnd.Read) return r.ring.readable() ? 1 : 0;
      if (s.type === Eventtype.FD_WRITE && r.end === RingEnd.Write) return r.ring.writable() ? 1 : 0;
    }
    return -1;
  }

  return {
    poll_oneoff(in_: number, out: number, nsubs: number, nevents: number): number {
      if (nsubs === 0) return WasiErrno.EINVAL;
      const subs = readClocks(in_, nsubs);
      const events: Ev[] = [];
      const fdSubs: Sub[] = [];
      let deadline = Infinity;
      for (const s of subs) {
        if (s.type === Eventtype.CLOCK) {
          deadline = Math.min(deadline, s.deadline);
          continue;
        }
        let q: number;
        try {
          const e = ctx.entry(s.fd);
          if ((e.rightsBase & R.POLL_FD_READWRITE) === 0 && (e.rightsBase & (R.FD_READ | R.FD_WRITE)) === 0) throw new WasiError(WasiErrno.ENOTCAPABLE);
          q = quick(s);
        } catch (err) {
          if (!(err instanceof WasiError)) throw err;
          events.push({ userdata: s.userdata, error: err.errno, type: s.type, nbytes: 0 });
          continue;
        }
        if (q === 1) events.push({ userdata: s.userdata, error: 0, type: s.type, nbytes: 1 });
        else fdSubs.push(s);
      }
      const clocksDue = (): void => {
        const now = Number(monotonicNs()) / 1e6;
        for (const s of subs) if (s.type === Eventtype.CLOCK && s.deadline <= now) events.push({ userdata: s.userdata, error: 0, type: Eventtype.CLOCK, nbytes: 0 });
      };
      // Host timers fire on whole milliseconds and may come a fraction early: wait again for
      // what is left until something is ready or a clock is due.
      while (events.length === 0) {
        const ms = deadline - Number(monotonicNs()) / 1e6;
        if (fdSubs.length === 0) {
          if (ms > 0) {
            const wait = Math.ceil(ms * 1000) / 1000;
            const r = ctx.call(Sys.nanosleep, Math.floor(wait / 1000), Math.floor((wait % 1000) * 1e6));
            if (r === -4) return WasiErrno.EINTR;
          }
        } else {
          const ready = new Set<number>();
          if (waitKernel(fdSubs, deadline, ready)) return WasiErrno.EINTR;
          fdSubs.forEach((s, i) => {
            if (ready.has(i)) events.push({ userdata: s.userdata, error: 0, type: s.type, nbytes: 1 });
          });
        }
        clocksDue();
      }
      const dv = ctx.dv();
      if ((out >>> 0) + events.length * EVENT.SIZE > dv.byteLength) return WasiErrno.EFAULT;
      events.forEach((ev, i) => {
        const p = out + i * EVENT.SIZE;
        for (let b = 0; b < EVENT.SIZE; b += 4) dv.setUint32(p + b, 0, true);
        dv.setBigUint64(p + EVENT.USERDATA, ev.userdata, true);
        dv.setUint16(p + EVENT.ERROR, ev.error, true);
        dv.setUint8(p + EVENT.TYPE, ev.type);
        dv.setBigUint64(p + EVENT.NBYTES, BigInt(ev.nbytes), true);
      });
      setU32(ctx, nevents, events.length);
      return 0;
    },
  };
}
