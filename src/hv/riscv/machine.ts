// The RISC-V virt machine: one hart of the WebAssembly engine, guest RAM, the MMIO bus with the
// CLINT, PLIC, 16550 UART, test finisher and virtio-mmio slots, the SBI answered in TypeScript,
// a generated device tree, and the run loop. Guests boot directly in S-mode per boot.ts.
//
// The run loop executes the hart in batches. Between batches it moves time forward (the
// machine's Clock), raises STIP when the SBI timer is due, answers SBI calls, and when the hart
// waits in WFI, sleeps until the next deadline or console input (or, with a VirtualClock, jumps
// time to the deadline). It ends on poweroff or reboot (SBI SRST or the syscon finisher), on a
// guest that falls into M-mode (a fault nothing in the guest handled), or on the watchdog.
import { MmioBus } from '../bus.js';
import type { IrqLine, MmioDevice } from '../device.js';
import { TestFinisher } from '../devices/test-finisher.js';
import { Uart16550 } from '../devices/uart16550.js';
import { RealClock, VirtualClock, type Clock } from '../clock.js';
import { Exit, Irq, Priv, RiscvHart } from './engine.js';
import { Clint } from './clint.js';
import { Plic } from './plic.js';
import { HartState, ResetType, Sbi, SBI_ERR_ALREADY_STARTED, SBI_ERR_INVALID_PARAM, SBI_SUCCESS, type SbiPlatform } from './sbi.js';
import { VIRT, virtDtb } from './virt.js';
import { parseImageHeader, planBoot } from './boot.js';

/** Instructions per host batch: small enough for prompt timers and input, large enough to amortize the exit. */
const BATCH = 50_000;
/** With a VirtualClock, guest instructions per timebase tick (10 MHz): a notional 100 MIPS guest. */
const INSTRUCTIONS_PER_TICK = 10n;
/** Exceptions an S-mode guest handles itself (all but ecalls from S and M, which go to the SBI). */
const MEDELEG_GUEST = 0xb1ff;
const MIDELEG_GUEST = (1 << Irq.SSI) | (1 << Irq.STI) | (1 << Irq.SEI);

export interface MachineConfig {
  ramSize: number;
  kernel: Uint8Array;
  initrd?: Uint8Array;
  cmdline: string;
  /** Receives the guest's console output (UART and SBI console alike). */
  output: (bytes: Uint8Array) => void;
  /** 'virtual' makes runs deterministic: time advances with instructions executed. */
  clock?: 'real' | 'virtual';
  /** Devices for the virtio-mmio slots, in order; each is given its PLIC line. */
  virtio?: Array<(irq: IrqLine, machine: RiscvMachine) => MmioDevice>;
}

export type MachineExit =
  | { kind: 'poweroff' }
  | { kind: 'reboot' }
  | { kind: 'fault'; report: string }
  | { kind: 'watchdog'; instructions: bigint }
  | { kind: 'stopped' };

export class RiscvMachine implements SbiPlatform {
  readonly hartCount = 1;
  readonly bus: MmioBus;
  readonly uart: Uart16550;
  readonly clint: Clint;
  readonly plic: Plic;
  readonly finisher: TestFinisher;
  readonly clock: Clock;
  readonly dtb: Uint8Array;
  private readonly sbi = new Sbi(this);
  private sbiTimer = 0xffffffffffffffffn;
  private hartState = HartState.Started;
  private exit: MachineExit | undefined;
  private wake: (() => void) | undefined;

