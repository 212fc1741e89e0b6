// The RISC-V virt machine: harts of the WebAssembly engine (one core instance, run round-robin
// a batch at a time), guest RAM, the MMIO bus with the CLINT, PLIC, 16550 UART, test finisher
// and virtio-mmio slots, the SBI answered in TypeScript, a generated device tree, and the run
// loop. Guests boot directly in S-mode per boot.ts; secondary harts wait for SBI hart_start.
//
// The run loop executes each started hart in turn for one batch. Between batches it moves time
// forward (the machine's Clock), raises STIP when a hart's SBI timer is due, and answers SBI
// calls. A hart that executed WFI is skipped until something "kicks" it (an interrupt line
// rising, its timer, an IPI); when no hart can run, the loop sleeps until the next deadline or
// console input (or, with a VirtualClock, jumps time to the deadline). Waking a hart whose
// interrupt then turns out to be masked is harmless: WFI may complete spuriously. The loop ends
// on poweroff or reboot (SBI SRST or the syscon finisher), on a guest that falls into M-mode (a
// fault nothing in the guest handled), on stop(), or on the watchdog.
import { MmioBus } from '../bus.js';
import type { IrqLine, MmioDevice } from '../device.js';
import { TestFinisher } from '../devices/test-finisher.js';
import { Uart16550 } from '../devices/uart16550.js';
import { PacedClock, RealClock, VirtualClock, type Clock } from '../clock.js';
import { Exit, Irq, Priv, RiscvHart, Translation, type HartState as HartRegs } from './engine.js';
import type { DeviceState } from '../device.js';
import { Clint } from './clint.js';
import { Plic } from './plic.js';
import { HartState, ResetType, Sbi, SBI_ERR_ALREADY_STARTED, SBI_ERR_ALREADY_STOPPED, SBI_ERR_INVALID_PARAM, SBI_SUCCESS, type SbiPlatform } from './sbi.js';
import { VIRT, virtDtb } from './virt.js';
import { checkInitrd, parseImageHeader, planBoot } from './boot.js';

/** Instructions per host batch: small enough for prompt timers and input, large enough to amortize the exit. */
const BATCH = 50_000;
/** With a VirtualClock, guest instructions per timebase tick (10 MHz): a notional 100 MIPS guest. */
const INSTRUCTIONS_PER_TICK = 10n;
/** Exceptions an S-mode guest handles itself (all but ecalls from S and M, which go to the SBI). */
const MEDELEG_GUEST = 0xb1ff;
const MIDELEG_GUEST = (1 << Irq.SSI) | (1 << Irq.STI) | (1 << Irq.SEI);

export interface MachineConfig {
  ramSize: number;
  /** Number of harts (default 1). */
  harts?: number;
  kernel: Uint8Array;
  initrd?: Uint8Array;
  cmdline: string;
  /** Receives the guest's console output (UART and SBI console alike). */
  output: (bytes: Uint8Array) => void;
  /**
   * 'virtual' makes runs deterministic: time advances with instructions executed; 'paced' does
   * the same while the guest runs but sleeps for real when it idles (for networked guests).
   */
  clock?: 'real' | 'virtual' | 'paced';
  /** Devices for the virtio-mmio slots, in order; each is given its PLIC line. */
  virtio?: Array<(irq: IrqLine, machine: RiscvMachine) => MmioDevice>;
  /**
   * How the run loop waits where the host has no event loop to hand (a MACROHARD process, whose
   * system calls block): `idle(ms)` blocks until `ms` pass or input arrives, and delivers that
   * input (console bytes, frames) to the devices; `poll()` delivers what has arrived without
   * blocking. Without it the loop uses setTimeout and setImmediate.
   */
  events?: MachineEvents;
  /**
   * Milliseconds of running between looks at the outside world (console input, frames, host
   * timers); default 20. A networked guest wants it short: a frame that arrives while the guest
   * runs waits this long, and that wait is part of every round trip its TCP sees.
   */
  pollIntervalMs?: number;
}

export interface MachineEvents {
  idle(ms: number): void;
  poll(): void;
}

export type MachineExit =
  | { kind: 'poweroff' }
  | { kind: 'reboot' }
  | { kind: 'fault'; report: string }
  | { kind: 'watchdog'; instructions: bigint }
  | { kind: 'stopped' };

const NEVER = 0xffffffffffffffffn;

/**
 * A whole machine at rest: RAM, every hart, every device on the bus (keyed by its base address),
 * the machine's own per-hart state and the time. Restored into a machine created with the same
 * configuration (RAM size, harts, devices in the same slots). Format version 1.
 */
