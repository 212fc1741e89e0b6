// time: `/scheme/time/monotonic` and `/scheme/time/realtime`. Reading gives the clock as a
// 16-byte timespec (f64 seconds, f64 nanoseconds); writing one arms a deadline on that clock,
// after which the descriptor is readable for the event scheme — timers without threads.

import { E, type Result } from '../../abi/errno.js';
import { S } from '../../abi/flags.js';
import { EVENT_READ } from '../../abi/scheme.js';
import { emptyStat, type Stat } from '../../abi/stat.js';
import type { Host } from '../host.js';
import { Scheme, type Opened } from '../scheme.js';
import { WaitQueue } from '../waitqueue.js';

interface Timer {
  clock: 'monotonic' | 'realtime';
  deadline: number;
  fired: boolean;
  cancel: (() => void) | null;
  queue: WaitQueue;
}

export const TIMESPEC_BYTES = 16;

export class TimeScheme extends Scheme {
  readonly name = 'time';
  private timers = new Map<number, Timer>();
  private next = 1;
  constructor(private readonly host: Host) {
    super();
  }

  private nowMs(t: Timer): number {
    return t.clock === 'monotonic' ? this.host.now() : this.host.wallClock();
  }

  override open(ref: string): Result<Opened> {
    const clock = ref === 'monotonic' || ref === '1' ? 'monotonic' : ref === 'realtime' || ref === '0' ? 'realtime' : null;
    if (!clock) return E.ENOENT;
    const h = this.next++;
    this.timers.set(h, { clock, deadline: -1, fired: false, cancel: null, queue: new WaitQueue() });
    return { handle: h, stream: true };
  }

  override read(h: number, dst: Uint8Array): Result<number> {
    const t = this.timers.get(h);
    if (!t) return E.EBADF;
    if (dst.length < TIMESPEC_BYTES) return E.EINVAL;
    const ms = this.nowMs(t);
    const v = new DataView(dst.buffer, dst.byteOffset, TIMESPEC_BYTES);
    v.setFloat64(0, Math.floor(ms / 1000), true);
    v.setFloat64(8, Math.round((ms % 1000) * 1e6), true);
    t.fired = false;
    return TIMESPEC_BYTES;
  }

  override write(h: number, src: Uint8Array): Result<number> {
    const t = this.timers.get(h);
    if (!t) return E.EBADF;
    if (src.length < TIMESPEC_BYTES) return E.EINVAL;
    const v = new DataView(src.buffer, src.byteOffset, TIMESPEC_BYTES);
    const deadline = v.getFloat64(0, true) * 1000 + v.getFloat64(8, true) / 1e6;
    if (!Number.isFinite(deadline)) return E.EINVAL;
    t.cancel?.();
    t.deadline = deadline;
    t.fired = false;
    t.cancel = this.host.setTimer(Math.max(0, deadline - this.nowMs(t)), () => {
      t.fired = true;
      t.cancel = null;
      t.queue.wake();
    });
    return TIMESPEC_BYTES;
  }

  override poll(h: number): { ready: number; queue: WaitQueue | null } {
    const t = this.timers.get(h);
    if (!t) return { ready: 0, queue: null };
    return { ready: t.fired ? EVENT_READ : 0, queue: t.queue };
  }

  override fstat(): Stat {
    return { ...emptyStat(), mode: S.IFCHR | 0o444 };
  }

  override close(h: number): void {
    this.timers.get(h)?.cancel?.();
    this.timers.delete(h);
  }

  shutdown(): void {
    for (const t of this.timers.values()) t.cancel?.();
  }
}
