// AssemblyScript: several harts in one core. The run loop works on the globals of state.as; a
// machine with more harts keeps each one's state in a slot of HART_SAVE and swaps it in before
// running it (round-robin, one batch at a time). A swap copies the registers and CSRs (about
// 700 bytes), flushes the TLBs (they belong to the hart that filled them) and drops the LR
// reservation, which makes a pending SC fail: a spurious failure the ISA allows, and the only
// way another hart's store between the LR and the SC could be missed.
//
// Slot layout: x0..x31 (256 bytes), f0..f31 (256), then the 64-bit fields at the SLOT_* offsets.
import * as S from "./state";

export const HART_SLOT_SIZE: usize = 1024;
export const MAX_HARTS: i32 = 32;

const SLOT_X: usize = 0;
const SLOT_F: usize = 256;
const SLOT_PC: usize = 512;
const SLOT_PRIV: usize = 520;
const SLOT_MSTATUS: usize = 528;
const SLOT_MEDELEG: usize = 536;
const SLOT_MIDELEG: usize = 544;
const SLOT_MIE: usize = 552;
const SLOT_MIP: usize = 560;
const SLOT_MIPLINES: usize = 568;
const SLOT_MTVEC: usize = 576;
const SLOT_MSCRATCH: usize = 584;
const SLOT_MEPC: usize = 592;
const SLOT_MCAUSE: usize = 600;
const SLOT_MTVAL: usize = 608;
const SLOT_MCOUNTEREN: usize = 616;
const SLOT_STVEC: usize = 624;
const SLOT_SSCRATCH: usize = 632;
const SLOT_SEPC: usize = 640;
const SLOT_SCAUSE: usize = 648;
const SLOT_STVAL: usize = 656;
const SLOT_SCOUNTEREN: usize = 664;
const SLOT_SATP: usize = 672;
const SLOT_FCSR: usize = 680;
const SLOT_MHARTID: usize = 688;
const SLOT_INSTRET: usize = 696;

/** The slot the running state belongs to. */
export let currentHart: i32 = 0;

@inline function slot(h: i32): usize {
  return S.HART_SAVE + <usize>h * HART_SLOT_SIZE;
}

export function saveHart(h: i32): void {
  const b = slot(h);
  memory.copy(b + SLOT_X, S.XREGS, 256);
  memory.copy(b + SLOT_F, S.FREGS, 256);
  store<i64>(b + SLOT_PC, S.pc);
  store<i64>(b + SLOT_PRIV, <i64>S.priv);
  store<i64>(b + SLOT_MSTATUS, S.mstatus);
  store<i64>(b + SLOT_MEDELEG, S.medeleg);
  store<i64>(b + SLOT_MIDELEG, S.mideleg);
  store<i64>(b + SLOT_MIE, S.mie);
  store<i64>(b + SLOT_MIP, S.mip);
  store<i64>(b + SLOT_MIPLINES, S.mipLines);
  store<i64>(b + SLOT_MTVEC, S.mtvec);
  store<i64>(b + SLOT_MSCRATCH, S.mscratch);
  store<i64>(b + SLOT_MEPC, S.mepc);
  store<i64>(b + SLOT_MCAUSE, S.mcause);
  store<i64>(b + SLOT_MTVAL, S.mtval);
  store<i64>(b + SLOT_MCOUNTEREN, S.mcounteren);
  store<i64>(b + SLOT_STVEC, S.stvec);
  store<i64>(b + SLOT_SSCRATCH, S.sscratch);
  store<i64>(b + SLOT_SEPC, S.sepc);
  store<i64>(b + SLOT_SCAUSE, S.scause);
  store<i64>(b + SLOT_STVAL, S.stval);
  store<i64>(b + SLOT_SCOUNTEREN, S.scounteren);
  store<i64>(b + SLOT_SATP, S.satp);
  store<i64>(b + SLOT_FCSR, <i64>S.fcsr);
  store<i64>(b + SLOT_MHARTID, S.mhartid);
  store<i64>(b + SLOT_INSTRET, S.instret);
}

export function loadHart(h: i32): void {
  const b = slot(h);
  memory.copy(S.XREGS, b + SLOT_X, 256);
  memory.copy(S.FREGS, b + SLOT_F, 256);
  S.pc = load<i64>(b + SLOT_PC);
  S.priv = <i32>load<i64>(b + SLOT_PRIV);
  S.mstatus = load<i64>(b + SLOT_MSTATUS);
  S.medeleg = load<i64>(b + SLOT_MEDELEG);
  S.mideleg = load<i64>(b + SLOT_MIDELEG);
  S.mie = load<i64>(b + SLOT_MIE);
  S.mip = load<i64>(b + SLOT_MIP);
  S.mipLines = load<i64>(b + SLOT_MIPLINES);
  S.mtvec = load<i64>(b + SLOT_MTVEC);
  S.mscratch = load<i64>(b + SLOT_MSCRATCH);
  S.mepc = load<i64>(b + SLOT_MEPC);
  S.mcause = load<i64>(b + SLOT_MCAUSE);
  S.mtval = load<i64>(b + SLOT_MTVAL);
  S.mcounteren = load<i64>(b + SLOT_MCOUNTEREN);
  S.stvec = load<i64>(b + SLOT_STVEC);
  S.sscratch = load<i64>(b + SLOT_SSCRATCH);
  S.sepc = load<i64>(b + SLOT_SEPC);
  S.scause = load<i64>(b + SLOT_SCAUSE);
  S.stval = load<i64>(b + SLOT_STVAL);
  S.scounteren = load<i64>(b + SLOT_SCOUNTEREN);
  S.satp = load<i64>(b + SLOT_SATP);
  S.fcsr = <i32>load<i64>(b + SLOT_FCSR);
  S.mhartid = load<i64>(b + SLOT_MHARTID);
  S.instret = load<i64>(b + SLOT_INSTRET);
  S.reservation = -1;
  S.exc = -1;
  S.updateKeys();
  S.flushTlb();
}

/**
 * Drives interrupt line `irq` of hart `h` without switching to it: devices raise lines from
 * inside another hart's run() (an MMIO store to the PLIC, say), when a switch would hand the
 * running instruction stream someone else's registers.
 */
export function setLineOf(h: i32, irq: i32, level: bool): void {
  const bit = <i64>1 << irq;
  if (h == currentHart) {
    if (level) S.mipLines |= bit; else S.mipLines &= ~bit;
    return;
  }
  const at = slot(h) + SLOT_MIPLINES;
  const v = load<i64>(at);
  store<i64>(at, level ? v | bit : v & ~bit);
}

/** Sets a software-writable pending bit (SSIP for an IPI) of hart `h`, without switching. */
export function raiseSoftwareIrqOf(h: i32, irq: i32): void {
  if (irq != S.IRQ_SSI && irq != S.IRQ_STI && irq != S.IRQ_SEI) return;
  const bit = <i64>1 << irq;
  if (h == currentHart) S.mip |= bit;
  else store<i64>(slot(h) + SLOT_MIP, load<i64>(slot(h) + SLOT_MIP) | bit);
}

/** Makes hart `h` the running one, saving the current hart first. */
export function switchHart(h: i32): void {
  if (h == currentHart) return;
  saveHart(currentHart);
  loadHart(h);
  currentHart = h;
}
