// The RISC-V block translator: hot guest code to WebAssembly, generated at run time. The core
// (core/jit.as) counts block starts and calls compile() for a hot one; the translation's
// function goes into the core's function table and the run loop calls it from then on.
//
// A block is straight-line code from its first instruction to the first jump or branch
// (included), to an instruction only the interpreter runs (CSR and system instructions, A, F
// and D, division, the high multiplies, FENCE.I — excluded), to MAX_BLOCK instructions, or to the
// end of the page after the entry's. A translation is one block, or a region: the block with the
// blocks of those two pages that lead back to it (its loops). Its function has the type
// (pc: i64, dkey: i64, fkey: i64) -> i32: `pc` is the guest virtual address of the first
// instruction (the code is position-independent, so one translation serves every virtual address
// of the physical page), `dkey` and `fkey` the data and fetch TLB keys of state.as; it returns
// the instructions it retired and leaves the next pc in JIT_PC. Registers live in wasm locals for
// the call's life: loaded on entry, stored back at every exit. Loads and stores look the core's
// TLBs up inline (the same direct-mapped {tag, addend} entries the interpreter fills); a miss
// calls the core's jitLoad/jitStore, which walk the page tables, reach MMIO, or fault. A fault
// leaves S.exc set: the code stores the registers written so far, puts the faulting
// instruction's pc in JIT_PC, returns the count before it, and the run loop enters the trap as
// the interpreter would. Interrupts are taken between calls, as the interpreter takes them
// between batches, since no instruction in a translation can enable one. Code in the second
// page runs only after a check of its mapping (BlockWriter.guard). docs/hypervisor.md has the
// whole design.
import { Code, I32, I64, OP, VOID, moduleBytes, type FuncType } from './wasm-code.js';
import { Wasm, type WasmMemory, type WasmModule, type WasmTable } from '../wasm.js';

/** The core's layout and entry points the generated code uses (exports of core.wasm). */
export interface TranslatorCore {
  memory: WasmMemory;
  XREGS: number;
  JIT_PC: number;
  JIT_STATUS: number;
  TLB_READ: number;
  TLB_WRITE: number;
  TLB_ENTRIES: number;
  TLB_FETCH: number;
  RVC_TABLE: number;
  /** The linear-memory address just past guest RAM. */
  ramEnd: number;
  jitLoad: unknown;
  jitStore: unknown;
  jitFlush(): void;
  getJitFlushes(): number;
  jitInstall(host: number, index: number): void;
}

/** Instructions per block at most: long enough for unrolled loops, short enough to compile fast. */
const MAX_BLOCK = 128;
/** Blocks queued for translation at most per run() (more are refused; they come back when hot again). */
const MAX_QUEUE = 256;
/** A batch is translated once this many blocks wait, or the first has waited BATCH_WAIT_MS. */
const BATCH_BLOCKS = 64;
const BATCH_WAIT_MS = 5;
/** Batching.ByCount: a batch is translated after this many run() calls even when short. */
const BATCH_WAIT_RUNS = 4;
const IMPORTS: FuncType[] = [
  { params: [I64, I32], results: [I64] }, // jitLoad(va, size)
  { params: [I64, I32, I64], results: [I32] }, // jitStore(va, size, value)
];
const BLOCK_TYPE: FuncType = { params: [I64, I64, I64], results: [I32] };
const F_LOAD = 0;
const F_STORE = 1;
// Locals: 0 pc, 1 dkey, 2 fkey (parameters), 3..33 x1..x31, then temporaries.
const L_PC = 0;
const L_DKEY = 1;
const L_FKEY = 2;
/** Register xr (r >= 1) lives in local X0 + r; x0 is never a local (reads are the constant 0). */
const X0 = 2;
const L_VA = 34;
const L_VAL = 35;
const L_ENT = 36;
const L_ST = 37;
const L_CNT = 38;
const L_B = 39;
/** The locals after the three parameters: x1..x31 and L_VA, L_VAL (i64), L_ENT, L_ST, L_CNT, L_B (i32). */
const LOCALS = [...new Array<number>(33).fill(I64), I32, I32, I32, I32];
/** A region's function runs at most about this many instructions per call before it returns to the run loop. */
const REGION_INSTRUCTIONS = 4096;
/** Blocks in one region at most. */
const REGION_BLOCKS = 16;

