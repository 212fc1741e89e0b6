// The RISC-V engine: one hart of the WebAssembly core (core/*.as, compiled to core.wasm) with its
// TypeScript handle. The core owns guest RAM inside its linear memory; this class exposes it as
// a GuestRam, routes the core's MMIO exits to an MmioBus, and gives registers, CSRs, interrupt
// lines and the run loop to the machine (machine.ts) and to tests.
//
// Interface: `await RiscvHart.create({ ramSize, bus })`, then `run(budget)` until it returns an
// Exit other than Budget; the caller handles WFI (wait for an interrupt), SBI (answer the call in
// sbi.ts) and Stop (a device asked to stop, e.g. the test finisher).
import { GuestRam } from '../memory.js';
import type { MmioBus } from '../bus.js';
import { Wasm, type WasmGlobal, type WasmMemory, type WasmModule } from '../wasm.js';
import { Batching, BlockTranslator } from './jit.js';

export enum Exit {
  Budget = 0,
  Wfi = 1,
  Sbi = 2,
  Stop = 3,
}

/** How the engine runs guest code. */
export enum Translation {
  /** Every instruction interpreted. */
  Off,
  /** Blocks that run often translated to WebAssembly, in batches compiled in the background (the default). */
  Hot,
  /**
   * As Hot, but batches are compiled synchronously at points the instruction stream alone
   * decides, so a run does not depend on the host's timing (for machines on a virtual clock).
   */
  HotReproducible,
  /** Every block translated when first reached (tests: everything runs translated). */
  Eager,
}

/** Visits of a block start before it is translated, in Translation.Hot. */
const HOT_VISITS = 10000;

export enum Priv {
  U = 0,
  S = 1,
  M = 3,
}

/** Interrupt numbers: bits of mip and mie. */
export enum Irq {
  SSI = 1,
  MSI = 3,
  STI = 5,
  MTI = 7,
  SEI = 9,
  MEI = 11,
}

interface CoreExports {
  memory: WasmMemory;
  XREGS: WasmGlobal;
  FREGS: WasmGlobal;
  MMIO_DATA: WasmGlobal;
  RAM_OFFSET: WasmGlobal;
  JIT_PC: WasmGlobal;
  JIT_STATUS: WasmGlobal;
  TLB_READ: WasmGlobal;
  TLB_WRITE: WasmGlobal;
  TLB_ENTRIES: WasmGlobal;
  TLB_FETCH: WasmGlobal;
  RVC_TABLE: WasmGlobal;
  jitLoad: unknown;
  jitStore: unknown;
  jitFlush(): void;
  getJitFlushes(): number;
  getJitRetired(): bigint;
  jitInstall(host: number, index: number): void;
  setJit(on: number, hot: number): void;
  init(ramSize: number, hartId: number): void;
  reset(pc: bigint): void;
  run(budget: number): number;
  getPc(): bigint;
  setPc(v: bigint): void;
  getPriv(): number;
  setPriv(p: number): void;
  getInstret(): bigint;
  setMtime(t: bigint): void;
  getMtime(): bigint;
  setSbiInHost(on: number): void;
  setRamBase(base: bigint): void;
  setLine(slot: number, irq: number, level: number): void;
  getMipLines(): bigint;
  raiseSoftwareIrq(slot: number, irq: number): void;
  hostCsrRead(csr: number): bigint;
  hostCsrOk(): number;
  hostCsrWrite(csr: number, v: bigint): void;
  flushTlb(): void;
  addHart(slot: number, hartId: number): number;
  selectHart(slot: number): void;
}

/** One instance of core.wasm: guest RAM and the bus, shared by its harts (run one at a time). */
class CoreInstance {
  current = 0;
  readonly harts: RiscvHart[] = [];
  constructor(readonly exports: CoreExports, readonly translator: BlockTranslator) {}

  select(slot: number): void {
    if (this.current !== slot) {
      this.exports.selectHart(slot);
      this.current = slot;
    }
  }
}

let modulePromise: Promise<WasmModule> | undefined;

/**
 * Supplies core.wasm's bytes where they cannot be read from beside this module: a MACROHARD
 * process (the `vm` program) reads them from its file system.
 */
export function provideCore(bytes: Uint8Array): void {
  modulePromise = Wasm.compile(bytes);
}

/** Compiles core.wasm once per process (or worker). */
export function coreModule(): Promise<WasmModule> {
  modulePromise ??= (async () => {
    const url = new URL('./core.wasm', import.meta.url);
    // Node reads the file; a browser fetches it (node:fs is only imported where it exists).
    const bytes = url.protocol === 'file:'
      ? new Uint8Array(await (await import('node:fs/promises')).readFile(url))
      : new Uint8Array(await (await fetch(url)).arrayBuffer());
    return Wasm.compile(bytes);
  })();
  return modulePromise;
}

export interface HartOptions {
  ramSize: number;
  ramBase?: number;
  hartId?: number;
  bus: MmioBus;
  /** Answer SBI calls in the host (ecall from S-mode exits with Exit.Sbi) instead of trapping to M-mode firmware. */
  sbiInHost?: boolean;
  /** Whether guest code is translated to WebAssembly (jit.ts); default Translation.Hot. */
  translation?: Translation;
}

