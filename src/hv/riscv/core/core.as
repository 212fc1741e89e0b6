// AssemblyScript: the RV64GC interpreter's run loop, and the module's exports. This is the
// entry file that scripts/build.mjs compiles to core.wasm; the TypeScript engine
// (src/hv/riscv/engine.ts) instantiates it, gives it guest RAM, and calls run() in batches.
//
// run(budget) executes up to `budget` instructions and returns an EXIT_* code. Between calls the
// host updates mtime and the interrupt lines, services SBI calls and WFI. Faults inside an
// instruction set S.exc; the loop then enters the trap handler instead of retiring it.
import * as S from "./state";
import { loadSlow, storeSlow, tlbLookup, amoHost, fetchPage, fetchParcel, ACCESS_READ, ACCESS_WRITE } from "./mmu";
import { csrRead, csrWrite, trapEnter, pendingInterrupt, anyInterruptPending, mret, sret, instretNow } from "./csr";
import * as C from "./csr";
import { execFp } from "./fpu";
import { buildRvcTable } from "./rvc";
import { saveHart, switchHart, currentHart, MAX_HARTS } from "./harts";
import * as H from "./harts";
import { jitLookup, jitEnabled } from "./jit";
import * as J from "./jit";

export {
  XREGS, FREGS, MMIO_DATA, HART_SAVE, RAM_OFFSET, TLB_BASE, TLB_READ, TLB_WRITE, TLB_FETCH, TLB_ENTRIES, RVC_TABLE, JIT_PC, JIT_STATUS,
  EXIT_BUDGET, EXIT_WFI, EXIT_SBI, EXIT_STOP,
} from "./state";
export { jitLoad, jitStore, jitInstall } from "./jit";

const I64_MIN: i64 = <i64>0x8000000000000000;

@inline function immI(insn: u32): i64 {
  return <i64>(<i32>insn >> 20);
}

@inline function immS(insn: u32): i64 {
  return <i64>(((<i32>insn >> 20) & ~31) | <i32>((insn >> 7) & 31));
}

@inline function immB(insn: u32): i64 {
  return <i64>(((<i32>(insn & 0x80000000)) >> 19) | <i32>((insn & 0x80) << 4) | <i32>((insn >> 20) & 0x7e0) |
    <i32>((insn >> 7) & 0x1e));
}

@inline function immJ(insn: u32): i64 {
  return <i64>(((<i32>(insn & 0x80000000)) >> 11) | <i32>(insn & 0xff000) | <i32>((insn >> 9) & 0x800) |
    <i32>((insn >> 20) & 0x7fe));
}

@inline function sext32(v: i64): i64 {
  return <i64><i32>v;
}

function mulh(a: i64, b: i64): i64 {
  // High half of the signed 128-bit product, from 32-bit halves.
  const hi = mulhu(a, b);
  return hi - (a < 0 ? b : 0) - (b < 0 ? a : 0);
}

function mulhu(a: i64, b: i64): i64 {
  const aL = a & 0xffffffff, aH = <i64>(<u64>a >> 32);
  const bL = b & 0xffffffff, bH = <i64>(<u64>b >> 32);
  const ll = aL * bL, lh = aL * bH, hl = aH * bL, hh = aH * bH;
  const mid = <i64>(<u64>ll >> 32) + (lh & 0xffffffff) + (hl & 0xffffffff);
  return hh + <i64>(<u64>lh >> 32) + <i64>(<u64>hl >> 32) + <i64>(<u64>mid >> 32);
}

function mulhsu(a: i64, b: i64): i64 {
  const hi = mulhu(a, b);
  return a < 0 ? hi - b : hi;
}

