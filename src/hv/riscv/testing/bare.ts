// A bare machine for instruction-level tests: one hart, RAM at 0x80000000, the test finisher at
// 0x100000. A program is copied to the start of RAM and runs in M-mode until it reports through
// the finisher, stops on WFI, or runs out of its instruction budget (the watchdog).
import { MmioBus } from '../../bus.js';
import { TestFinisher, type FinisherResult } from '../../devices/test-finisher.js';
import { Exit, RiscvHart, Translation } from '../engine.js';

export const RAM_BASE = 0x80000000;
export const FINISHER_BASE = 0x100000;

export interface BareRun {
  hart: RiscvHart;
  result: FinisherResult;
  exit: Exit;
  /** Instructions executed. */
  instret: bigint;
}

export interface BareOptions {
  ramSize?: number;
  /** Watchdog: at most this many instructions. */
  maxInstructions?: number;
  /** Stop at an ecall from any mode (for programs that end with ecall rather than the finisher). */
  setup?(hart: RiscvHart): void;
  /** How guest code runs (default: the engine's default). */
  translation?: Translation;
}

export async function bareHart(ramSize = 1 << 20, translation?: Translation): Promise<{ hart: RiscvHart; finisher: TestFinisher; bus: MmioBus }> {
  const bus = new MmioBus();
  const finisher = new TestFinisher(bus);
  bus.map(FINISHER_BASE, finisher);
  const hart = await RiscvHart.create({ ramSize, bus, translation });
  return { hart, finisher, bus };
}

export async function runBare(program: Uint8Array, opts: BareOptions = {}): Promise<BareRun> {
  const { hart, finisher, bus } = await bareHart(opts.ramSize, opts.translation);
  hart.ram.write(RAM_BASE, program);
  hart.reset(RAM_BASE);
  opts.setup?.(hart);
  let left = opts.maxInstructions ?? 5_000_000;
  let exit = Exit.Budget;
  while (left > 0) {
    const batch = Math.min(left, 100_000);
    const before = hart.instret;
    exit = hart.run(batch);
    left -= Number(hart.instret - before);
    if (exit !== Exit.Budget || bus.stopRequested) break;
    // Let background translations finish and install, as a machine's run loop does.
    await new Promise<void>((r) => setImmediate(r));
  }
  return { hart, result: finisher.result, exit, instret: hart.instret };
}