  private constructor(readonly hart: RiscvHart, private readonly config: MachineConfig) {
    this.bus = hart.bus;
    this.clock = config.clock === 'virtual' ? new VirtualClock() : new RealClock();
    this.finisher = new TestFinisher(this.bus);
    this.clint = new Clint([hart], this.clock);
    this.plic = new Plic([hart]);
    this.uart = new Uart16550(this.plic.line(VIRT.UART_IRQ), (b) => config.output(Uint8Array.of(b)));
    this.bus.map(VIRT.TEST_BASE, this.finisher);
    this.bus.map(VIRT.CLINT_BASE, this.clint);
    this.bus.map(VIRT.PLIC_BASE, this.plic);
    this.bus.map(VIRT.UART_BASE, this.uart);
    const slots: number[] = [];
    (config.virtio ?? []).forEach((make, i) => {
      if (i >= VIRT.VIRTIO_SLOTS) throw new RangeError(`at most ${VIRT.VIRTIO_SLOTS} virtio devices`);
      this.bus.map(VIRT.VIRTIO_BASE + i * VIRT.VIRTIO_STRIDE, make(this.plic.line(VIRT.VIRTIO_IRQ + i), this));
      slots.push(i);
    });
    // Lay out the guest: the device tree's size depends on the initrd's placement only through
    // fixed-size properties, so size it once with a placeholder plan.
    const header = parseImageHeader(config.kernel);
    const dtOptions = { ramSize: config.ramSize, harts: 1, bootargs: config.cmdline, virtioSlots: slots, rngSeed: crypto.getRandomValues(new Uint8Array(32)) };
    const probe = virtDtb({ ...dtOptions, initrd: config.initrd ? { start: 0, end: 0 } : undefined });
    const plan = planBoot(VIRT.RAM_BASE, config.ramSize, header, config.initrd?.byteLength, probe.byteLength);
    this.dtb = virtDtb({ ...dtOptions, initrd: plan.initrd });
    hart.ram.write(plan.kernelAddr, config.kernel);
    if (config.initrd && plan.initrd) hart.ram.write(plan.initrd.start, config.initrd);
    hart.ram.write(plan.dtbAddr, this.dtb);
    hart.reset(plan.kernelAddr);
    hart.setCsr(0x302, MEDELEG_GUEST);
    hart.setCsr(0x303, MIDELEG_GUEST);
    hart.setCsr(0x306, 7); // mcounteren: cycle, time, instret readable below M
    hart.setCsr(0x106, 7);
    hart.setX(10, 0);
    hart.setX(11, plan.dtbAddr);
    hart.priv = Priv.S;
  }

  static async create(config: MachineConfig): Promise<RiscvMachine> {
    const hart = await RiscvHart.create({ ramSize: config.ramSize, bus: new MmioBus(), sbiInHost: true });
    return new RiscvMachine(hart, config);
  }

