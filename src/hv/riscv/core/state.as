// AssemblyScript: the architectural state of the hart the core is running, and the layout of
// the core's linear memory. Compiled by scripts/build.mjs into core.wasm (see docs/hypervisor.md).
//
// Linear memory, fixed offsets (the TypeScript side reads them from the exported constants):
//   0x00001000  x0..x31, 32 x i64        XREGS
//   0x00001100  f0..f31, 32 x i64 bits   FREGS
//   0x00001200  MMIO transfer slot, i64  MMIO_DATA
//   0x00001208  translated block's next pc, i64; 0x1210 its slow-path status, i32  JIT_PC, JIT_STATUS
//   0x00001300  saved hart state          HART_SAVE (see saveHart/loadHart)
//   0x00010000  TLBs: read, write, fetch; TLB_ENTRIES x {tag i64, addend i64} each
//   0x00100000  RVC expansion table, 65536 x u32 (a compressed instruction -> its 32-bit form)
//   0x00200000  translated-block map, JIT_ENTRIES x {host address u32, state i32}  JIT_MAP (jit.as)
//   0x00800000  AssemblyScript's own static data (--memoryBase)
//   0x01000000  guest RAM, mapped at guest physical RAM_BASE         RAM_OFFSET
// Mutable globals live here too; other core files change them through `import * as S`.

export const XREGS: usize = 0x1000;
export const FREGS: usize = 0x1100;
export const MMIO_DATA: usize = 0x1200;
export const JIT_PC: usize = 0x1208;
export const JIT_STATUS: usize = 0x1210;
export const HART_SAVE: usize = 0x1300;
export const TLB_BASE: usize = 0x10000;
export const TLB_BITS: i32 = 10;
export const TLB_ENTRIES: i32 = 1 << TLB_BITS;
export const TLB_SIZE: usize = <usize>TLB_ENTRIES * 16;
export const TLB_READ: usize = TLB_BASE;
export const TLB_WRITE: usize = TLB_BASE + TLB_SIZE;
export const TLB_FETCH: usize = TLB_BASE + 2 * TLB_SIZE;
export const RVC_TABLE: usize = 0x100000;
export const JIT_MAP: usize = 0x200000;
export const RAM_OFFSET: usize = 0x1000000;

// Privilege levels as the ISA encodes them.
export const PRV_U: i32 = 0;
export const PRV_S: i32 = 1;
export const PRV_M: i32 = 3;

// Why run() returned.
export const EXIT_BUDGET: i32 = 0;
export const EXIT_WFI: i32 = 1;
export const EXIT_SBI: i32 = 2;
export const EXIT_STOP: i32 = 3;

// mstatus fields.
export const MSTATUS_SIE: i64 = 1 << 1;
export const MSTATUS_MIE: i64 = 1 << 3;
export const MSTATUS_SPIE: i64 = 1 << 5;
export const MSTATUS_MPIE: i64 = 1 << 7;
export const MSTATUS_SPP: i64 = 1 << 8;
export const MSTATUS_MPP: i64 = 3 << 11;
export const MSTATUS_FS: i64 = 3 << 13;
export const MSTATUS_XS: i64 = 3 << 15;
export const MSTATUS_MPRV: i64 = 1 << 17;
export const MSTATUS_SUM: i64 = 1 << 18;
export const MSTATUS_MXR: i64 = 1 << 19;
export const MSTATUS_TVM: i64 = 1 << 20;
export const MSTATUS_TW: i64 = 1 << 21;
export const MSTATUS_TSR: i64 = 1 << 22;
export const MSTATUS_UXL: i64 = 3 << 32;
export const MSTATUS_SXL: i64 = 3 << 34;
export const MSTATUS_SD: i64 = 1 << 63;

// Interrupt numbers (bits of mip/mie).
export const IRQ_SSI: i32 = 1;
export const IRQ_MSI: i32 = 3;
export const IRQ_STI: i32 = 5;
export const IRQ_MTI: i32 = 7;
export const IRQ_SEI: i32 = 9;
export const IRQ_MEI: i32 = 11;