const LOAD_OPS = [OP.i64Load8S, OP.i64Load16S, OP.i64Load32S, OP.i64Load, OP.i64Load8U, OP.i64Load16U, OP.i64Load32U];
const SLOW_EXTEND = [OP.i64Extend8S, OP.i64Extend16S, OP.i64Extend32S];
const STORE_OPS = [OP.i64Store8, OP.i64Store16, OP.i64Store32, OP.i64Store];
const BRANCH_OPS: Record<number, number> = { 0: OP.i64Eq, 1: OP.i64Ne, 4: OP.i64LtS, 5: OP.i64GeS, 6: OP.i64LtU, 7: OP.i64GeU };

const immI = (i: number): number => i >> 20;
const immS = (i: number): number => ((i >> 20) & ~31) | ((i >>> 7) & 31);
const immB = (i: number): number => ((i >> 19) & ~0xfff) | ((i & 0x80) << 4) | ((i >>> 20) & 0x7e0) | ((i >>> 7) & 0x1e);
const immJ = (i: number): number => ((i >> 11) & ~0xfffff) | (i & 0xff000) | ((i >>> 9) & 0x800) | ((i >>> 20) & 0x7fe);

/** What an instruction is to the translator. */
enum Kind {
  /** Only the interpreter runs it: the block ends before it. */
  Refused,
  Plain,
  /** A jump or branch: the last instruction of its block. */
  Control,
}

/** Classifies a 32-bit instruction exactly: anything the interpreter would treat specially or reject is Refused. */
function kindOf(insn: number): Kind {
  const f3 = (insn >>> 12) & 7;
  const f7 = insn >>> 25;
  switch (insn & 0x7f) {
    case 0x37: case 0x17: return Kind.Plain;
    case 0x6f: return Kind.Control;
    case 0x67: return f3 === 0 ? Kind.Control : Kind.Refused;
    case 0x63: return f3 === 2 || f3 === 3 ? Kind.Refused : Kind.Control;
    case 0x03: return f3 === 7 ? Kind.Refused : Kind.Plain;
    case 0x23: return f3 > 3 ? Kind.Refused : Kind.Plain;
    case 0x13:
      if (f3 === 1) return insn >>> 26 === 0 ? Kind.Plain : Kind.Refused;
      if (f3 === 5) return insn >>> 26 === 0 || insn >>> 26 === 0x10 ? Kind.Plain : Kind.Refused;
      return Kind.Plain;
    case 0x1b:
      if (f3 === 0) return Kind.Plain;
      if (f3 === 1) return f7 === 0 ? Kind.Plain : Kind.Refused;
      if (f3 === 5) return f7 === 0 || f7 === 0x20 ? Kind.Plain : Kind.Refused;
      return Kind.Refused;
    case 0x33:
      if (f7 === 0) return Kind.Plain;
      if (f7 === 0x20) return f3 === 0 || f3 === 5 ? Kind.Plain : Kind.Refused;
      return f7 === 1 && f3 === 0 ? Kind.Plain : Kind.Refused;
    case 0x3b:
      if (f7 === 0) return f3 === 0 || f3 === 1 || f3 === 5 ? Kind.Plain : Kind.Refused;
      if (f7 === 0x20) return f3 === 0 || f3 === 5 ? Kind.Plain : Kind.Refused;
      return f7 === 1 && f3 === 0 ? Kind.Plain : Kind.Refused;
    case 0x0f: return f3 === 0 ? Kind.Plain : Kind.Refused; // FENCE: a no-op with harts taking turns
    default: return Kind.Refused;
  }
}

interface Insn {
  insn: number;
  len: number;
  /** Offset from the region's first instruction. */
  at: number;
}

/** The blocks of one function: the entry block first, each known by its offset from the entry. */
type Region = Map<number, Insn[]>;

/** Where control can go after a block, as offsets from the region's entry (a JALR's target is unknown). */
function successors(block: Insn[]): number[] {
  const { insn, len, at } = block.at(-1)!;
  switch (insn & 0x7f) {
    case 0x63: return [at + immB(insn), at + len];
    case 0x6f: return [at + immJ(insn)];
    case 0x67: return [];
    default: return [at + len];
  }
}

/** The register an instruction writes (0 for none): every kind the translator takes but stores, branches and FENCE. */
function destination(insn: number): number {
  const op = insn & 0x7f;
  return op === 0x23 || op === 0x63 || op === 0x0f ? 0 : (insn >>> 7) & 31;
}

