// AssemblyScript: control and status registers, trap entry, interrupt selection, and the
// return instructions (mret, sret). CSR numbers and fields as the privileged spec names them.
//
// sstatus, sie and sip are views of mstatus, mie and mip. mip is split in two: `mip` holds the
// bits software writes (SSIP; STIP and SEIP from M-mode), `mipLines` the levels that devices
// and the host drive (MSIP, MTIP, MEIP from the CLINT and PLIC, SEIP from the PLIC, STIP from
// the host's SBI timer); a read sees their OR, as the spec describes SEIP.
import * as S from "./state";

const CSR_FFLAGS: i32 = 0x001;
const CSR_FRM: i32 = 0x002;
const CSR_FCSR: i32 = 0x003;
const CSR_CYCLE: i32 = 0xc00;
const CSR_TIME: i32 = 0xc01;
const CSR_INSTRET: i32 = 0xc02;
const CSR_SSTATUS: i32 = 0x100;
const CSR_SIE: i32 = 0x104;
const CSR_STVEC: i32 = 0x105;
const CSR_SCOUNTEREN: i32 = 0x106;
const CSR_SENVCFG: i32 = 0x10a;
const CSR_SSCRATCH: i32 = 0x140;
const CSR_SEPC: i32 = 0x141;
const CSR_SCAUSE: i32 = 0x142;
const CSR_STVAL: i32 = 0x143;
const CSR_SIP: i32 = 0x144;
const CSR_SATP: i32 = 0x180;
const CSR_MSTATUS: i32 = 0x300;
const CSR_MISA: i32 = 0x301;
const CSR_MEDELEG: i32 = 0x302;
const CSR_MIDELEG: i32 = 0x303;
const CSR_MIE: i32 = 0x304;
const CSR_MTVEC: i32 = 0x305;
const CSR_MCOUNTEREN: i32 = 0x306;
const CSR_MENVCFG: i32 = 0x30a;
const CSR_MCOUNTINHIBIT: i32 = 0x320;
const CSR_MSCRATCH: i32 = 0x340;
const CSR_MEPC: i32 = 0x341;
const CSR_MCAUSE: i32 = 0x342;
const CSR_MTVAL: i32 = 0x343;
const CSR_MIP: i32 = 0x344;
const CSR_MCYCLE: i32 = 0xb00;
const CSR_MINSTRET: i32 = 0xb02;
const CSR_MVENDORID: i32 = 0xf11;
const CSR_MARCHID: i32 = 0xf12;
const CSR_MIMPID: i32 = 0xf13;
const CSR_MHARTID: i32 = 0xf14;
const CSR_MCONFIGPTR: i32 = 0xf15;

const MSTATUS_WRITABLE: i64 = S.MSTATUS_SIE | S.MSTATUS_MIE | S.MSTATUS_SPIE | S.MSTATUS_MPIE | S.MSTATUS_SPP |
  S.MSTATUS_MPP | S.MSTATUS_FS | S.MSTATUS_MPRV | S.MSTATUS_SUM | S.MSTATUS_MXR | S.MSTATUS_TVM |
  S.MSTATUS_TW | S.MSTATUS_TSR;
const SSTATUS_VISIBLE: i64 = S.MSTATUS_SIE | S.MSTATUS_SPIE | S.MSTATUS_SPP | S.MSTATUS_FS | S.MSTATUS_XS |
  S.MSTATUS_SUM | S.MSTATUS_MXR | S.MSTATUS_UXL | S.MSTATUS_SD;
const SSTATUS_WRITABLE: i64 = SSTATUS_VISIBLE & MSTATUS_WRITABLE;
// Interrupts that exist, and those S-mode can see through sie/sip.
const MIP_ALL: i64 = (1 << 1) | (1 << 3) | (1 << 5) | (1 << 7) | (1 << 9) | (1 << 11);
const S_INTERRUPTS: i64 = (1 << 1) | (1 << 5) | (1 << 9);
const MIP_SW_WRITABLE: i64 = S_INTERRUPTS;
// Exceptions M-mode may delegate (not ecall from M).
const MEDELEG_WRITABLE: i64 = 0xb3ff;