// Exception causes.
export const CAUSE_FETCH_MISALIGNED: i32 = 0;
export const CAUSE_FETCH_ACCESS: i32 = 1;
export const CAUSE_ILLEGAL: i32 = 2;
export const CAUSE_BREAKPOINT: i32 = 3;
export const CAUSE_LOAD_MISALIGNED: i32 = 4;
export const CAUSE_LOAD_ACCESS: i32 = 5;
export const CAUSE_STORE_MISALIGNED: i32 = 6;
export const CAUSE_STORE_ACCESS: i32 = 7;
export const CAUSE_ECALL_U: i32 = 8;
export const CAUSE_ECALL_S: i32 = 9;
export const CAUSE_ECALL_M: i32 = 11;
export const CAUSE_FETCH_PAGE: i32 = 12;
export const CAUSE_LOAD_PAGE: i32 = 13;
export const CAUSE_STORE_PAGE: i32 = 15;

// misa: RV64 with A, C, D, F, I, M, S, U.
export const MISA: i64 = (2 << 62) | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20);

// --- the hart ---------------------------------------------------------------------------------
export let pc: i64 = 0;
export let priv: i32 = PRV_M;
export let mstatus: i64 = (2 << 32) | (2 << 34);
export let medeleg: i64 = 0;
export let mideleg: i64 = 0;
export let mie: i64 = 0;
export let mip: i64 = 0; // bits written by software (SSIP, STIP, SEIP from M-mode)
export let mipLines: i64 = 0; // bits driven by devices and the host (MSIP, MTIP, MEIP, SEIP, STIP)
export let mtvec: i64 = 0;
export let mscratch: i64 = 0;
export let mepc: i64 = 0;
export let mcause: i64 = 0;
export let mtval: i64 = 0;
export let mcounteren: i64 = 0;
export let stvec: i64 = 0;
export let sscratch: i64 = 0;
export let sepc: i64 = 0;
export let scause: i64 = 0;
export let stval: i64 = 0;
export let scounteren: i64 = 0;
export let satp: i64 = 0;
export let fcsr: i32 = 0; // frm << 5 | fflags
export let mhartid: i64 = 0;
export let instret: i64 = 0;
export let reservation: i64 = -1; // LR/SC reservation address, -1 when none

// --- the machine, as the core sees it -----------------------------------------------------------
export let mtime: i64 = 0; // set by the host before each run(); read by rdtime
export let ramBase: i64 = 0x80000000;
export let ramSize: i64 = 0;
export let sbiInHost: bool = false; // an ecall from S-mode leaves run() with EXIT_SBI

// --- per-run bookkeeping ------------------------------------------------------------------------
export let exc: i32 = -1; // pending synchronous exception cause, -1 when none
export let excTval: i64 = 0;
export let stopReq: bool = false; // a device asked run() to return (e.g. the test finisher)
export let fetchKey: i64 = 0; // TLB tag bits for instruction fetch in the current mode
export let dataKey: i64 = 0; // TLB tag bits for loads and stores (MPRV, SUM and MXR included)

@inline export function xget(r: u32): i64 {
  return load<i64>(XREGS + (<usize>r << 3));
}

@inline export function xset(r: u32, v: i64): void {
  store<i64>(XREGS + (<usize>r << 3), v);
}

@inline export function fget(r: u32): i64 {
  return load<i64>(FREGS + (<usize>r << 3));
}

@inline export function fset(r: u32, v: i64): void {
  store<i64>(FREGS + (<usize>r << 3), v);
}

/** Raises a synchronous exception; the run loop delivers it after the current instruction. */
export function raise(cause: i32, tval: i64): void {
  exc = cause;
  excTval = tval;
}

/** The privilege that loads and stores are checked against (MPRV makes M-mode borrow MPP's). */
export function dataPriv(): i32 {
  if (priv == PRV_M && (mstatus & MSTATUS_MPRV) != 0) return <i32>((mstatus >> 11) & 3);
  return priv;
}

/**
 * TLB tags carry the translation context in their top bits, above any 4 KiB page number
 * (bits 52..55: privilege, SUM, MXR), so a change of mode needs no flush: entries made under another context
 * simply stop matching. An all-ones tag (the empty entry) can never match.
 */
export function updateKeys(): void {
  const sum: i64 = (mstatus & MSTATUS_SUM) != 0 ? 1 : 0;
  const mxr: i64 = (mstatus & MSTATUS_MXR) != 0 ? 1 : 0;
  fetchKey = <i64>priv << 52;
  dataKey = (<i64>dataPriv() | (sum << 2) | (mxr << 3)) << 52;
}

export function flushTlb(): void {
  memory.fill(TLB_BASE, 0xff, 3 * TLB_SIZE);
}