/** The OP and OP-32 groups with funct7 = 1: RV64M. */
function mulDiv(f3: u32, a: i64, b: i64, word: bool): i64 {
  if (word) {
    const x = <i32>a, y = <i32>b;
    switch (f3) {
      case 0: return <i64>(x * y);
      case 4: return y == 0 ? -1 : (x == -2147483648 && y == -1) ? <i64>x : <i64>(x / y);
      case 5: return y == 0 ? -1 : <i64><i32>(<u32>x / <u32>y);
      case 6: return y == 0 ? <i64>x : (x == -2147483648 && y == -1) ? 0 : <i64>(x % y);
      default: return y == 0 ? <i64>x : <i64><i32>(<u32>x % <u32>y);
    }
  }
  switch (f3) {
    case 0: return a * b;
    case 1: return mulh(a, b);
    case 2: return mulhsu(a, b);
    case 3: return mulhu(a, b);
    case 4: return b == 0 ? -1 : (a == I64_MIN && b == -1) ? a : a / b;
    case 5: return b == 0 ? -1 : <i64>(<u64>a / <u64>b);
    case 6: return b == 0 ? a : (a == I64_MIN && b == -1) ? 0 : a % b;
    default: return b == 0 ? a : <i64>(<u64>a % <u64>b);
  }
}

/** AMO*.W/D arithmetic (the value to store). */
function amoOp(f5: u32, old: i64, v: i64, word: bool): i64 {
  if (word) { old = sext32(old); v = sext32(v); }
  switch (f5) {
    case 0x01: return v; // AMOSWAP
    case 0x00: return old + v; // AMOADD
    case 0x04: return old ^ v; // AMOXOR
    case 0x0c: return old & v; // AMOAND
    case 0x08: return old | v; // AMOOR
    case 0x10: return old < v ? old : v; // AMOMIN
    case 0x14: return old > v ? old : v; // AMOMAX
    case 0x18: return (word ? <u32>old < <u32>v : <u64>old < <u64>v) ? old : v; // AMOMINU
    default: return (word ? <u32>old > <u32>v : <u64>old > <u64>v) ? old : v; // AMOMAXU
  }
}

/** Executes an A-extension instruction; false when illegal. Faults set S.exc. */
function execAmo(insn: u32): bool {
  const f3 = (insn >> 12) & 7;
  if (f3 != 2 && f3 != 3) return false;
  const size = f3 == 2 ? 4 : 8;
  const word = size == 4;
  const rd = (insn >> 7) & 31;
  const f5 = insn >> 27;
  const va = S.xget((insn >> 15) & 31);
  const v = S.xget((insn >> 20) & 31);
  if (f5 == 0x02) { // LR
    if (((insn >> 20) & 31) != 0) return false;
    const h = amoHost(va, size, ACCESS_READ);
    if (S.exc >= 0) return true;
    S.xset(rd, word ? <i64>load<i32>(h) : load<i64>(h));
    S.reservation = <i64>h;
    return true;
  }
  if (f5 == 0x03) { // SC
    const h = amoHost(va, size, ACCESS_WRITE);
    if (S.exc >= 0) return true;
    if (S.reservation == <i64>h) {
      if (word) store<i32>(h, <i32>v); else store<i64>(h, v);
      S.xset(rd, 0);
    } else S.xset(rd, 1);
    S.reservation = -1;
    return true;
  }
  if (f5 != 0x01 && f5 != 0x00 && f5 != 0x04 && f5 != 0x0c && f5 != 0x08 && f5 != 0x10 && f5 != 0x14 && f5 != 0x18 && f5 != 0x1c) return false;
  const h = amoHost(va, size, ACCESS_WRITE);
  if (S.exc >= 0) return true;
  const old = word ? <i64>load<i32>(h) : load<i64>(h);
  const nv = amoOp(f5, old, v, word);
  if (word) store<i32>(h, <i32>nv); else store<i64>(h, nv);
  S.xset(rd, old);
  return true;
}

// --- exports for the host -----------------------------------------------------------------------

export function init(ramSize: u32, hartId: u32): void {
  const need = <i64>S.RAM_OFFSET + ramSize;
  const have = <i64>memory.size() << 16;
  if (need > have) memory.grow(<i32>((need - have + 0xffff) >> 16));
  S.ramSize = ramSize;
  S.mhartid = hartId;
  buildRvcTable();
  reset(<i64>S.ramBase);
}