export interface MachineSnapshot {
  version: 1;
  ram: Uint8Array;
  harts: HartRegs[];
  hartState: HartState[];
  sbiTimer: string[];
  time: string;
  devices: Record<string, DeviceState>;
}

export class RiscvMachine implements SbiPlatform {
  readonly hartCount: number;
  readonly bus: MmioBus;
  readonly uart: Uart16550;
  readonly clint: Clint;
  readonly plic: Plic;
  readonly finisher: TestFinisher;
  readonly clock: Clock;
  readonly dtb: Uint8Array;
  readonly harts: RiscvHart[];
  private readonly sbi = new Sbi(this);
  private readonly sbiTimer: bigint[];
  private readonly state: HartState[];
  private readonly waiting: boolean[];
  private readonly kicked: boolean[];
  /** Whether STIP is raised on each hart, so that a due timer is applied once (touching a hart that is not running costs a switch). */
  private readonly stip: boolean[];
  private retired = 0n;
  private exit: MachineExit | undefined;
  private wake: (() => void) | undefined;

  private constructor(harts: RiscvHart[], private readonly config: MachineConfig) {
    this.harts = harts;
    this.hartCount = harts.length;
    this.bus = harts[0]!.bus;
    this.sbiTimer = harts.map(() => NEVER);
    this.state = harts.map((_, i) => (i === 0 ? HartState.Started : HartState.Stopped));
    this.waiting = harts.map(() => false);
    this.kicked = harts.map(() => false);
    this.stip = harts.map(() => false);
    this.clock = config.clock === 'virtual' ? new VirtualClock() : config.clock === 'paced' ? new PacedClock() : new RealClock();
    // Interrupt controllers drive the harts through this, which also wakes a waiting hart.
    const lines = harts.map((h, i) => ({
      setLine: (irq: Irq, level: boolean) => {
        h.setLine(irq, level);
        if (level) this.kick(i);
      },
    }));
    this.finisher = new TestFinisher(this.bus);
    this.clint = new Clint(lines, this.clock);
    this.plic = new Plic(lines);
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
    // Lay out the guest. The device tree's size does not depend on where the initrd goes, so a
    // first tree with a placeholder initrd sizes the plan.
    const header = parseImageHeader(config.kernel);
    if (config.initrd) checkInitrd(config.initrd);
    const dtOptions = { ramSize: config.ramSize, harts: harts.length, bootargs: config.cmdline, virtioSlots: slots, rngSeed: crypto.getRandomValues(new Uint8Array(32)) };
    const probe = virtDtb({ ...dtOptions, initrd: config.initrd ? { start: 0, end: 0 } : undefined });
    const plan = planBoot(VIRT.RAM_BASE, config.ramSize, header, config.initrd?.byteLength, probe.byteLength);
    this.dtb = virtDtb({ ...dtOptions, initrd: plan.initrd });
    const ram = harts[0]!.ram;
    ram.write(plan.kernelAddr, config.kernel);
    if (config.initrd && plan.initrd) ram.write(plan.initrd.start, config.initrd);
    ram.write(plan.dtbAddr, this.dtb);
    harts.forEach((_, i) => this.enterSupervisor(i, BigInt(plan.kernelAddr), 0n));
    harts[0]!.setX(11, plan.dtbAddr);
  }

  /** Puts hart `i` at `pc` in S-mode as the boot convention and SBI hart_start define it: a0 = hart id, a1 = `a1`. */
  private enterSupervisor(i: number, pc: bigint, a1: bigint): void {
    const h = this.harts[i]!;
    h.reset(pc);
    h.setCsr(0x302, MEDELEG_GUEST);
    h.setCsr(0x303, MIDELEG_GUEST);
    h.setCsr(0x306, 7); // mcounteren: cycle, time, instret readable below M
    h.setCsr(0x106, 7);
    h.setX(10, i);
    h.setX(11, a1);
    h.priv = Priv.S;
  }

  static async create(config: MachineConfig): Promise<RiscvMachine> {
    const n = config.harts ?? 1;
    if (!Number.isInteger(n) || n < 1 || n > 8) throw new RangeError('harts must be 1 to 8');
    // On a virtual clock a run must not depend on the host's timing, translation included.
    const translation = config.clock === 'virtual' ? Translation.HotReproducible : Translation.Hot;
    const first = await RiscvHart.create({ ramSize: config.ramSize, bus: new MmioBus(), sbiInHost: true, translation });
    const harts = [first];
    for (let i = 1; i < n; i++) harts.push(first.addHart(i));
    return new RiscvMachine(harts, config);
  }

  /** The boot hart, for tests and tools that look at one. */
  get hart(): RiscvHart {
    return this.harts[0]!;
  }

