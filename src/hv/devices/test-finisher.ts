// The SiFive test finisher ("sifive,test0" in a device tree): one 32-bit register at offset 0.
// Writing FINISHER_PASS powers the machine off, FINISHER_FAIL | code << 16 powers it off with an
// exit code, FINISHER_RESET reboots. Linux drives it through syscon-poweroff/-reboot; bare-metal
// conformance programs report pass or fail through it. The device only records the request and
// asks the bus to stop the engine; the machine's run loop acts on it.
import type { AccessSize, DeviceState, MmioDevice } from '../device.js';
import type { MmioBus } from '../bus.js';

export const FINISHER_FAIL = 0x3333;
export const FINISHER_PASS = 0x5555;
export const FINISHER_RESET = 0x7777;

export type FinisherResult =
  | { kind: 'running' }
  | { kind: 'pass' }
  | { kind: 'fail'; code: number }
  | { kind: 'reset' };

export class TestFinisher implements MmioDevice {
  readonly name = 'test';
  readonly size = 0x1000;
  result: FinisherResult = { kind: 'running' };

  constructor(private readonly bus: MmioBus) {}

  read(_offset: number, _size: AccessSize): number {
    return 0;
  }

  write(offset: number, _size: AccessSize, value: number): void {
    if (offset !== 0) return;
    const status = value & 0xffff;
    if (status === FINISHER_PASS) this.result = { kind: 'pass' };
    else if (status === FINISHER_FAIL) this.result = { kind: 'fail', code: value >>> 16 };
    else if (status === FINISHER_RESET) this.result = { kind: 'reset' };
    else return;
    this.bus.stopRequested = true;
  }

  save(): DeviceState {
    return { result: this.result };
  }

  restore(s: DeviceState): void {
    this.result = s['result'] as FinisherResult;
  }
}