export function reset(startPc: i64): void {
  memory.fill(S.XREGS, 0, 512);
  S.pc = startPc;
  S.priv = S.PRV_M;
  S.mstatus = (2 << 32) | (2 << 34);
  S.medeleg = 0; S.mideleg = 0; S.mie = 0; S.mip = 0; S.mipLines = 0;
  S.mtvec = 0; S.mscratch = 0; S.mepc = 0; S.mcause = 0; S.mtval = 0; S.mcounteren = 0;
  S.stvec = 0; S.sscratch = 0; S.sepc = 0; S.scause = 0; S.stval = 0; S.scounteren = 0;
  S.satp = 0; S.fcsr = 0; S.instret = 0; S.reservation = -1; S.exc = -1; S.stopReq = false;
  S.updateKeys();
  S.flushTlb();
}

/**
 * Adds hart `slot` (mhartid `hartId`), reset like hart 0, without switching to it. Returns false
 * when the slot is out of range.
 */
export function addHart(slot: i32, hartId: u32): bool {
  if (slot <= 0 || slot >= MAX_HARTS) return false;
  const cur = currentHart;
  saveHart(cur);
  reset(<i64>S.ramBase);
  S.mhartid = hartId;
  saveHart(slot);
  H.loadHart(cur);
  return true;
}
/** Makes hart `slot` the one run() and the accessors below act on. */
export function selectHart(slot: i32): void { switchHart(slot); }
export function getCurrentHart(): i32 { return currentHart; }

export function getPc(): i64 { return S.pc; }
export function setPc(v: i64): void { S.pc = v; }
export function getPriv(): i32 { return S.priv; }
export function setPriv(p: i32): void { S.priv = p; S.updateKeys(); }
export function getInstret(): i64 { return S.instret; }
export function setMtime(t: i64): void { S.mtime = t; }
export function getMtime(): i64 { return S.mtime; }
export function setSbiInHost(on: bool): void { S.sbiInHost = on; }
export function setRamBase(base: i64): void { S.ramBase = base; }
/** Drives interrupt line `irq` (a bit of mip) of hart `slot` from a device or the host; never switches harts. */
export function setLine(slot: i32, irq: i32, level: bool): void {
  H.setLineOf(slot, irq, level);
}
export function getMipLines(): i64 { return S.mipLines; }
/** Sets a software-writable pending bit of hart `slot` (SSIP for an IPI), leaving the device-driven lines alone. */
export function raiseSoftwareIrq(slot: i32, irq: i32): void {
  H.raiseSoftwareIrqOf(slot, irq);
}
/** CSR access for the host (debuggers, tests, snapshots): -1 and no effect when the CSR does not exist. */
export function hostCsrRead(csr: i32): i64 {
  const saved = S.priv;
  S.priv = S.PRV_M;
  C.instretNow = S.instret;
  const v = csrRead(csr, 0, false);
  S.priv = saved;
  lastCsrOk = S.exc < 0;
  S.exc = -1;
  return lastCsrOk ? v : 0;
}
let lastCsrOk = false;
/** Whether the last hostCsrRead found its CSR. */
export function hostCsrOk(): bool { return lastCsrOk; }
export function hostCsrWrite(csr: i32, v: i64): void {
  const saved = S.priv;
  S.priv = S.PRV_M;
  csrRead(csr, 0, true);
  if (S.exc < 0) csrWrite(csr, v, 0);
  S.exc = -1;
  S.priv = saved;
  S.updateKeys();
}
export function flushTlb(): void { S.flushTlb(); }
/** Drops every translated block (after the host wrote code into RAM, or a remote fence.i). */
export function jitFlush(): void { J.jitFlushMap(); }
/** Turns translation on or off (off: every instruction is interpreted), translating blocks after `hot` visits. */
export function setJit(on: bool, hot: i32): void {
  J.jitEnabled = on;
  J.jitHot = hot < 1 ? 1 : hot;
  J.jitFlushMap();
}
export function getJitFlushes(): i32 { return J.jitFlushes; }
export function getJitRetired(): i64 { return J.jitRetired; }

// --- the run loop -------------------------------------------------------------------------------

