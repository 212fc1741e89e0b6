// The RISC-V engine's interpreter speed: one CPU-bound guest loop (load, xor, multiply, add,
// store, pointer and counter updates, branch: 8 instructions per step over a 8 KiB buffer), run
// bare-metal in M-mode, measured in guest instructions per second. Peers, when on the machine:
// QEMU's TCG (qemu-system-riscv64 -M virt -bios none) running the same image, its start-up
// subtracted by a second, near-empty run; and the same loop compiled natively by gcc -O2,
// counted in the same guest-instruction units, as the ceiling.
// Size with RISCV_BENCH_MINSTR (millions of guest instructions per run; default 200).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, Case } from './harness.js';
import * as E from '../src/hv/riscv/encode.js';
import { runBare, RAM_BASE, FINISHER_BASE } from '../src/hv/riscv/testing/bare.js';

const MINSTR = Number(process.env.RISCV_BENCH_MINSTR ?? 200);
const WORDS = 1024;
const PER_PASS = 8 * WORDS + 5;
const PASSES = Math.ceil((MINSTR * 1e6) / PER_PASS);

/** The loop as machine code; `passes` outer iterations, then a write of PASS to the finisher. */
function program(passes: number): Uint8Array {
  const buf = RAM_BASE + 0x10000;
  const code = [
    ...E.li(1, buf), ...E.li(2, passes), ...E.li(7, 0x100000001b3n), E.addi(6, 0, 0),
    // outer:
    E.addi(3, 1, 0), E.addi(4, 0, WORDS),
    // inner:
    E.ld(5, 3, 0), E.rType(0x33, 4, 0, 6, 6, 5), E.rType(0x33, 0, 1, 6, 6, 7), E.add(6, 6, 4),
    E.sd(6, 3, 0), E.addi(3, 3, 8), E.addi(4, 4, -1), E.bne(4, 0, -28),
    E.addi(2, 2, -1), E.bne(2, 0, -44),
    ...E.li(8, FINISHER_BASE), ...E.li(9, 0x5555), E.sw(9, 8, 0), E.jal(0, 0),
  ];
  return E.toBytes(code);
}

const NATIVE_C = `
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  long passes = atol(argv[1]);
  static volatile uint64_t buf[${WORDS}];
  uint64_t h = 0;
  for (long p = 0; p < passes; p++)
    for (long i = 0; i < ${WORDS}; i++) { h = (h ^ buf[i]) * 0x100000001b3ull + (uint64_t)(${WORDS} - i); buf[i] = h; }
  printf("%llu\\n", (unsigned long long)h);
  return 0;
}
`;

// Which peers exist is known before the harness reads the case list.
const qemu = spawnSync('qemu-system-riscv64', ['--version'], { stdio: 'ignore' }).status === 0;
const gcc = spawnSync('gcc', ['--version'], { stdio: 'ignore' }).status === 0;
let dir = '';
let native = '';
const image = program(PASSES);
let qemuStartup = 0;

function time(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 120_000 });
  if (r.status !== 0 && r.signal) throw new Error(`${cmd} failed`);
  return (performance.now() - t0) / 1000;
}

function qemuArgs(img: string): string[] {
  return ['-M', 'virt', '-bios', 'none', '-nographic', '-monitor', 'none', '-serial', 'none', '-m', '64M', '-kernel', img];
}

const cases: Case[] = [
  {
    name: 'MACROHARD RISC-V engine (interpreter in AssemblyScript/wasm)',
    unit: 'M guest instr/s',
    better: 'higher',
    async run() {
      const t0 = performance.now();
      const r = await runBare(image, { maxInstructions: MINSTR * 1e6 * 2, ramSize: 1 << 20 });
      const s = (performance.now() - t0) / 1000;
      if (r.result.kind !== 'pass') throw new Error('benchmark program did not finish');
      return Number(r.instret) / s / 1e6;
    },
  },
];

const peers: Case[] = [
  {
    name: 'qemu-system-riscv64 (TCG)',
    peer: true,
    unit: 'M guest instr/s',
    better: 'higher',
    run() {
      const s = time('qemu-system-riscv64', qemuArgs(join(dir, 'loop.bin'))) - qemuStartup;
      return (PASSES * PER_PASS) / s / 1e6;
    },
  },
  {
    name: 'native x86-64 (gcc -O2, same loop)',
    peer: true,
    unit: 'M guest instr/s',
    better: 'higher',
    run() {
      return (PASSES * PER_PASS) / time(native, [String(PASSES)]) / 1e6;
    },
  },
];

const bench: Benchmark = {
  name: 'riscv',
  description: `RISC-V engine: a CPU-bound bare-metal loop, ${MINSTR}M guest instructions per run, in guest instructions per second.`,
  rounds: 3,
  cases: [...(qemu ? [peers[0]!] : []), ...cases, ...(gcc ? [peers[1]!] : [])],
  setup() {
    dir = mkdtempSync(join(tmpdir(), 'mh-riscv-bench-'));
    writeFileSync(join(dir, 'loop.bin'), image);
    writeFileSync(join(dir, 'empty.bin'), program(1));
    if (qemu) {
      const t = [0, 1, 2].map(() => time('qemu-system-riscv64', qemuArgs(join(dir, 'empty.bin'))));
      qemuStartup = t.sort()[1]!;
    }
    if (gcc) {
      writeFileSync(join(dir, 'loop.c'), NATIVE_C);
      if (spawnSync('gcc', ['-O2', '-o', join(dir, 'loop'), join(dir, 'loop.c')], { stdio: 'ignore' }).status !== 0) throw new Error('gcc failed');
      native = join(dir, 'loop');
    }
  },
  teardown() {
    rmSync(dir, { recursive: true, force: true });
  },
};

export default bench;