/** The counter value inside a run; set by the run loop before a CSR instruction. */
export let instretNow: i64 = 0;

@inline function readMstatus(): i64 {
  let v = S.mstatus;
  if ((v & S.MSTATUS_FS) == S.MSTATUS_FS) v |= S.MSTATUS_SD;
  return v;
}

@inline function pendingBits(): i64 {
  return S.mip | S.mipLines;
}

/** True when CSR `csr` may not be touched from the current privilege (or written when read-only). */
@inline function denied(csr: i32, writing: bool): bool {
  if (S.priv < ((csr >> 8) & 3)) return true;
  return writing && ((csr >> 10) & 3) == 3;
}

/**
 * Reads a CSR. Returns false (and raises illegal instruction) when it does not exist here or
 * the current mode may not read it.
 */
export function csrRead(csr: i32, insn: i64, writing: bool): i64 {
  if (denied(csr, writing)) {
    S.raise(S.CAUSE_ILLEGAL, insn);
    return 0;
  }
  switch (csr) {
    case CSR_FFLAGS: return fpAllowed(insn) ? <i64>(S.fcsr & 0x1f) : 0;
    case CSR_FRM: return fpAllowed(insn) ? <i64>((S.fcsr >> 5) & 7) : 0;
    case CSR_FCSR: return fpAllowed(insn) ? <i64>(S.fcsr & 0xff) : 0;
    case CSR_CYCLE: case CSR_INSTRET: case CSR_MCYCLE: case CSR_MINSTRET: return instretNow;
    case CSR_TIME: return S.mtime;
    case CSR_SSTATUS: return readMstatus() & SSTATUS_VISIBLE;
    case CSR_SIE: return S.mie & S.mideleg;
    case CSR_STVEC: return S.stvec;
    case CSR_SCOUNTEREN: return S.scounteren;
    case CSR_SENVCFG: return 0;
    case CSR_SSCRATCH: return S.sscratch;
    case CSR_SEPC: return S.sepc;
    case CSR_SCAUSE: return S.scause;
    case CSR_STVAL: return S.stval;
    case CSR_SIP: return pendingBits() & S.mideleg;
    case CSR_SATP:
      if (S.priv == S.PRV_S && (S.mstatus & S.MSTATUS_TVM) != 0) break;
      return S.satp;
    case CSR_MSTATUS: return readMstatus();
    case CSR_MISA: return S.MISA;
    case CSR_MEDELEG: return S.medeleg;
    case CSR_MIDELEG: return S.mideleg;
    case CSR_MIE: return S.mie;
    case CSR_MTVEC: return S.mtvec;
    case CSR_MCOUNTEREN: return S.mcounteren;
    case CSR_MENVCFG: case CSR_MCOUNTINHIBIT: return 0;
    case CSR_MSCRATCH: return S.mscratch;
    case CSR_MEPC: return S.mepc;
    case CSR_MCAUSE: return S.mcause;
    case CSR_MTVAL: return S.mtval;
    case CSR_MIP: return pendingBits();
    case CSR_MVENDORID: case CSR_MARCHID: case CSR_MIMPID: case CSR_MCONFIGPTR: return 0;
    case CSR_MHARTID: return S.mhartid;
    default:
      // Unimplemented counters, their events and PMP read as zero and ignore writes: firmware
      // probes them, and "none" is a legal answer for each.
      if ((csr >= 0xc03 && csr <= 0xc1f) || (csr >= 0xb03 && csr <= 0xb1f) || (csr >= 0x323 && csr <= 0x33f)) return 0;
      if (csr >= 0x3a0 && csr <= 0x3ef) return 0;
      // Debug triggers: tselect, tdata1-3, tinfo read as zero (no triggers); tcontrol and the rest trap.
      if (csr >= 0x7a0 && csr <= 0x7a4) return 0;
  }
  S.raise(S.CAUSE_ILLEGAL, insn);
  return 0;
}

function fpAllowed(insn: i64): bool {
  if ((S.mstatus & S.MSTATUS_FS) == 0) {
    S.raise(S.CAUSE_ILLEGAL, insn);
    return false;
  }
  return true;
}

