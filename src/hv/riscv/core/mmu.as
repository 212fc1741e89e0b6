// AssemblyScript: address translation (Sv39, Sv48), the software TLBs, and the slow paths of
// loads, stores and instruction fetch: page walks, pages that cross a boundary, and MMIO.
//
// A TLB is direct-mapped, TLB_ENTRIES entries of {tag, addend}: tag is the virtual page number
// with the translation context in bits 52..55 (state.as updateKeys), addend turns a virtual
// address of that page into an offset in linear memory. Only RAM pages enter a TLB, so every
// device access takes the slow path and reaches the host through mmioRead/mmioWrite.
// The walk sets A and D itself (as QEMU does), so a guest never sees a fault for them.
import * as S from "./state";

/** Reads `size` bytes of device space at `pa`; the value goes to MMIO_DATA. 0 = done, 1 = no device. */
@external("env", "mmioRead") declare function mmioRead(pa: f64, size: i32): i32;
/** Writes a device register; returns 1 when nothing is there, 2 when run() should return. */
@external("env", "mmioWrite") declare function mmioWrite(pa: f64, size: i32, lo: i32, hi: i32): i32;

export const ACCESS_READ: i32 = 0;
export const ACCESS_WRITE: i32 = 1;
export const ACCESS_FETCH: i32 = 2;

const PTE_V: i64 = 1;
const PTE_R: i64 = 2;
const PTE_W: i64 = 4;
const PTE_X: i64 = 8;
const PTE_U: i64 = 16;
const PTE_A: i64 = 64;
const PTE_D: i64 = 128;
const PPN_MASK: i64 = (<i64>1 << 44) - 1;

@inline function pageFaultCause(access: i32): i32 {
  return access == ACCESS_FETCH ? S.CAUSE_FETCH_PAGE : access == ACCESS_WRITE ? S.CAUSE_STORE_PAGE : S.CAUSE_LOAD_PAGE;
}

@inline function accessFaultCause(access: i32): i32 {
  return access == ACCESS_FETCH ? S.CAUSE_FETCH_ACCESS : access == ACCESS_WRITE ? S.CAUSE_STORE_ACCESS : S.CAUSE_LOAD_ACCESS;
}

@inline export function inRam(pa: i64, size: i64): bool {
  return <u64>(pa - S.ramBase) <= <u64>(S.ramSize - size);
}

@inline export function ramHost(pa: i64): usize {
  return <usize>(pa - S.ramBase) + S.RAM_OFFSET;
}

/**
 * Translates a virtual address for one access in privilege `p`. Returns the physical address,
 * or -1 with S.exc set (page fault, or access fault when a page table lies outside RAM).
 */
export function translate(va: i64, access: i32, p: i32): i64 {
  const mode = <i32>(<u64>S.satp >> 60);
  if (p == S.PRV_M || mode == 0) return va;
  const levels = mode == 8 ? 3 : 4;
  const vaBits = 12 + 9 * levels;
  const shift = <i64>(64 - vaBits);
  if ((va << shift) >> shift != va) {
    S.raise(pageFaultCause(access), va);
    return -1;
  }
  let table: i64 = (S.satp & PPN_MASK) << 12;
  for (let level = levels - 1; level >= 0; level--) {
    const vpn = (<u64>va >> <u64>(12 + 9 * level)) & 511;
    const pteAddr = table + <i64>(vpn << 3);
    if (!inRam(pteAddr, 8)) {
      S.raise(accessFaultCause(access), va);
      return -1;
    }
    const host = ramHost(pteAddr);
    let pte = load<i64>(host);
    if ((pte & PTE_V) == 0 || ((pte & PTE_R) == 0 && (pte & PTE_W) != 0)) break;
    const ppn = (<u64>pte >> 10) & PPN_MASK;
    if ((pte & (PTE_R | PTE_X)) == 0) {
      table = ppn << 12;
      continue;
    }
    // A leaf: check the permissions of this access.
    let ok: bool;
    if (access == ACCESS_FETCH) ok = (pte & PTE_X) != 0;
    else if (access == ACCESS_WRITE) ok = (pte & PTE_W) != 0;
    else ok = (pte & PTE_R) != 0 || ((S.mstatus & S.MSTATUS_MXR) != 0 && (pte & PTE_X) != 0);
    if (!ok) break;
    if ((pte & PTE_U) != 0) {
      if (p == S.PRV_S && (access == ACCESS_FETCH || (S.mstatus & S.MSTATUS_SUM) == 0)) break;
    } else if (p == S.PRV_U) break;
    // A superpage must be aligned to its size.
    const lowMask: i64 = (<i64>1 << (9 * level)) - 1;
    if ((ppn & lowMask) != 0) break;
    const want = PTE_A | (access == ACCESS_WRITE ? PTE_D : 0);
    if ((pte & want) != want) {
      pte |= want;
      store<i64>(host, pte);
    }
    const offMask: i64 = (<i64>1 << (12 + 9 * level)) - 1;
    return ((ppn << 12) & ~offMask) | (va & offMask);
  }
  S.raise(pageFaultCause(access), va);
  return -1;
}

@inline function tlbFor(access: i32): usize {
  return access == ACCESS_FETCH ? S.TLB_FETCH : access == ACCESS_WRITE ? S.TLB_WRITE : S.TLB_READ;
}

/** Remembers a RAM page for the fast paths. */
function tlbInsert(access: i32, va: i64, pa: i64, key: i64): void {
  const vpn = <u64>va >> 12;
  const e = tlbFor(access) + ((<usize>vpn & (<usize>S.TLB_ENTRIES - 1)) << 4);
  store<i64>(e, vpn | key);
  store<i64>(e, <i64>ramHost(pa & ~0xfff) - (va & ~0xfff), 8);
}