/** Function-table slots for translated blocks; when they run out, all translations start over. */
const TRANSLATION_SLOTS = 16384;

/** The CSRs a snapshot carries, in the order restore writes them (mstatus before the rest). */
const SNAPSHOT_CSRS = [
  0x300, 0x302, 0x303, 0x304, 0x305, 0x306, 0x340, 0x341, 0x342, 0x343, 0x344,
  0x105, 0x106, 0x140, 0x141, 0x142, 0x143, 0x180, 0x003, 0xb02,
] as const;

export interface HartState {
  x: string[];
  f: string[];
  pc: string;
  priv: number;
  csrs: Record<string, string>;
  lines: string;
  mtime: string;
}

/**
 * A hart. Harts made by addHart() share their first hart's core instance, RAM and bus; every
 * accessor first makes this hart the instance's running one (a no-op when it already is).
 */
export class RiscvHart {
  readonly ram: GuestRam;
  private readonly mem: DataView;
  private readonly xregs: number;
  private readonly fregs: number;
  private readonly core: CoreExports;

  private constructor(private readonly inst: CoreInstance, readonly bus: MmioBus, ramBase: number, ramSize: number, readonly slot: number, ram?: GuestRam) {
    this.core = inst.exports;
    this.mem = new DataView(this.core.memory.buffer);
    this.xregs = this.core.XREGS.value as number;
    this.fregs = this.core.FREGS.value as number;
    this.ram = ram ?? new GuestRam(ramBase, new Uint8Array(this.core.memory.buffer, this.core.RAM_OFFSET.value as number, ramSize));
    inst.harts[slot] = this;
  }

  /** Adds another hart to this hart's machine: same RAM and bus, mhartid `hartId`, reset state. */
  addHart(hartId: number): RiscvHart {
    const slot = this.inst.harts.length;
    if (!this.core.addHart(slot, hartId)) throw new RangeError(`at most ${slot} harts per core`);
    return new RiscvHart(this.inst, this.bus, this.ram.base, this.ram.size, slot, this.ram);
  }

  private sel(): void {
    this.inst.select(this.slot);
  }

  static async create(opts: HartOptions): Promise<RiscvHart> {
    const ramBase = opts.ramBase ?? 0x80000000;
    if (opts.ramSize <= 0 || opts.ramSize % 4096 !== 0) throw new RangeError('guest RAM size must be a positive multiple of 4 KiB');
    if (opts.ramSize > 0xf0000000 - 0x1000000) throw new RangeError('guest RAM larger than the core can address');
    let hart: RiscvHart | undefined;
    let translator: BlockTranslator | undefined;
    const bus = opts.bus;
    const table = new Wasm.Table({ element: 'anyfunc', initial: TRANSLATION_SLOTS });
    const env = {
      table,
      jitCompile: (host: number): number => translator!.compile(host),
      mmioRead(pa: number, size: number): number {
        const v = bus.read(pa, size);
        if (v === undefined) return 1;
        const d = hart!.mem;
        const at = hart!.core.MMIO_DATA.value as number;
        if (typeof v === 'bigint') d.setBigUint64(at, v, true);
        else {
          d.setUint32(at, v >>> 0, true);
          d.setUint32(at + 4, 0, true);
        }
        return 0;
      },
      mmioWrite(pa: number, size: number, lo: number, hi: number): number {
        const ok = bus.write(pa, size, lo, hi);
        let r = ok ? 0 : 1;
        if (bus.stopRequested) r |= 2;
        return r;
      },
    };
    const instance = await Wasm.instantiate(await coreModule(), { env });
    const core = instance.exports as unknown as CoreExports;
    core.setRamBase(BigInt(ramBase));
    core.init(opts.ramSize, opts.hartId ?? 0);
    core.setSbiInHost(opts.sbiInHost ? 1 : 0);
    const translation = opts.translation ?? Translation.Hot;
    core.setJit(translation === Translation.Off ? 0 : 1, translation === Translation.Eager ? 1 : HOT_VISITS);
    const g = (v: WasmGlobal): number => v.value as number;
    translator = new BlockTranslator({
      memory: core.memory, XREGS: g(core.XREGS), JIT_PC: g(core.JIT_PC), JIT_STATUS: g(core.JIT_STATUS), TLB_READ: g(core.TLB_READ),
      TLB_WRITE: g(core.TLB_WRITE), TLB_ENTRIES: g(core.TLB_ENTRIES), TLB_FETCH: g(core.TLB_FETCH), RVC_TABLE: g(core.RVC_TABLE),
      ramEnd: g(core.RAM_OFFSET) + opts.ramSize,
      jitLoad: core.jitLoad, jitStore: core.jitStore, jitFlush: () => core.jitFlush(), getJitFlushes: () => core.getJitFlushes(),
      jitInstall: (host, index) => core.jitInstall(host, index),
    }, table, translation === Translation.Eager ? Batching.None : translation === Translation.HotReproducible ? Batching.ByCount : Batching.Background);
    hart = new RiscvHart(new CoreInstance(core, translator), bus, ramBase, opts.ramSize, 0);
    return hart;
  }