/**
 * Generates one function body: a single block, or a region of blocks of one page that jump to
 * each other. A region runs as a loop around a br_table on the current block (L_B), with the
 * registers staying in locals from block to block; L_CNT counts the instructions of the blocks
 * finished, and a jump to a block of the region leaves the function once that passes
 * REGION_INSTRUCTIONS. Any exit of a region stores every register the region writes (an earlier
 * block may have written one), so its prologue loads those too; a single block stores only the
 * registers written before the exit.
 */
class BlockWriter {
  readonly body = new Code();
  /** Registers read and written so far, as bit masks (bit r for xr). */
  private read = 0;
  private written = 0;
  /** The region's block offsets in br_table order, when this is a region. */
  private readonly order: number[] = [];
  /** The block being emitted (its index in `order`). */
  private current = 0;

  /** Whether the current block has checked the mapping of the entry's next page. */
  private guarded = false;

  /** `entry`: the linear-memory address of the first instruction. */
  constructor(private readonly core: TranslatorCore, private readonly entry: number, private readonly region?: Region) {
    if (!region) return;
    for (const [at, insns] of region) {
      this.order.push(at);
      for (const x of insns) this.written |= (1 << destination(x.insn)) & ~1;
    }
    const c = this.body.op(OP.loop, VOID);
    for (let k = 0; k < this.order.length; k++) c.op(OP.block, VOID);
    c.get(L_B).op(OP.brTable).uleb(this.order.length - 1);
    for (let k = 0; k < this.order.length; k++) c.uleb(k);
  }

  /** Emits the region's blocks (or the single block) and closes the body. */
  emitAll(blocks: Insn[][]): void {
    blocks.forEach((insns, k) => {
      this.current = k;
      this.guarded = false;
      if (this.region) this.body.op(OP.end); // the label block k's code follows
      insns.forEach((x, i) => this.emit(x, i));
      const last = insns.at(-1)!;
      if (kindOf(last.insn) !== Kind.Control) this.transfer(last.at + last.len, insns.length, 0);
    });
    if (this.region) this.body.op(OP.end, OP.unreachable); // every path has returned
  }

  /**
   * Goes on at offset `to` after `count` instructions of the current block: to that block when
   * it is in the region (and this call's share of instructions lasts), else out of the function.
   * `depth`: the structured blocks (if) open around this point inside the block's code.
   */
  private transfer(to: number, count: number, depth: number): void {
    const k = this.region ? this.order.indexOf(to) : -1;
    if (k < 0) {
      this.exit(() => this.pcPlus(to), count);
      return;
    }
    const c = this.body;
    c.get(L_CNT).i32(count).op(OP.i32Add).tee(L_CNT).i32(REGION_INSTRUCTIONS).op(OP.i32LtU, OP.if, VOID);
    // Labels open here, innermost first: this if, `depth` ifs, the blocks after the current one, the loop.
    c.i32(k).set(L_B).op(OP.br).uleb(1 + depth + (this.order.length - 1 - this.current));
    c.op(OP.end);
    this.exit(() => this.pcPlus(to), 0);
  }

  private get(r: number): void {
    if (r === 0) this.body.i64(0);
    else {
      this.read |= 1 << r;
      this.body.get(X0 + r);
    }
  }

  /** Consumes the value on the stack into register `r` (x0 discards it). */
  private put(r: number): void {
    if (r === 0) this.body.op(OP.drop);
    else {
      this.written |= 1 << r;
      this.body.set(X0 + r);
    }
  }

  /** pc + `offset` onto the stack. */
  private pcPlus(offset: number): void {
    this.body.get(L_PC).i64(offset).op(OP.i64Add);
  }

  /** Leaves the block: registers written so far back to memory, `next` (which pushes the pc) into JIT_PC, `count` returned. */
  exit(next: () => void, count: number): void {
    const c = this.body;
    for (let r = 1; r < 32; r++) {
      if ((this.written >>> r) & 1) c.i32(0).get(X0 + r).mem(OP.i64Store, this.core.XREGS + 8 * r);
    }
    c.i32(0);
    next();
    c.mem(OP.i64Store, this.core.JIT_PC).i32(count);
    if (this.region) c.get(L_CNT).op(OP.i32Add);
    c.op(OP.return);
  }