/** Fast path: the linear-memory address for `size` bytes at `va`, or 0 when the slow path must run. */
@inline export function tlbLookup(tlb: usize, key: i64, va: i64, size: i32): usize {
  const vpn = <u64>va >> 12;
  const e = tlb + ((<usize>vpn & (<usize>S.TLB_ENTRIES - 1)) << 4);
  if (load<i64>(e) == (vpn | key) && <i32>(va & 0xfff) <= 4096 - size) return <usize>(va + load<i64>(e, 8));
  return 0;
}

/** Translates a data access and fills the TLB for RAM; -1 when it faulted. */
function translateData(va: i64, access: i32): i64 {
  const pa = translate(va, access, S.dataPriv());
  if (pa == -1 && S.exc >= 0) return -1;
  if (inRam(pa, 1)) tlbInsert(access, va, pa, S.dataKey);
  return pa;
}

function loadPhys(pa: i64, size: i32): i64 {
  if (inRam(pa, size)) {
    const h = ramHost(pa);
    if (size == 8) return load<i64>(h);
    if (size == 4) return <i64>load<u32>(h);
    if (size == 2) return <i64>load<u16>(h);
    return <i64>load<u8>(h);
  }
  if (mmioRead(<f64>pa, size) != 0) {
    S.raise(S.CAUSE_LOAD_ACCESS, pa);
    return 0;
  }
  return load<i64>(S.MMIO_DATA);
}

function storePhys(pa: i64, size: i32, v: i64): void {
  if (inRam(pa, size)) {
    const h = ramHost(pa);
    if (size == 8) store<i64>(h, v);
    else if (size == 4) store<u32>(h, <u32>v);
    else if (size == 2) store<u16>(h, <u16>v);
    else store<u8>(h, <u8>v);
    return;
  }
  const r = mmioWrite(<f64>pa, size, <i32>v, <i32>(v >> 32));
  if ((r & 1) != 0) S.raise(S.CAUSE_STORE_ACCESS, pa);
  if ((r & 2) != 0) S.stopReq = true;
}

/** A load that missed the TLB: zero-extended value of `size` bytes, S.exc set on a fault. */
export function loadSlow(va: i64, size: i32): i64 {
  if (<i32>(va & 0xfff) > 4096 - size) {
    // Crosses a page: byte by byte, each byte translated on its own.
    let v: i64 = 0;
    for (let i = 0; i < size; i++) {
      const b = loadSlow(va + i, 1);
      if (S.exc >= 0) return 0;
      v |= b << (<i64>i << 3);
    }
    return v;
  }
  const pa = translateData(va, ACCESS_READ);
  if (pa == -1 && S.exc >= 0) return 0;
  return loadPhys(pa, size);
}

export function storeSlow(va: i64, size: i32, v: i64): void {
  if (<i32>(va & 0xfff) > 4096 - size) {
    // Translate both pages before writing anything, so a fault leaves memory untouched.
    const second = (va + size - 1) & ~0xfff;
    if (translateData(second, ACCESS_WRITE) == -1 && S.exc >= 0) return;
    for (let i = 0; i < size; i++) {
      storeSlow(va + i, 1, v >> (<i64>i << 3));
      if (S.exc >= 0) return;
    }
    return;
  }
  const pa = translateData(va, ACCESS_WRITE);
  if (pa == -1 && S.exc >= 0) return;
  storePhys(pa, size, v);
}

/**
 * Linear-memory address for an atomic access (LR with `access` read, SC and AMOs write), which
 * must be naturally aligned and in RAM; 0 with S.exc set otherwise.
 */
export function amoHost(va: i64, size: i32, access: i32): usize {
  const write = access == ACCESS_WRITE;
  if ((va & (size - 1)) != 0) {
    S.raise(write ? S.CAUSE_STORE_MISALIGNED : S.CAUSE_LOAD_MISALIGNED, va);
    return 0;
  }
  const h = tlbLookup(write ? S.TLB_WRITE : S.TLB_READ, S.dataKey, va, size);
  if (h != 0) return h;
  const pa = translateData(va, access);
  if (pa == -1 && S.exc >= 0) return 0;
  if (!inRam(pa, size)) {
    S.raise(write ? S.CAUSE_STORE_ACCESS : S.CAUSE_LOAD_ACCESS, va);
    return 0;
  }
  return ramHost(pa);
}

/**
 * Instruction fetch slow path: maps the page of `va` for execution and returns the addend for
 * it (host = va + addend), or 0 with S.exc set. Code runs only from RAM.
 */
export function fetchPage(va: i64): i64 {
  const pa = translate(va, ACCESS_FETCH, S.priv);
  if (pa == -1 && S.exc >= 0) return 0;
  if (!inRam(pa, 2)) {
    S.raise(S.CAUSE_FETCH_ACCESS, va);
    return 0;
  }
  tlbInsert(ACCESS_FETCH, va, pa, S.fetchKey);
  return <i64>ramHost(pa & ~0xfff) - (va & ~0xfff);
}

/** Fetches the 16-bit parcel at `va` the slow way (the second half of a page-crossing instruction). */
export function fetchParcel(va: i64): i32 {
  const add = fetchPage(va);
  if (S.exc >= 0) return 0;
  return <i32>load<u16>(<usize>(va + add));
}

/** Host access to guest physical memory for loaders and device models that go through the core. */
export function physRead(pa: i64, size: i32): i64 {
  return loadPhys(pa, size);
}