/** Marks the floating-point state dirty, as every write to f registers or fcsr must. */
@inline export function fsDirty(): void {
  S.mstatus |= S.MSTATUS_FS;
}

/** Writes a CSR whose read already succeeded. Returns true when interrupts or translation may have changed. */
export function csrWrite(csr: i32, v: i64, insn: i64): bool {
  switch (csr) {
    case CSR_FFLAGS: S.fcsr = (S.fcsr & ~0x1f) | (<i32>v & 0x1f); fsDirty(); return false;
    case CSR_FRM: S.fcsr = (S.fcsr & 0x1f) | ((<i32>v & 7) << 5); fsDirty(); return false;
    case CSR_FCSR: S.fcsr = <i32>v & 0xff; fsDirty(); return false;
    case CSR_SSTATUS:
      S.mstatus = (S.mstatus & ~SSTATUS_WRITABLE) | (v & SSTATUS_WRITABLE);
      S.updateKeys();
      return true;
    case CSR_SIE: S.mie = (S.mie & ~S.mideleg) | (v & S.mideleg); return true;
    case CSR_STVEC: S.stvec = v & ~2; return false;
    case CSR_SCOUNTEREN: S.scounteren = v & 0xffffffff; return false;
    case CSR_SENVCFG: return false;
    case CSR_SSCRATCH: S.sscratch = v; return false;
    case CSR_SEPC: S.sepc = v & ~1; return false;
    case CSR_SCAUSE: S.scause = v; return false;
    case CSR_STVAL: S.stval = v; return false;
    case CSR_SIP: {
      const m = S.mideleg & (1 << S.IRQ_SSI);
      S.mip = (S.mip & ~m) | (v & m);
      return true;
    }
    case CSR_SATP: {
      // Only Bare, Sv39 and Sv48; any other mode leaves satp as it was, which is how a guest
      // kernel probes for Sv57 and falls back. ASIDLEN is 0: ASID bits read as zero.
      const mode = <u64>v >> 60;
      if (mode != 0 && mode != 8 && mode != 9) return false;
      S.satp = (v & (<i64>0xf << 60)) | (v & ((<i64>1 << 44) - 1));
      S.flushTlb();
      return true;
    }
    case CSR_MSTATUS: {
      let nv = (S.mstatus & ~MSTATUS_WRITABLE) | (v & MSTATUS_WRITABLE);
      if ((nv & S.MSTATUS_MPP) == (2 << 11)) nv &= ~S.MSTATUS_MPP; // MPP=2 is reserved
      S.mstatus = nv;
      S.updateKeys();
      return true;
    }
    case CSR_MISA: return false;
    case CSR_MEDELEG: S.medeleg = v & MEDELEG_WRITABLE; return false;
    case CSR_MIDELEG: S.mideleg = v & S_INTERRUPTS; return true;
    case CSR_MIE: S.mie = v & MIP_ALL; return true;
    case CSR_MTVEC: S.mtvec = v & ~2; return false;
    case CSR_MCOUNTEREN: S.mcounteren = v & 0xffffffff; return false;
    case CSR_MSCRATCH: S.mscratch = v; return false;
    case CSR_MEPC: S.mepc = v & ~1; return false;
    case CSR_MCAUSE: S.mcause = v; return false;
    case CSR_MTVAL: S.mtval = v; return false;
    case CSR_MIP: S.mip = (S.mip & ~MIP_SW_WRITABLE) | (v & MIP_SW_WRITABLE); return true;
    case CSR_MCYCLE: case CSR_MINSTRET: S.instret = v; instretNow = v; return false;
    default: return false; // the read-as-zero group
  }
  return false;
}

// --- traps ----------------------------------------------------------------------------------