  /** Computes va = rs1 + imm and the TLB entry's offset, and leaves "this entry maps va for `size` bytes" on the stack. */
  private tlbHit(rs1: number, imm: number, tlb: number, size: number): void {
    const c = this.body;
    this.get(rs1);
    c.i64(imm).op(OP.i64Add).set(L_VA);
    c.get(L_VA).i64(12).op(OP.i64ShrU, OP.i32WrapI64).i32(this.core.TLB_ENTRIES - 1).op(OP.i32And).i32(4).op(OP.i32Shl).tee(L_ENT);
    c.mem(OP.i64Load, tlb);
    c.get(L_VA).i64(12).op(OP.i64ShrU).get(L_DKEY).op(OP.i64Or, OP.i64Eq);
    c.get(L_VA).op(OP.i32WrapI64).i32(0xfff).op(OP.i32And).i32(4096 - size).op(OP.i32LeU, OP.i32And);
  }

  /** The linear-memory address of va through the TLB entry found by tlbHit. */
  private hostAddress(tlb: number): void {
    this.body.get(L_VA).get(L_ENT).mem(OP.i64Load, tlb + 8).op(OP.i64Add, OP.i32WrapI64);
  }

  /**
   * Code may run on into the page after the entry's, read from the physical page after the
   * entry's. Before the first instruction of a block that touches it, this checks that the
   * virtual page after pc's still maps there, for execution in the current mode: the fetch TLB
   * holds exactly such entries (fkey being its tag bits for the mode), so a matching entry
   * whose addend leads to that physical page is the proof. Otherwise (another mapping, or just
   * a TLB miss) the block ends there and the interpreter fetches the instruction itself.
   */
  private guard(at: number, count: number): void {
    const c = this.body;
    const fetch = this.core.TLB_FETCH;
    const nextPage = (this.entry & ~0xfff) + 4096;
    c.get(L_PC).i64(nextPage - this.entry).op(OP.i64Add).i64(12).op(OP.i64ShrU).tee(L_VA);
    c.op(OP.i32WrapI64).i32(this.core.TLB_ENTRIES - 1).op(OP.i32And).i32(4).op(OP.i32Shl).tee(L_ENT);
    c.mem(OP.i64Load, fetch).get(L_VA).get(L_FKEY).op(OP.i64Or, OP.i64Ne);
    c.get(L_VA).i64(12).op(OP.i64Shl).get(L_ENT).mem(OP.i64Load, fetch + 8).op(OP.i64Add).i64(nextPage).op(OP.i64Ne, OP.i32Or);
    c.op(OP.if, VOID);
    this.exit(() => this.pcPlus(at), count);
    c.op(OP.end);
  }

