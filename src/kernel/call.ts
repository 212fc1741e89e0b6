// A syscall frame as a handler sees it: bounds-checked accessors over the caller's channel.
// One Call per process, reused for every call (nothing is allocated on the fast path). Input
// and output share the data area: a handler reads its input before it writes its output.

import { ChannelView, Ctl, DATA_SIZE } from '../abi/channel.js';
import { fromUtf8 } from '../abi/wire.js';

export class Call {
  constructor(readonly view: ChannelView) {}

  get nr(): number {
    return this.view.ctl[Ctl.NR]!;
  }

  /** The raw numeric argument. */
  arg(i: number): number {
    return this.view.args[i]!;
  }

  /** The argument as a safe integer, or null if it is not one (the handler answers EINVAL). */
  int(i: number): number | null {
    const x = this.view.args[i]!;
    return Number.isSafeInteger(x) ? x : null;
  }

  /** A descriptor number argument: an integer in [0, 2^31), or -1 if it is not one. */
  fd(i: number): number {
    const x = this.view.args[i]!;
    return Number.isInteger(x) && x >= 0 && x < 0x7fffffff ? x : -1;
  }

  get inLen(): number {
    return this.view.ctl[Ctl.IN_LEN]!;
  }

  /** Marks the input as taken, so that a parked call run again does not take it twice. */
  consumeInput(): void {
    this.view.ctl[Ctl.IN_LEN] = 0;
  }

  /** The payload in; the dispatcher has checked that inLen fits the data area. */
  input(): Uint8Array {
    return this.view.data.subarray(0, this.inLen);
  }

  /** The payload as UTF-8 text, or null when it is not valid UTF-8. */
  str(): string | null {
    return fromUtf8(this.input());
  }

  /** The output area, at most `max` bytes (and never more than the data area). */
  outArea(max = DATA_SIZE): Uint8Array {
    return this.view.data.subarray(0, Math.max(0, Math.min(max, DATA_SIZE)));
  }

  setOut(n: number): void {
    this.view.ctl[Ctl.OUT_LEN] = n;
  }

  /** Copies bytes to the output area (truncating to the data area). */
  out(bytes: Uint8Array): number {
    const n = Math.min(bytes.length, DATA_SIZE);
    this.view.data.set(n === bytes.length ? bytes : bytes.subarray(0, n));
    this.view.ctl[Ctl.OUT_LEN] = n;
    return n;
  }
}
