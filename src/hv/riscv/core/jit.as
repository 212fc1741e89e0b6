// AssemblyScript: the core's half of the block translator (the other half, which generates
// WebAssembly, is src/hv/riscv/jit.ts). The run loop asks jitLookup() for a translated block at
// every block start (a jump or branch target, or the instruction after one the interpreter had
// to execute); a block is known by the linear-memory address of its first instruction, which
// names a guest physical address, so translations survive satp writes and sfence.vma and are
// shared by all harts. Each start is counted; at jitHot visits the host translates the block and puts
// it in the function table (`env.table`), and later visits call it with call_indirect.
//
// JIT_MAP is direct-mapped, JIT_ENTRIES x {host u32, state i32}: state > 0 is the table index of
// the block's function, 0 > state > -jitHot counts visits, JIT_QUEUED marks a block waiting
// for translation, JIT_NEVER one the translator refused (its first instruction is one only the
// interpreter runs). The host translates the blocks queued during a run() together, in one
// module, since a module's fixed cost is most of a small block's. An empty entry
// has host 0, which no instruction has (RAM starts at RAM_OFFSET).
//
// Translations are dropped by fence.i (and SBI remote fence.i, and host writes to RAM): the
// ISA requires fence.i between writing instructions and executing them, and Linux issues it
// whenever a page becomes executable, as it must on hardware whose instruction caches do not
// snoop stores.
import * as S from "./state";
import { loadSlow, storeSlow } from "./mmu";

/**
 * Asks the host to translate the block at linear-memory address `host`: its table index when a
 * translation exists, 0 when it is queued (translated after this run() and installed with
 * jitInstall), -1 when the translator refuses it, -2 when it cannot take more work now.
 */
@external("env", "jitCompile") declare function jitCompile(host: u32): i32;

const JIT_BITS: i32 = 16;
const JIT_ENTRIES: usize = 1 << JIT_BITS;
/**
 * Visits before a block is translated (set by the host; 1 for tests that translate everything):
 * by default enough to leave code that runs a few times, most of boot, to the interpreter.
 */
export let jitHot: i32 = 10000;
const JIT_NEVER: i32 = i32.MIN_VALUE;
const JIT_QUEUED: i32 = i32.MIN_VALUE + 1;

export let jitEnabled: bool = true;
/** Times the map was dropped (FENCE.I, host requests): a figure for benchmarks. */
export let jitFlushes: i32 = 0;
/** Instructions retired inside translated blocks: a figure for benchmarks. */
export let jitRetired: i64 = 0;

@inline function entry(host: u32): usize {
  // Folding the page number in spreads blocks at the same offset of pages 128 KiB apart.
  return S.JIT_MAP + ((<usize>((host >> 1) ^ (host >> 13)) & (JIT_ENTRIES - 1)) << 3);
}

/** The table index of the translated block at `host`, or 0 to interpret it. */
@inline export function jitLookup(host: u32): i32 {
  const e = entry(host);
  let st: i32 = 0;
  if (load<u32>(e) != host) store<u32>(e, host);
  else st = load<i32>(e, 4);
  if (st > 0) return st;
  if (st == JIT_NEVER || st == JIT_QUEUED) return 0;
  if (st - 1 > -jitHot) {
    store<i32>(e, st - 1, 4);
    return 0;
  }
  const f = jitCompile(host);
  if (f > 0) jitLive = true;
  store<i32>(e, f > 0 ? f : f == 0 ? JIT_QUEUED : f == -1 ? JIT_NEVER : 0, 4);
  return f > 0 ? f : 0;
}

/**
 * The host's answer for a queued block: its table index, 0 when the translator refused it, or
 * -1 to count its visits again (its translation was dropped by a flush while being compiled).
 */
export function jitInstall(host: u32, f: i32): void {
  const e = entry(host);
  store<u32>(e, host);
  store<i32>(e, f > 0 ? f : f == 0 ? JIT_NEVER : 0, 4);
  if (f > 0) jitLive = true;
}

/**
 * Forgets every translation (the host drops its functions too: see jit.ts). The map is cleared
 * only when it holds a translation: Linux issues fence.i far more often than blocks get hot.
 */
export function jitFlushMap(): void {
  jitFlushes++;
  if (!jitLive) return;
  memory.fill(S.JIT_MAP, 0, JIT_ENTRIES << 3);
  jitLive = false;
}

/** Whether the map may hold a translation (else a flush has nothing to drop). */
let jitLive = false;

/** A translated load that missed the TLB: the zero-extended value; JIT_STATUS is 1 when it faulted. */
export function jitLoad(va: i64, size: i32): i64 {
  const v = loadSlow(va, size);
  store<i32>(S.JIT_STATUS, S.exc >= 0 ? 1 : 0);
  return v;
}

/** A translated store that missed the TLB: 0 done, 1 faulted, 2 done and a device asked run() to return. */
export function jitStore(va: i64, size: i32, v: i64): i32 {
  storeSlow(va, size, v);
  if (S.exc >= 0) return 1;
  return S.stopReq ? 2 : 0;
}