  /** Emits instruction number `i` of the current block. */
  private emit(x: Insn, i: number): void {
    const { insn, len, at } = x;
    if (!this.guarded && (this.entry & 0xfff) + at + len > 4096) {
      this.guard(at, i);
      this.guarded = true;
    }
    const c = this.body;
    const rd = (insn >>> 7) & 31;
    const rs1 = (insn >>> 15) & 31;
    const rs2 = (insn >>> 20) & 31;
    const f3 = (insn >>> 12) & 7;
    const f7 = insn >>> 25;
    switch (insn & 0x7f) {
      case 0x37: c.i64(insn & 0xfffff000); this.put(rd); return; // LUI
      case 0x17: this.pcPlus(at + (insn & 0xfffff000)); this.put(rd); return; // AUIPC
      case 0x6f: // JAL
        if (rd !== 0) { this.pcPlus(at + len); this.put(rd); }
        this.transfer(at + immJ(insn), i + 1, 0);
        return;
      case 0x67: // JALR: the target is read before rd is written
        this.get(rs1);
        c.i64(immI(insn)).op(OP.i64Add).i64(-2).op(OP.i64And).set(L_VA);
        if (rd !== 0) { this.pcPlus(at + len); this.put(rd); }
        this.exit(() => c.get(L_VA), i + 1);
        return;
      case 0x63: // BRANCH
        this.get(rs1);
        this.get(rs2);
        c.op(BRANCH_OPS[f3]!, OP.if, VOID);
        this.transfer(at + immB(insn), i + 1, 1);
        c.op(OP.end);
        this.transfer(at + len, i + 1, 0);
        return;
      case 0x03: { // LOAD
        const size = 1 << (f3 & 3);
        this.tlbHit(rs1, immI(insn), this.core.TLB_READ, size);
        c.op(OP.if, I64);
        this.hostAddress(this.core.TLB_READ);
        c.mem(LOAD_OPS[f3]!, 0);
        c.op(OP.else);
        c.get(L_VA).i32(size).op(OP.call, F_LOAD).set(L_VAL);
        c.i32(0).mem(OP.i32Load, this.core.JIT_STATUS).op(OP.if, VOID);
        this.exit(() => this.pcPlus(at), i);
        c.op(OP.end).get(L_VAL);
        if (f3 < 3) c.op(SLOW_EXTEND[f3]!);
        c.op(OP.end);
        this.put(rd);
        return;
      }
      case 0x23: { // STORE
        const size = 1 << f3;
        this.tlbHit(rs1, immS(insn), this.core.TLB_WRITE, size);
        c.op(OP.if, VOID);
        this.hostAddress(this.core.TLB_WRITE);
        this.get(rs2);
        c.mem(STORE_OPS[f3]!, 0);
        c.op(OP.else);
        c.get(L_VA).i32(size);
        this.get(rs2);
        c.op(OP.call, F_STORE).tee(L_ST).op(OP.if, VOID);
        c.get(L_ST).i32(1).op(OP.i32Eq, OP.if, VOID);
        this.exit(() => this.pcPlus(at), i); // faulted
        c.op(OP.end);
        this.exit(() => this.pcPlus(at + len), i + 1); // a device asked the run loop to return
        c.op(OP.end, OP.end);
        return;
      }
      case 0x13: { // OP-IMM
        const imm = immI(insn);
        this.get(rs1);
        switch (f3) {
          case 0: c.i64(imm).op(OP.i64Add); break;
          case 1: c.i64(imm & 63).op(OP.i64Shl); break;
          case 2: c.i64(imm).op(OP.i64LtS, OP.i64ExtendI32U); break;
          case 3: c.i64(imm).op(OP.i64LtU, OP.i64ExtendI32U); break;
          case 4: c.i64(imm).op(OP.i64Xor); break;
          case 5: c.i64(imm & 63).op(insn >>> 26 === 0 ? OP.i64ShrU : OP.i64ShrS); break;
          case 6: c.i64(imm).op(OP.i64Or); break;
          default: c.i64(imm).op(OP.i64And);
        }
        this.put(rd);
        return;
      }
      case 0x1b: // OP-IMM-32
        this.get(rs1);
        if (f3 === 0) c.i64(immI(insn)).op(OP.i64Add, OP.i64Extend32S);
        else c.op(OP.i32WrapI64).i32(rs2).op(f3 === 1 ? OP.i32Shl : f7 === 0 ? OP.i32ShrU : OP.i32ShrS, OP.i64ExtendI32S);
        this.put(rd);
        return;
      case 0x33: { // OP
        this.get(rs1);
        this.get(rs2);
        if (f7 === 1) c.op(OP.i64Mul);
        else if (f7 === 0x20) c.op(f3 === 0 ? OP.i64Sub : OP.i64ShrS);
        else c.op(...[[OP.i64Add], [OP.i64Shl], [OP.i64LtS, OP.i64ExtendI32U], [OP.i64LtU, OP.i64ExtendI32U], [OP.i64Xor], [OP.i64ShrU], [OP.i64Or], [OP.i64And]][f3]!);
        this.put(rd);
        return;
      }
      case 0x3b: // OP-32
        this.get(rs1);
        if (f3 === 0) {
          this.get(rs2);
          c.op(f7 === 1 ? OP.i64Mul : f7 === 0x20 ? OP.i64Sub : OP.i64Add, OP.i64Extend32S);
        } else {
          c.op(OP.i32WrapI64);
          this.get(rs2);
          c.op(OP.i32WrapI64, f3 === 1 ? OP.i32Shl : f7 === 0 ? OP.i32ShrU : OP.i32ShrS, OP.i64ExtendI32S);
        }
        this.put(rd);
        return;
      case 0x0f: return; // FENCE
    }
    throw new Error(`translator: no rule for instruction 0x${insn.toString(16)}`);
  }

  /** The entry: the registers the block reads, from memory into locals. */
  prologue(): Code {
    const c = new Code();
    const load = this.region ? this.read | this.written : this.read;
    for (let r = 1; r < 32; r++) {
      if ((load >>> r) & 1) c.i32(0).mem(OP.i64Load, this.core.XREGS + 8 * r).set(X0 + r);
    }
    return c;
  }

}