  /** Blocks translated to WebAssembly so far by this hart's core (all its harts share them). */
  get translatedBlocks(): number {
    return this.inst.translator.translated;
  }

  /** Instructions retired in translated code by this hart's core (all its harts). */
  get translatedInstructions(): bigint {
    return this.core.getJitRetired();
  }

  /**
   * Drops every translated block, as FENCE.I does: for the host after it wrote instructions into
   * guest RAM itself (a loader, a snapshot), or for an SBI remote fence.i.
   */
  flushTranslations(): void {
    this.core.jitFlush();
  }

  /** Runs up to `budget` instructions. */
  run(budget: number): Exit {
    this.sel();
    const exit = this.core.run(budget) as Exit;
    if (this.inst.translator.due) this.inst.translator.translate();
    return exit;
  }

  reset(pc: bigint | number): void {
    this.sel();
    this.core.reset(BigInt(pc));
  }

  x(i: number): bigint {
    this.sel();
    return this.mem.getBigInt64(this.xregs + 8 * i, true);
  }

  setX(i: number, v: bigint | number): void {
    this.sel();
    if (i !== 0) this.mem.setBigInt64(this.xregs + 8 * i, BigInt.asIntN(64, BigInt(v)), true);
  }

  /** Raw 64-bit contents of f register `i` (singles are NaN-boxed). */
  f(i: number): bigint {
    this.sel();
    return this.mem.getBigUint64(this.fregs + 8 * i, true);
  }

  setF(i: number, v: bigint): void {
    this.sel();
    this.mem.setBigUint64(this.fregs + 8 * i, BigInt.asUintN(64, v), true);
  }

  get pc(): bigint {
    this.sel();
    return BigInt.asUintN(64, this.core.getPc());
  }

  set pc(v: bigint | number) {
    this.sel();
    this.core.setPc(BigInt.asIntN(64, BigInt(v)));
  }

  get priv(): Priv {
    this.sel();
    return this.core.getPriv() as Priv;
  }

  set priv(p: Priv) {
    this.sel();
    this.core.setPriv(p);
  }

  get instret(): bigint {
    this.sel();
    return this.core.getInstret();
  }

  /** The timebase: one register of the core, shared by all its harts. */
  get mtime(): bigint {
    return this.core.getMtime();
  }

  set mtime(t: bigint) {
    this.core.setMtime(t);
  }

  /** Reads a CSR as M-mode would; undefined when the CSR does not exist. */
  csr(n: number): bigint | undefined {
    this.sel();
    const v = this.core.hostCsrRead(n);
    return this.core.hostCsrOk() ? BigInt.asUintN(64, v) : undefined;
  }

  setCsr(n: number, v: bigint | number): void {
    this.sel();
    this.core.hostCsrWrite(n, BigInt.asIntN(64, BigInt(v)));
  }

  /**
   * Drives an interrupt line (a bit of mip) from a device or the host. Safe while another hart
   * of the same core is running (devices call this from inside its MMIO accesses): it never
   * switches harts.
   */
  setLine(irq: Irq, level: boolean): void {
    this.core.setLine(this.slot, irq, level ? 1 : 0);
  }

  /** Sets a software-written pending bit (sip.SSIP for an IPI), as M-mode firmware would. */
  raiseSoftwareIrq(irq: Irq.SSI | Irq.STI | Irq.SEI): void {
    this.core.raiseSoftwareIrq(this.slot, irq);
  }

  get lines(): bigint {
    this.sel();
    return this.core.getMipLines();
  }

  save(): HartState {
    const csrs: Record<string, string> = {};
    for (const n of SNAPSHOT_CSRS) csrs[n.toString(16)] = (this.csr(n) ?? 0n).toString();
    // Reading mip ORs in the device-driven lines, which are saved on their own: kept in mip, a
    // line's bit (a due timer's STIP) would come back as a software-pending bit no device clears.
    csrs['344'] = ((this.csr(0x344) ?? 0n) & ~this.lines).toString();
    return {
      x: Array.from({ length: 32 }, (_, i) => this.x(i).toString()),
      f: Array.from({ length: 32 }, (_, i) => this.f(i).toString()),
      pc: this.pc.toString(),
      priv: this.priv,
      csrs,
      lines: this.lines.toString(),
      mtime: this.mtime.toString(),
    };
  }

  restore(s: HartState): void {
    this.sel();
    this.core.reset(0n);
    for (const n of SNAPSHOT_CSRS) this.setCsr(n, BigInt(s.csrs[n.toString(16)] ?? '0'));
    s.x.forEach((v, i) => this.setX(i, BigInt(v)));
    s.f.forEach((v, i) => this.setF(i, BigInt(v)));
    this.pc = BigInt(s.pc);
    this.priv = s.priv;
    const lines = BigInt(s.lines);
    for (let i = 0; i < 12; i++) this.core.setLine(this.slot, i, Number((lines >> BigInt(i)) & 1n));
    this.mtime = BigInt(s.mtime);
    this.core.flushTlb();
    this.core.jitFlush();
  }
}