export function run(budget: i32): i32 {
  let pc = S.pc;
  let n = budget;
  let exit = S.EXIT_BUDGET;
  S.stopReq = false;
  const irq = pendingInterrupt();
  if (irq >= 0) pc = trapEnter(<i64>irq, true, 0, pc);
  // The page the last fetch came from: its tag and addend, refreshed on a change of page.
  let fetchTag: i64 = -1;
  let fetchAdd: i64 = 0;
  // The TLB tag keys of state.as, cached in locals (refreshed with fetchTag).
  let fkey: i64 = S.fetchKey;
  let dkey: i64 = S.dataKey;
  // Set by the rare instructions after which the loop must re-check interrupts or leave.
  let recheck = false;
  let leave = false;
  // Set where a translated block may start: after a jump, a branch, a trap, a block, or an
  // instruction only the interpreter runs.
  let atTarget = true;
  while (n > 0) {
    n--;
    store<i64>(S.XREGS, 0);
    // Fetch.
    if ((<u64>pc >> 12 | fkey) != fetchTag) {
      // Every event that changes the translation context also clears fetchTag, so this refill
      // is where the cached keys catch up.
      fkey = S.fetchKey;
      dkey = S.dataKey;
      const h = tlbLookup(S.TLB_FETCH, fkey, pc, 2);
      if (h != 0) fetchAdd = <i64>h - pc;
      else {
        fetchAdd = fetchPage(pc);
        if (S.exc >= 0) { pc = trapEnter(<i64>S.exc, false, S.excTval, pc); S.exc = -1; fetchTag = -1; atTarget = true; continue; }
      }
      fetchTag = <u64>pc >> 12 | fkey;
    }
    if (atTarget) {
      atTarget = false;
      const f = jitEnabled ? jitLookup(<u32>(pc + fetchAdd)) : 0;
      if (f != 0) {
        // A block (translated with the fetch and data TLB keys of the current mode) retires
        // `done` instructions, leaves the next pc in JIT_PC, and on a fault
        // leaves S.exc set with JIT_PC at the faulting instruction (not retired).
        const done = call_indirect<i32>(<u32>f, pc, dkey, fkey);
        n -= done - 1;
        J.jitRetired += done;
        pc = load<i64>(S.JIT_PC);
        atTarget = true;
        if (S.exc >= 0) {
          // The interpreter counts an instruction that traps in its batch: so does this.
          n--;
          pc = trapEnter(<i64>S.exc, false, S.excTval, pc);
          S.exc = -1;
          fetchTag = -1;
        } else if (done == 0) {
          // Retired nothing without a fault: the block stopped at its first instruction (the
          // next page's mapping is not the one it was translated for); the interpreter takes it.
          atTarget = false;
        }
        if (S.stopReq) { exit = S.EXIT_STOP; break; }
        continue;
      }
    }
    let insn: u32 = <u32>load<u16>(<usize>(pc + fetchAdd));
    let len: i64 = 4;
    if ((insn & 3) != 3) {
      len = 2;
      const raw = insn;
      insn = load<u32>(S.RVC_TABLE + (<usize>insn << 2));
      if (insn == 0) { pc = trapEnter(S.CAUSE_ILLEGAL, false, <i64>raw, pc); fetchTag = -1; atTarget = true; continue; }
    } else if (<i32>(pc & 0xfff) == 0xffe) {
      const hi = fetchParcel(pc + 2);
      if (S.exc >= 0) { pc = trapEnter(<i64>S.exc, false, S.excTval, pc); S.exc = -1; fetchTag = -1; atTarget = true; continue; }
      insn |= <u32>hi << 16;
      fetchTag = -1;
      atTarget = true; // a translation that reached this instruction stopped before it: one may start after it
    } else {
      insn = load<u32>(<usize>(pc + fetchAdd));
    }
    const rd = (insn >> 7) & 31;
    const rs1 = (insn >> 15) & 31;
    const rs2 = (insn >> 20) & 31;
    const f3 = (insn >> 12) & 7;
    let next = pc + len;
    switch (insn & 0x7f) {
      // The common instructions end with `pc = next; continue`: they cannot trap, so they skip the
      // trap and re-check tests after the switch.
      case 0x37: S.xset(rd, <i64><i32>(insn & 0xfffff000)); pc = next; continue; // LUI
      case 0x17: S.xset(rd, pc + <i64><i32>(insn & 0xfffff000)); pc = next; continue; // AUIPC
      case 0x6f: S.xset(rd, pc + len); pc += immJ(insn); atTarget = true; continue; // JAL
      case 0x67: { // JALR
        if (f3 != 0) { S.raise(S.CAUSE_ILLEGAL, <i64>insn); break; }
        const t = (S.xget(rs1) + immI(insn)) & ~1;
        S.xset(rd, next);
        pc = t;
        atTarget = true;
        continue;
      }
      case 0x63: { // BRANCH
        const a = S.xget(rs1), b = S.xget(rs2);
        let taken: bool;
        switch (f3) {
          case 0: taken = a == b; break;
          case 1: taken = a != b; break;
          case 4: taken = a < b; break;
          case 5: taken = a >= b; break;
          case 6: taken = <u64>a < <u64>b; break;
          case 7: taken = <u64>a >= <u64>b; break;
          default: S.raise(S.CAUSE_ILLEGAL, <i64>insn); taken = false;
        }
        if (S.exc >= 0) break;
        pc = taken ? pc + immB(insn) : next;
        atTarget = true;
        continue;
      }
      case 0x03: { // LOAD
        if (f3 == 7) { S.raise(S.CAUSE_ILLEGAL, <i64>insn); break; }
        const va = S.xget(rs1) + immI(insn);
        const size = 1 << (f3 & 3);
        const h = tlbLookup(S.TLB_READ, dkey, va, size);
        let v: i64;
        if (h != 0) {
          switch (f3) {
            case 0: v = <i64>load<i8>(h); break;
            case 1: v = <i64>load<i16>(h); break;
            case 2: v = <i64>load<i32>(h); break;
            case 3: v = load<i64>(h); break;
            case 4: v = <i64>load<u8>(h); break;
            case 5: v = <i64>load<u16>(h); break;
            default: v = <i64>load<u32>(h);
          }
          S.xset(rd, v);
          pc = next;
          continue;
        }
        v = loadSlow(va, size);
        if (S.exc >= 0) break;
        if (f3 == 0) v = <i64><i8>v;
        else if (f3 == 1) v = <i64><i16>v;
        else if (f3 == 2) v = <i64><i32>v;
        S.xset(rd, v);
        break;
      }
      case 0x23: { // STORE
        if (f3 > 3) { S.raise(S.CAUSE_ILLEGAL, <i64>insn); break; }
        const va = S.xget(rs1) + immS(insn);
        const size = 1 << f3;
        const v = S.xget(rs2);
        const h = tlbLookup(S.TLB_WRITE, dkey, va, size);
        if (h != 0) {
          if (f3 == 3) store<i64>(h, v);
          else if (f3 == 2) store<i32>(h, <i32>v);
          else if (f3 == 1) store<i16>(h, <i16>v);
          else store<i8>(h, <i8>v);
          pc = next;
          continue;
        } else {
          storeSlow(va, size, v);
          if (S.stopReq) { exit = S.EXIT_STOP; leave = true; }
        }
        break;
      }
      case 0x13: { // OP-IMM
        const a = S.xget(rs1);
        const imm = immI(insn);
        let r: i64 = 0;
        switch (f3) {
          case 0: r = a + imm; break;
          case 1:
            if ((insn >> 26) != 0) { S.raise(S.CAUSE_ILLEGAL, <i64>insn); r = 0; break; }
            r = a << (imm & 63); break;
          case 2: r = a < imm ? 1 : 0; break;
          case 3: r = <u64>a < <u64>imm ? 1 : 0; break;
          case 4: r = a ^ imm; break;
          case 5: {
            const top = insn >> 26;
            if (top == 0) r = <i64>(<u64>a >> <u64>(imm & 63));
            else if (top == 0x10) r = a >> (imm & 63);
            else { S.raise(S.CAUSE_ILLEGAL, <i64>insn); r = 0; }
            break;
          }
          case 6: r = a | imm; break;
          default: r = a & imm;
        }
        if (S.exc >= 0) break; // a shift with a bad funct6
        S.xset(rd, r);
        pc = next;
        continue;
      }
      case 0x1b: { // OP-IMM-32
        const a = S.xget(rs1);
        const sh = <i32>rs2;
        const f7 = insn >> 25;
        let r: i64 = 0;
        if (f3 == 0) r = sext32(a + immI(insn));
        else if (f3 == 1 && f7 == 0) r = <i64>(<i32>a << sh);
        else if (f3 == 5 && f7 == 0) r = <i64><i32>(<u32>a >> <u32>sh);
        else if (f3 == 5 && f7 == 0x20) r = <i64>(<i32>a >> sh);
        else { S.raise(S.CAUSE_ILLEGAL, <i64>insn); break; }
        S.xset(rd, r);
        pc = next;
        continue;
      }
      case 0x33: { // OP
        const a = S.xget(rs1), b = S.xget(rs2);
        const f7 = insn >> 25;
        let r: i64 = 0;
        if (f7 == 0) {
          switch (f3) {
            case 0: r = a + b; break;
            case 1: r = a << (b & 63); break;
            case 2: r = a < b ? 1 : 0; break;
            case 3: r = <u64>a < <u64>b ? 1 : 0; break;
            case 4: r = a ^ b; break;
            case 5: r = <i64>(<u64>a >> <u64>(b & 63)); break;
            case 6: r = a | b; break;
            default: r = a & b;
          }
        } else if (f7 == 0x20 && (f3 == 0 || f3 == 5)) {
          r = f3 == 0 ? a - b : a >> (b & 63);
        } else if (f7 == 1) {
          r = mulDiv(f3, a, b, false);
          atTarget = f3 != 0; // the translator leaves division and the high multiplies to the interpreter
        } else { S.raise(S.CAUSE_ILLEGAL, <i64>insn); break; }
        S.xset(rd, r);
        pc = next;
        continue;
      }
      case 0x3b: { // OP-32
        const a = S.xget(rs1), b = S.xget(rs2);
        const f7 = insn >> 25;
        const sh = <i32>(b & 31);
        let r: i64 = 0;
        if (f7 == 0 && f3 == 0) r = sext32(a + b);
        else if (f7 == 0x20 && f3 == 0) r = sext32(a - b);
        else if (f7 == 0 && f3 == 1) r = <i64>(<i32>a << sh);
        else if (f7 == 0 && f3 == 5) r = <i64><i32>(<u32>a >> <u32>sh);
        else if (f7 == 0x20 && f3 == 5) r = <i64>(<i32>a >> sh);
        else if (f7 == 1 && (f3 == 0 || f3 >= 4)) { r = mulDiv(f3, a, b, true); atTarget = f3 != 0; }
        else { S.raise(S.CAUSE_ILLEGAL, <i64>insn); break; }
        S.xset(rd, r);
        pc = next;
        continue;
      }
      case 0x0f: // MISC-MEM: FENCE, FENCE.I. Harts take turns and the interpreter fetches from
        // memory, so only translated blocks can be stale: FENCE.I drops them.
        if (f3 > 1) S.raise(S.CAUSE_ILLEGAL, <i64>insn);
        else if (f3 == 1) J.jitFlushMap();
        break;
      case 0x2f: // AMO
        if (!execAmo(insn)) S.raise(S.CAUSE_ILLEGAL, <i64>insn);
        break;
      case 0x07: case 0x27: { // LOAD-FP, STORE-FP
        if ((S.mstatus & S.MSTATUS_FS) == 0 || (f3 != 2 && f3 != 3)) { S.raise(S.CAUSE_ILLEGAL, <i64>insn); break; }
        const size = f3 == 2 ? 4 : 8;
        if ((insn & 0x7f) == 0x07) {
          const va = S.xget(rs1) + immI(insn);
          const h = tlbLookup(S.TLB_READ, dkey, va, size);
          let v: i64 = h != 0 ? (size == 4 ? <i64>load<u32>(h) : load<i64>(h)) : loadSlow(va, size);
          if (S.exc >= 0) break;
          if (size == 4) v |= <i64>0xffffffff00000000;
          S.fset(rd, v);
          C.fsDirty();
        } else {
          const va = S.xget(rs1) + immS(insn);
          const v = S.fget(rs2);
          const h = tlbLookup(S.TLB_WRITE, dkey, va, size);
          if (h != 0) { if (size == 4) store<u32>(h, <u32>v); else store<i64>(h, v); }
          else { storeSlow(va, size, v); if (S.stopReq) { exit = S.EXIT_STOP; leave = true; } }
        }
        break;
      }
      case 0x43: case 0x47: case 0x4b: case 0x4f: case 0x53:
        if ((S.mstatus & S.MSTATUS_FS) == 0 || !execFp(insn, S.xget(rs1))) S.raise(S.CAUSE_ILLEGAL, <i64>insn);
        break;
      case 0x73: { // SYSTEM
        if (f3 == 0) {
          if (insn == 0x00000073) { // ECALL
            if (S.priv == S.PRV_S && S.sbiInHost) { exit = S.EXIT_SBI; leave = true; next = pc; break; }
            S.raise(S.priv == S.PRV_U ? S.CAUSE_ECALL_U : S.priv == S.PRV_S ? S.CAUSE_ECALL_S : S.CAUSE_ECALL_M, 0);
          } else if (insn == 0x00100073) { // EBREAK
            S.raise(S.CAUSE_BREAKPOINT, pc);
          } else if (insn == 0x30200073 && S.priv == S.PRV_M) { // MRET
            next = mret(); fetchTag = -1; recheck = true;
          } else if (insn == 0x10200073 && S.priv >= S.PRV_S &&
            !(S.priv == S.PRV_S && (S.mstatus & S.MSTATUS_TSR) != 0)) { // SRET
            next = sret(); fetchTag = -1; recheck = true;
          } else if (insn == 0x10500073 && S.priv != S.PRV_U &&
            !(S.priv == S.PRV_S && (S.mstatus & S.MSTATUS_TW) != 0)) { // WFI
            if (!anyInterruptPending()) { exit = S.EXIT_WFI; leave = true; }
          } else if ((insn >> 25) == 0x09 && rd == 0 && S.priv >= S.PRV_S &&
            !(S.priv == S.PRV_S && (S.mstatus & S.MSTATUS_TVM) != 0)) { // SFENCE.VMA
            S.flushTlb(); fetchTag = -1;
          } else S.raise(S.CAUSE_ILLEGAL, <i64>insn);
          break;
        }
        if (f3 == 4) { S.raise(S.CAUSE_ILLEGAL, <i64>insn); break; }
        const csr = <i32>(insn >> 20);
        const src = f3 >= 5 ? <i64>rs1 : S.xget(rs1);
        const op = f3 & 3; // 1 CSRRW, 2 CSRRS, 3 CSRRC
        const writing = op == 1 || rs1 != 0;
        // Counters read the instructions retired before this one (n already counts it).
        C.instretNow = S.instret + (budget - n) - 1;
        const old = csrRead(csr, <i64>insn, writing);
        if (S.exc >= 0) break;
        if (writing) {
          const nv = op == 1 ? src : op == 2 ? old | src : old & ~src;
          if (csrWrite(csr, nv, <i64>insn)) { fetchTag = -1; recheck = true; }
          if (csr == 0xb00 || csr == 0xb02) S.instret -= budget - n;
        }
        S.xset(rd, old);
        break;
      }
      default:
        S.raise(S.CAUSE_ILLEGAL, <i64>insn);
    }
    if (S.exc >= 0) {
      next = trapEnter(<i64>S.exc, false, S.excTval, pc);
      S.exc = -1;
      fetchTag = -1;
      if (S.stopReq) { exit = S.EXIT_STOP; leave = true; }
    }
    pc = next;
    atTarget = true;
    if (recheck | leave) {
      if (leave) break;
      recheck = false;
      const q = pendingInterrupt();
      if (q >= 0) { pc = trapEnter(<i64>q, true, 0, pc); fetchTag = -1; }
    }
  }
  store<i64>(S.XREGS, 0);
  S.instret += budget - n;
  S.pc = pc;
  return exit;
}