  /** Console input: queued for the UART (and the SBI console, which reads the same queue). */
  input(bytes: Uint8Array | string): void {
    this.uart.input(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
    this.wake?.();
  }

  /** Asks a running machine to return from run() with { kind: 'stopped' }. */
  stop(): void {
    this.exit ??= { kind: 'stopped' };
    this.wake?.();
  }

  /** Runs until the guest powers off, reboots or faults, stop() is called, or `maxInstructions` pass. */
  async run(opts: { maxInstructions?: bigint } = {}): Promise<MachineExit> {
    const hart = this.hart;
    const limit = opts.maxInstructions;
    let lastYield = performance.now();
    while (!this.exit) {
      this.syncTime();
      const before = hart.instret;
      const why = this.hartState === HartState.Started ? hart.run(BATCH) : Exit.Wfi;
      if (this.clock instanceof VirtualClock) this.clock.add((hart.instret - before) / INSTRUCTIONS_PER_TICK + 1n);
      if (why === Exit.Sbi) this.sbi.handle(hart, 0);
      else if (why === Exit.Stop) this.onFinisher();
      else if (why === Exit.Wfi) await this.idle();
      if (hart.priv === Priv.M && !this.exit) this.exit = { kind: 'fault', report: this.faultReport() };
      if (limit !== undefined && hart.instret >= limit && !this.exit) this.exit = { kind: 'watchdog', instructions: hart.instret };
      if (performance.now() - lastYield > 20) {
        // Let console input and timers of the host in.
        await new Promise<void>((r) => setImmediate(r));
        lastYield = performance.now();
      }
    }
    return this.exit;
  }

  private syncTime(): void {
    const now = this.clock.now();
    this.hart.mtime = now;
    this.hart.setLine(Irq.STI, now >= this.sbiTimer);
    this.clint.tick();
  }

  /** The hart waits for an interrupt: sleep (or skip time) until one can have arrived. */
  private async idle(): Promise<void> {
    if (this.exit || this.interruptPending()) return;
    const deadline = [this.sbiTimer, this.clint.nextDeadline() ?? 0xffffffffffffffffn].reduce((a, b) => (a < b ? a : b));
    if (!this.clock.realtime) {
      if (deadline === 0xffffffffffffffffn && this.uart.rxQueued === 0) {
        this.exit = { kind: 'fault', report: 'guest waits for an interrupt that can never come (no timer armed, no input)' };
        return;
      }
      this.clock.advanceTo(deadline);
      return;
    }
    const ticks = deadline - this.clock.now();
    const ms = deadline === 0xffffffffffffffffn ? 1000 : Math.max(0, Number(ticks) / 10_000);
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
    this.wake = undefined;
  }

  private interruptPending(): boolean {
    const mip = this.hart.csr(0x344) ?? 0n;
    const mie = this.hart.csr(0x304) ?? 0n;
    return (mip & mie) !== 0n;
  }

  private onFinisher(): void {
    this.bus.stopRequested = false;
    const r = this.finisher.result;
    if (r.kind === 'pass') this.exit = { kind: 'poweroff' };
    else if (r.kind === 'reset') this.exit = { kind: 'reboot' };
    else if (r.kind === 'fail') this.exit = { kind: 'fault', report: `guest reported failure ${r.code} through the test finisher` };
  }

  faultReport(): string {
    const h = this.hart;
    const hex = (v: bigint | undefined) => '0x' + (v ?? 0n).toString(16).padStart(16, '0');
    const names = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7',
      's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];
    const lines = [`unhandled trap: mcause ${hex(h.csr(0x342))} mepc ${hex(h.csr(0x341))} mtval ${hex(h.csr(0x343))}`,
      `scause ${hex(h.csr(0x142))} sepc ${hex(h.csr(0x141))} stval ${hex(h.csr(0x143))} satp ${hex(h.csr(0x180))}`];
    for (let i = 0; i < 32; i += 4) {
      lines.push(names.slice(i, i + 4).map((n, j) => `${n.padStart(4)} ${hex(BigInt.asUintN(64, h.x(i + j)))}`).join('  '));
    }
    return lines.join('\n');
  }

  // --- SbiPlatform ---------------------------------------------------------------------------

  consoleWrite(bytes: Uint8Array): void {
    this.config.output(bytes);
  }

  consoleRead(): number {
    return this.uart.rxQueued ? this.uart.read(0, 1) : -1;
  }

  setTimer(_hart: number, time: bigint): void {
    this.sbiTimer = time;
    this.hart.setLine(Irq.STI, this.clock.now() >= time);
  }

  sendIpi(harts: number[]): void {
    // An IPI is a supervisor software interrupt: set sip.SSIP as M-mode firmware would.
    if (harts.includes(0)) this.hart.setCsr(0x344, (this.hart.csr(0x344) ?? 0n) | (1n << BigInt(Irq.SSI)));
  }

  remoteFence(_harts: number[]): void {
    this.hart.setCsr(0x180, this.hart.csr(0x180) ?? 0n); // a satp write flushes the TLBs
  }

  hartStart(hart: number, _startAddr: bigint, _opaque: bigint): number {
    if (hart !== 0) return SBI_ERR_INVALID_PARAM;
    return SBI_ERR_ALREADY_STARTED;
  }

  hartStop(_hart: number): number {
    this.hartState = HartState.Stopped;
    return SBI_SUCCESS;
  }

  hartStatus(_hart: number): HartState {
    return this.hartState;
  }

  systemReset(type: ResetType, _reason: number): void {
    this.exit = type === ResetType.Shutdown ? { kind: 'poweroff' } : { kind: 'reboot' };
  }

  guestBytes(pa: bigint, len: number): Uint8Array | undefined {
    const a = Number(pa);
    return this.hart.ram.contains(a, len) ? this.hart.ram.slice(a, len) : undefined;
  }
}
