// The machine's timebase: a 10 MHz counter (RISC-V `time`/mtime; the x86 engine will use it for
// its own clocks). Two kinds:
//   RealClock     follows the host's monotonic clock: what an interactive guest wants
//   VirtualClock  advances only when told (by instructions executed, or by skipping to the next
//                 deadline when every hart waits): runs are deterministic, for tests
//   PacedClock    advances with instructions while the guest runs, like VirtualClock, but an idle
//                 machine really sleeps and the clock moves on by the time slept: for a guest
//                 that talks to the outside (a network peer answers in real time), without the
//                 timer-interrupt livelock a real clock risks on a loaded host
// Both can be frozen and resumed for snapshots through `now()`/`set()`.

export const TIMEBASE_HZ = 10_000_000;

export interface Clock {
  /** Current time in timebase ticks. */
  now(): bigint;
  /** Moves time forward to at least `t` (an idle machine skipping to a deadline). Real clocks ignore it. */
  advanceTo(t: bigint): void;
  /** Whether waiting for a deadline needs a real sleep (true) or can jump (false). */
  readonly realtime: boolean;
  /** Sets the current time (restoring a snapshot). */
  set(t: bigint): void;
}

export class RealClock implements Clock {
  readonly realtime = true;
  private readonly origin = performance.now();
  private offset = 0n;

  now(): bigint {
    // performance.now() is in milliseconds with sub-microsecond resolution in Node and browsers.
    return BigInt(Math.floor((performance.now() - this.origin) * (TIMEBASE_HZ / 1000))) + this.offset;
  }

  advanceTo(_t: bigint): void {}

  /** Sets the current time (restoring a snapshot). */
  set(t: bigint): void {
    this.offset += t - this.now();
  }
}

export class VirtualClock implements Clock {
  readonly realtime: boolean = false;
  private t = 0n;

  now(): bigint {
    return this.t;
  }

  /** Advances by `ticks`. */
  add(ticks: bigint): void {
    this.t += ticks;
  }

  advanceTo(t: bigint): void {
    if (t > this.t) this.t = t;
  }

  set(t: bigint): void {
    this.t = t;
  }
}

export class PacedClock extends VirtualClock {
  override readonly realtime: boolean = true;
}