/** When queued blocks are translated. */
export enum Batching {
  /** At once, each block when the core first asks (Translation.Eager). */
  None,
  /** In batches, compiled in the background; installed when ready (wall-clock dependent). */
  Background,
  /**
   * In batches at points fixed by the run() calls alone, compiled synchronously: the guest's
   * execution does not depend on the host's timing (machines on a virtual clock).
   */
  ByCount,
}

/** Blocks translated together: their addresses, the module's bytes (and once compiled, the module), the flush epoch they were read in. */
interface Batch {
  hosts: number[];
  bytes: Uint8Array;
  epoch: number;
  module?: WasmModule;
}

export class BlockTranslator {
  private readonly mem: DataView;
  /** The next free slot of the function table; slot 0 stays empty (index 0 means "interpret"). */
  private next = 1;
  private readonly imports: Record<string, Record<string, unknown>>;
  /** Blocks translated since the engine started, for benchmarks and tests. */
  translated = 0;
  /** The first error from compiling a background batch (a translator bug), kept for diagnosis. */
  failure: unknown;
  /**
   * Translations still valid, by address: the core's map is direct-mapped and forgets a block
   * when another one takes its entry, and coming back then costs a lookup here, not a compile.
   * Valid while the core's flush count stays `epoch`.
   */
  private readonly known = new Map<number, number>();
  private epoch = 0;
  private readonly queue: number[] = [];
  /** When the oldest queued block was first seen waiting. */
  private since: number | undefined;
  /** Whether a batch is being compiled in the background. */
  private compiling = false;
  /** Batching.ByCount: the due checks the queue has waited through. */
  private waited = 0;

  constructor(private readonly core: TranslatorCore, private readonly table: WasmTable, private readonly mode: Batching) {
    this.mem = new DataView(core.memory.buffer);
    this.imports = { c: { m: core.memory, f0: core.jitLoad, f1: core.jitStore } };
  }

  /** Reads the block at linear-memory address `host` (its instructions expanded from RVC), offsets from `entry`. */
  private decode(host: number, entry = host): Insn[] {
    const out: Insn[] = [];
    // Up to the end of the page after the entry's (the code checks that mapping: BlockWriter.guard).
    const limit = Math.min((entry & ~0xfff) + 2 * 4096, this.core.ramEnd);
    let a = host;
    while (a + 2 <= limit && out.length < MAX_BLOCK) {
      let insn = this.mem.getUint16(a, true);
      let len = 4;
      if ((insn & 3) !== 3) {
        insn = this.mem.getUint32(this.core.RVC_TABLE + insn * 4, true);
        len = 2;
        if (insn === 0) break;
      } else {
        if (a + 4 > limit) break;
        insn = this.mem.getUint32(a, true);
      }
      const kind = kindOf(insn);
      if (kind === Kind.Refused) break;
      out.push({ insn: insn | 0, len, at: a - entry });
      a += len;
      if (kind === Kind.Control) break;
    }
    return out;
  }

  /** The core's request for the block at `host`: its table index, or 0 (queued), -1 (refused), -2 (busy: ask again later). */
  compile(host: number): number {
    this.checkEpoch();
    const known = this.known.get(host);
    if (known !== undefined) return known;
    if (this.queue.length >= MAX_QUEUE) return -2;
    this.queue.push(host);
    if (this.mode !== Batching.None) return 0;
    this.install(this.prepare());
    return this.known.get(host) ?? -1;
  }

  /**
   * Whether translate() should run now: enough blocks wait, or the first has waited long
   * enough, and no batch is being compiled. Most of a small module's compile time is fixed, so
   * blocks are translated in batches.
   */
  get due(): boolean {
    const n = this.queue.length;
    if (n === 0 || this.compiling) return false;
    if (this.mode === Batching.ByCount) return n >= BATCH_BLOCKS || ++this.waited >= BATCH_WAIT_RUNS;
    if (n === 1) this.since ??= performance.now();
    return n >= BATCH_BLOCKS || performance.now() - this.since! >= BATCH_WAIT_MS;
  }