/** Enters the trap handler for `cause` taken at `epc`; returns the handler's address. */
export function trapEnter(cause: i64, interrupt: bool, tval: i64, epc: i64): i64 {
  const code = cause & 63;
  const deleg = interrupt ? S.mideleg : S.medeleg;
  S.reservation = -1;
  if (S.priv <= S.PRV_S && ((deleg >> code) & 1) != 0) {
    S.scause = interrupt ? (cause | (<i64>1 << 63)) : cause;
    S.sepc = epc;
    S.stval = tval;
    let st = S.mstatus & ~(S.MSTATUS_SPIE | S.MSTATUS_SPP | S.MSTATUS_SIE);
    if ((S.mstatus & S.MSTATUS_SIE) != 0) st |= S.MSTATUS_SPIE;
    if (S.priv == S.PRV_S) st |= S.MSTATUS_SPP;
    S.mstatus = st;
    S.priv = S.PRV_S;
    S.updateKeys();
    const base = S.stvec & ~3;
    return interrupt && (S.stvec & 1) != 0 ? base + 4 * code : base;
  }
  S.mcause = interrupt ? (cause | (<i64>1 << 63)) : cause;
  S.mepc = epc;
  S.mtval = tval;
  let st = S.mstatus & ~(S.MSTATUS_MPIE | S.MSTATUS_MPP | S.MSTATUS_MIE);
  if ((S.mstatus & S.MSTATUS_MIE) != 0) st |= S.MSTATUS_MPIE;
  st |= <i64>S.priv << 11;
  S.mstatus = st;
  S.priv = S.PRV_M;
  S.updateKeys();
  const base = S.mtvec & ~3;
  return interrupt && (S.mtvec & 1) != 0 ? base + 4 * code : base;
}

/** The highest-priority interrupt that is pending and enabled in the current mode, or -1. */
export function pendingInterrupt(): i32 {
  const pend = pendingBits() & S.mie;
  if (pend == 0) return -1;
  const mEnabled = S.priv < S.PRV_M || (S.mstatus & S.MSTATUS_MIE) != 0;
  const m = pend & ~S.mideleg;
  if (m != 0 && mEnabled) return highest(m);
  const sEnabled = S.priv < S.PRV_S || (S.priv == S.PRV_S && (S.mstatus & S.MSTATUS_SIE) != 0);
  const s = pend & S.mideleg;
  if (s != 0 && sEnabled) return highest(s);
  return -1;
}

/** Priority order from the privileged spec: MEI, MSI, MTI, SEI, SSI, STI. */
function highest(bits: i64): i32 {
  if ((bits & (1 << S.IRQ_MEI)) != 0) return S.IRQ_MEI;
  if ((bits & (1 << S.IRQ_MSI)) != 0) return S.IRQ_MSI;
  if ((bits & (1 << S.IRQ_MTI)) != 0) return S.IRQ_MTI;
  if ((bits & (1 << S.IRQ_SEI)) != 0) return S.IRQ_SEI;
  if ((bits & (1 << S.IRQ_SSI)) != 0) return S.IRQ_SSI;
  return S.IRQ_STI;
}

/** True when any interrupt is pending and enabled in mie, whatever the global enables: WFI's wake-up condition. */
export function anyInterruptPending(): bool {
  return (pendingBits() & S.mie) != 0;
}

export function mret(): i64 {
  const mpp = <i32>((S.mstatus >> 11) & 3);
  let st = S.mstatus & ~(S.MSTATUS_MIE | S.MSTATUS_MPP);
  if ((S.mstatus & S.MSTATUS_MPIE) != 0) st |= S.MSTATUS_MIE;
  st |= S.MSTATUS_MPIE;
  if (mpp != S.PRV_M) st &= ~S.MSTATUS_MPRV;
  S.mstatus = st;
  S.priv = mpp;
  S.updateKeys();
  return S.mepc;
}

export function sret(): i64 {
  const spp = (S.mstatus & S.MSTATUS_SPP) != 0 ? S.PRV_S : S.PRV_U;
  let st = S.mstatus & ~(S.MSTATUS_SIE | S.MSTATUS_SPP | S.MSTATUS_MPRV);
  if ((S.mstatus & S.MSTATUS_SPIE) != 0) st |= S.MSTATUS_SIE;
  st |= S.MSTATUS_SPIE;
  S.mstatus = st;
  S.priv = spp;
  S.updateKeys();
  return S.sepc;
}