  /** Instructions retired by all harts since the machine started. */
  get instret(): bigint {
    return this.retired;
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

  /** Captures the machine; call it while run() is not executing (after it returned, or before it starts). */
  save(): MachineSnapshot {
    const devices: Record<string, DeviceState> = {};
    for (const { base, device } of this.bus.mappings) devices[base.toString(16)] = device.save();
    return {
      version: 1,
      ram: this.harts[0]!.ram.bytes.slice(),
      harts: this.harts.map((h) => h.save()),
      hartState: [...this.state],
      sbiTimer: this.sbiTimer.map(String),
      time: this.clock.now().toString(),
      devices,
    };
  }

  /** Loads a snapshot taken from a machine of the same configuration. */
  restore(s: MachineSnapshot): void {
    if (s.version !== 1) throw new Error(`snapshot format ${s.version} is not supported`);
    const ram = this.harts[0]!.ram;
    if (s.ram.byteLength !== ram.size || s.harts.length !== this.harts.length) throw new Error('snapshot is of a machine with other RAM or hart count');
    ram.bytes.set(s.ram);
    s.harts.forEach((h, i) => this.harts[i]!.restore(h));
    s.hartState.forEach((v, i) => (this.state[i] = v));
    s.sbiTimer.forEach((v, i) => {
      this.sbiTimer[i] = BigInt(v);
      this.stip[i] = false;
      this.kicked[i] = true;
      this.waiting[i] = false;
    });
    this.clock.set(BigInt(s.time));
    for (const { base, device } of this.bus.mappings) {
      const d = s.devices[base.toString(16)];
      if (!d) throw new Error(`snapshot has no state for the device at 0x${base.toString(16)}`);
      device.restore(d);
    }
    this.exit = undefined;
  }

  private kick(i: number): void {
    this.kicked[i] = true;
    this.wake?.();
  }

  /** Runs until the guest powers off, reboots or faults, stop() is called, or `maxInstructions` pass. */
  async run(opts: { maxInstructions?: bigint } = {}): Promise<MachineExit> {
    const limit = opts.maxInstructions;
    this.exit = undefined; // a stopped machine can be run again
    let lastYield = performance.now();
    const interval = this.config.pollIntervalMs ?? 20;
    while (!this.exit) {
      let ran = false;
      for (let i = 0; i < this.harts.length && !this.exit; i++) {
        if (this.state[i] !== HartState.Started) continue;
        this.syncTime();
        if (this.waiting[i] && !this.kicked[i]) continue;
        this.waiting[i] = false;
        this.kicked[i] = false;
        const hart = this.harts[i]!;
        const before = hart.instret;
        const why = hart.run(BATCH);
        const done = hart.instret - before;
        this.retired += done;
        ran = true;
        if (this.clock instanceof VirtualClock) this.clock.add(done / INSTRUCTIONS_PER_TICK + 1n);
        if (why === Exit.Sbi) this.sbi.handle(hart, i);
        else if (why === Exit.Stop) this.onFinisher();
        else if (why === Exit.Wfi) this.waiting[i] = true;
        if (!this.exit && (hart.priv === Priv.M || this.trapLoop(hart))) this.exit = { kind: 'fault', report: this.faultReport(i) };
      }
      if (!ran && !this.exit) await this.idle();
      if (limit !== undefined && !this.exit && this.instret >= limit) this.exit = { kind: 'watchdog', instructions: this.instret };
      if (performance.now() - lastYield > interval) {
        // Let console input and the host's timers in (setImmediate in Node, a timer elsewhere).
        if (this.config.events) this.config.events.poll();
        else await new Promise<void>((r) => (typeof setImmediate === 'function' ? setImmediate(r) : setTimeout(r, 0)));
        lastYield = performance.now();
      }
    }
    return this.exit;
  }

  private syncTime(): void {
    this.applyTimers();
  }

  /** Every hart waits: sleep (or skip time) until an interrupt can have arrived. */
  private async idle(): Promise<void> {
    this.applyTimers();
    if (this.kicked.some((k, i) => k && this.state[i] === HartState.Started)) return;
    let deadline = this.clint.nextDeadline() ?? NEVER;
    this.sbiTimer.forEach((t, i) => {
      if (this.state[i] === HartState.Started && t < deadline) deadline = t;
    });
    if (!this.clock.realtime) {
      if (deadline === NEVER && this.uart.rxQueued === 0) {
        this.exit = { kind: 'fault', report: 'every hart waits for an interrupt that can never come (no timer armed, no input)' };
        return;
      }
      if (deadline !== NEVER) this.clock.advanceTo(deadline);
      this.applyTimers();
      return;
    }
    const start = this.clock.now();
    const t0 = performance.now();
    const ticks = deadline - start;
    const ms = deadline === NEVER ? 1000 : Math.max(0, Number(ticks) / 10_000);
    if (this.config.events) this.config.events.idle(ms);
    else await new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
    this.wake = undefined;
    // A paced clock stood still while the machine slept: move it on by the time that passed,
    // never past the deadline (a real clock ignores this).
    const slept = start + BigInt(Math.round((performance.now() - t0) * 10_000));
    this.clock.advanceTo(slept < deadline ? slept : deadline);
    this.applyTimers();
  }

  /** Sets the timebase every hart reads, and raises STIP on each hart whose SBI timer fell due (kicking it). */
  private applyTimers(): void {
    const now = this.clock.now();
    this.harts[0]!.mtime = now; // mtime is one register of the core, shared by its harts
    for (let i = 0; i < this.harts.length; i++) {
      if (!this.stip[i] && now >= this.sbiTimer[i]!) {
        this.harts[i]!.setLine(Irq.STI, true);
        this.stip[i] = true;
        this.kicked[i] = true;
      }
    }
    this.clint.tick();
  }

  /**
   * A guest whose S-mode trap handler cannot even be fetched (stvec unset or unmapped) traps
   * forever at its own handler: scause is an instruction fault and sepc is stvec. That is a
   * crash, reported like a fall into M-mode.
   */
  private trapLoop(hart: RiscvHart): boolean {
    if (hart.priv !== Priv.S) return false;
    const cause = hart.csr(0x142);
    if (cause !== 1n && cause !== 12n) return false;
    return hart.csr(0x141) === ((hart.csr(0x105) ?? 0n) & ~3n);
  }

  private onFinisher(): void {
    this.bus.stopRequested = false;
    const r = this.finisher.result;
    if (r.kind === 'pass') this.exit = { kind: 'poweroff' };
    else if (r.kind === 'reset') this.exit = { kind: 'reboot' };
    else if (r.kind === 'fail') this.exit = { kind: 'fault', report: `guest reported failure ${r.code} through the test finisher` };
  }

  faultReport(i = 0): string {
    const h = this.harts[i]!;
    const hex = (v: bigint | undefined) => '0x' + (v ?? 0n).toString(16).padStart(16, '0');
    const names = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7',
      's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];
    const lines = [`hart ${i}: unhandled trap: mcause ${hex(h.csr(0x342))} mepc ${hex(h.csr(0x341))} mtval ${hex(h.csr(0x343))}`,
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

  setTimer(hart: number, time: bigint): void {
    this.sbiTimer[hart] = time;
    // STIP follows the timer: cleared by a new deadline in the future, raised when it is due.
    const due = this.clock.now() >= time;
    this.harts[hart]!.setLine(Irq.STI, due);
    this.stip[hart] = due;
    if (due) this.kicked[hart] = true;
  }

  sendIpi(harts: number[]): void {
    // An IPI is a supervisor software interrupt: set sip.SSIP as M-mode firmware would.
    for (const i of harts) {
      const h = this.harts[i];
      if (!h) continue;
      h.raiseSoftwareIrq(Irq.SSI);
      this.kick(i);
    }
  }

  remoteFence(harts: number[]): void {
    // Harts other than the caller flush their TLBs when they are next switched in; the caller's
    // own TLB is flushed now (a satp write does it).
    for (const i of harts) {
      const h = this.harts[i];
      if (h) h.setCsr(0x180, h.csr(0x180) ?? 0n);
    }
  }

  remoteFenceI(_harts: number[]): void {
    // The harts share one core and its translations: dropping them once covers every target.
    this.hart.flushTranslations();
  }

  hartStart(hart: number, startAddr: bigint, opaque: bigint): number {
    if (hart < 0 || hart >= this.harts.length) return SBI_ERR_INVALID_PARAM;
    if (this.state[hart] !== HartState.Stopped) return SBI_ERR_ALREADY_STARTED;
    this.enterSupervisor(hart, startAddr, opaque);
    this.state[hart] = HartState.Started;
    this.waiting[hart] = false;
    return SBI_SUCCESS;
  }

  hartStop(hart: number): number {
    if (this.state[hart] !== HartState.Started) return SBI_ERR_ALREADY_STOPPED;
    this.state[hart] = HartState.Stopped;
    return SBI_SUCCESS;
  }

  hartStatus(hart: number): HartState {
    return this.state[hart]!;
  }

  systemReset(type: ResetType, _reason: number): void {
    this.exit = type === ResetType.Shutdown ? { kind: 'poweroff' } : { kind: 'reboot' };
  }

  guestBytes(pa: bigint, len: number): Uint8Array | undefined {
    const a = Number(pa);
    const ram = this.harts[0]!.ram;
    return ram.contains(a, len) ? ram.slice(a, len) : undefined;
  }
}
