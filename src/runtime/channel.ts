// The process side of the syscall channel (layout in src/abi/channel.ts). A call posts its
// frame, spins briefly on the reply word — a busy kernel answers within a microsecond, and
// spinning beats a futex wake-up by an order of magnitude — and then sleeps in Atomics.wait.
// The kernel never blocks, so a call that must wait simply gets its reply later.
//
// This module runs in two places: inside an MH-JS program's sandbox context (as part of
// libmh) and in the worker's own realm (the WASI runtime). It touches nothing but the buffer.

import { ChannelView, Ctl, DATA_SIZE } from '../abi/channel.js';

/**
 * Spin iterations before sleeping; each is one atomic load (a few nanoseconds). The budget
 * adapts: a reply that came while spinning doubles it (the kernel is answering from its
 * polling loop), one that needed a sleep halves it (the kernel is busy elsewhere or has no
 * core to run on, and spinning would only take CPU from it).
 */
const SPIN_MAX = 8000;
// Never below what a busy kernel needs to answer (about a microsecond), or it could not recover.
const SPIN_MIN = 1000;

/**
 * Thrown inside a process whose life the kernel has ended while it waited in a syscall (its
 * exit, or a kill): it unwinds the program's stack so the thread can be reused.
 */
export class ProcessEnded extends Error {
  constructor() {
    super('process ended');
    this.name = 'ProcessEnded';
  }
}

export class SyscallClient {
  readonly view: ChannelView;
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly result: Float64Array;
  readonly data: Uint8Array;
  /** Called after every call when the kernel has flagged pending signals with handlers. */
  onSignals: (() => void) | null = null;
  private spin = SPIN_MAX;

  constructor(buffer: SharedArrayBuffer) {
    this.view = new ChannelView(buffer);
    this.ctl = this.view.ctl;
    this.args = this.view.args;
    this.result = this.view.result;
    this.data = this.view.data;
  }

  /**
   * Makes one call. `input` (at most DATA_SIZE bytes) is copied into the data area unless it
   * already lives there (callers that build payloads in place pass `inLen` instead).
   * Returns the result word; the reply payload is `data.subarray(0, outLen)`.
   */
  call(nr: number, a0 = 0, a1 = 0, a2 = 0, a3 = 0, input: Uint8Array | null = null, inLen = 0): number {
    const ctl = this.ctl;
    const args = this.args;
    args[0] = a0;
    args[1] = a1;
    args[2] = a2;
    args[3] = a3;
    if (input !== null) {
      if (input.length > DATA_SIZE) throw new RangeError('syscall payload larger than the channel');
      this.data.set(input);
      inLen = input.length;
    }
    if (Atomics.load(ctl, Ctl.DEAD) !== 0) throw new ProcessEnded();
    ctl[Ctl.NR] = nr;
    ctl[Ctl.IN_LEN] = inLen;
    Atomics.store(ctl, Ctl.KSTATE, 1);
    if (Atomics.load(ctl, Ctl.KSPIN) === 0) Atomics.notify(ctl, Ctl.KSTATE);
    let spins = this.spin;
    let slept = false;
    let slow = false;
    while (Atomics.load(ctl, Ctl.USTATE) === 0 && Atomics.load(ctl, Ctl.DEAD) === 0) {
      // The kernel says the answer waits on a daemon or a sleeper: spinning would only take
      // the CPU that the daemon (or the kernel) needs to produce it.
      if (!slow && !slept && Atomics.load(ctl, Ctl.SLOW) !== 0) slow = true;
      if (slow || --spins <= 0) {
        Atomics.wait(ctl, Ctl.USTATE, 0);
        slept = true;
      }
    }
    // A call the kernel marked slow while we spun says nothing of how fast the kernel answers:
    // the budget stays as it was. One that outspun the budget before the kernel even took it
    // (the kernel's thread had no core: a loaded machine) halves it, whatever came after.
    if (!slow) this.spin = slept ? Math.max(SPIN_MIN, this.spin >> 1) : Math.min(SPIN_MAX, this.spin * 2);
    if (Atomics.load(ctl, Ctl.DEAD) !== 0) throw new ProcessEnded();
    Atomics.store(ctl, Ctl.USTATE, 0);
    ctl[Ctl.CALLS] = (ctl[Ctl.CALLS]! + 1) | 0;
    const r = this.result[0]!;
    if (this.onSignals !== null && Atomics.load(ctl, Ctl.SIGPENDING) !== 0) this.onSignals();
    return r;
  }

  get outLen(): number {
    return this.ctl[Ctl.OUT_LEN]!;
  }

  /** A copy of the reply payload (the data area is reused by the next call). */
  out(): Uint8Array {
    return this.data.slice(0, this.ctl[Ctl.OUT_LEN]!);
  }
}