  /**
   * Translates the queued blocks as one module, compiled in the background (the guest keeps
   * running interpreted meanwhile), and installs them in the core's map when it is ready,
   * unless a flush came in between: the code they were made from may have changed.
   */
  translate(): void {
    if (this.mode === Batching.ByCount) {
      this.install(this.prepare());
      return;
    }
    const batch = this.prepare();
    if (!batch) return;
    this.compiling = true;
    Wasm.compile(batch.bytes).then((module) => {
      this.compiling = false;
      this.checkEpoch();
      if (this.epoch === batch.epoch) this.install({ ...batch, module });
      else for (const host of batch.hosts) this.core.jitInstall(host, -1);
    }, (err: unknown) => {
      // A module the engine rejects is the translator's bug: say so, and leave those blocks
      // to the interpreter rather than stop the guest.
      this.compiling = false;
      this.failure ??= err;
      console.warn(`riscv translator: a batch of ${batch.hosts.length} blocks did not compile: ${String(err)}`);
      for (const host of batch.hosts) this.core.jitInstall(host, 0);
    });
  }

  /** Generates the module for the queued blocks; those the translator refuses are marked in the core at once. */
  private prepare(): Batch | undefined {
    this.checkEpoch();
    const hosts: number[] = [];
    const bodies: Code[] = [];
    for (const host of new Set(this.queue)) {
      const body = this.known.has(host) ? undefined : this.translateBlock(host);
      if (body) {
        hosts.push(host);
        bodies.push(body);
      } else this.core.jitInstall(host, this.known.get(host) ?? 0);
    }
    this.queue.length = 0;
    this.since = undefined;
    this.waited = 0;
    if (bodies.length === 0) return undefined;
    return { hosts, bytes: moduleBytes(IMPORTS, BLOCK_TYPE, LOCALS, bodies), epoch: this.epoch };
  }

  /** Instantiates a batch and puts its functions in the table and the core's map. */
  private install(batch: Batch | undefined): void {
    if (!batch) return;
    if (this.next + batch.hosts.length > this.table.length) {
      // The table is full: start over. Dropping the core's map first means no stale index survives.
      this.core.jitFlush();
      this.checkEpoch();
    }
    const exports = new Wasm.Instance(batch.module ?? new Wasm.Module(batch.bytes), this.imports).exports;
    batch.hosts.forEach((host, i) => {
      const index = this.next++;
      this.table.set(index, exports[String(i)]);
      this.known.set(host, index);
      this.core.jitInstall(host, index);
    });
    this.translated += batch.hosts.length;
  }

  /**
   * Forgets what the core forgot: translations made before its last flush. Their table slots
   * are emptied and reused, so the modules behind them can be collected (Linux issues fence.i
   * hundreds of times while it boots).
   */
  private checkEpoch(): void {
    const epoch = this.core.getJitFlushes();
    if (epoch === this.epoch) return;
    this.known.clear();
    this.epoch = epoch;
    for (let i = 1; i < this.next; i++) this.table.set(i, null);
    this.next = 1;
  }

  /**
   * The function body for the block at `host`, with the blocks of its page that lead back to it
   * (its loops: a region), or undefined when its first instruction is one only the interpreter
   * runs. Blocks that only lead away stay out, as separate translations: copying them into every
   * region that reaches them would multiply the code for little gain.
   */
  private translateBlock(host: number): Code | undefined {
    const first = this.decode(host);
    if (first.length === 0) return undefined;
    // The blocks reachable within the page, up to REGION_BLOCKS...
    const reach: Region = new Map([[0, first]]);
    const pending = successors(first);
    const entryOffset = host & 0xfff;
    while (pending.length > 0 && reach.size < REGION_BLOCKS) {
      const to = pending.shift()!;
      if (reach.has(to) || entryOffset + to < 0 || entryOffset + to >= 2 * 4096) continue;
      const block = this.decode(host + to, host);
      if (block.length === 0) continue;
      reach.set(to, block);
      pending.push(...successors(block));
    }
    // ...of which those from which the entry can be reached again.
    const back = new Set<number>();
    for (let grew = true; grew;) {
      grew = false;
      for (const [at, block] of reach) {
        if (!back.has(at) && successors(block).some((to) => to === 0 || back.has(to))) {
          back.add(at);
          grew = true;
        }
      }
    }
    const region: Region = new Map([...reach].filter(([at]) => at === 0 || back.has(at)));
    const loops = back.has(0);
    const w = new BlockWriter(this.core, host, loops ? region : undefined);
    w.emitAll(loops ? [...region.values()] : [first]);
    return w.prologue().append(w.body);
  }


}
