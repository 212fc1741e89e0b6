// The RISC-V engine's speed: one CPU-bound guest loop (load, xor, multiply, add,
// store, pointer and counter updates, branch: 8 instructions per step over a 8 KiB buffer), run
// bare-metal in M-mode, measured in guest instructions per second, with hot blocks translated to
// WebAssembly (the default) and interpreted only. Peers, when on the machine (a missing one is
// named on stderr and left out):
// QEMU's TCG (qemu-system-riscv64 -M virt -bios none) running the same image, its start-up
// subtracted by a second, near-empty run (and 25 times the work, so that start-up noise stays
// small); and the same loop compiled natively by gcc -O2,
// counted in the same guest-instruction units, as the ceiling.
// With a cached BusyBox guest (node dist/src/hv/guest/build.js), also the Linux figures the issue
// sets targets for, beside QEMU booting the same kernel and initramfs (with its OpenSBI): time
// from start to the shell prompt, and `dd if=/dev/zero bs=1M count=64 | md5sum` in the guest.
// Each boot case runs both steps and records them; the md5 cases report the same round's value,
// and each MACROHARD row is compared with its QEMU row.
// Size with RISCV_BENCH_MINSTR (millions of guest instructions per run; default 200).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, Case } from './harness.js';
import * as E from '../src/hv/riscv/encode.js';
import { runBare, RAM_BASE, FINISHER_BASE } from '../src/hv/riscv/testing/bare.js';
import { Translation } from '../src/hv/riscv/engine.js';
import { cachedGuest } from '../src/hv/guest/build.js';
import { RiscvMachine } from '../src/hv/riscv/machine.js';
import { GuestConsole } from '../src/hv/riscv/testing/guest-console.js';

const MINSTR = Number(process.env.RISCV_BENCH_MINSTR ?? 200);
const WORDS = 1024;
const PER_PASS = 8 * WORDS + 5;
const PASSES = Math.ceil((MINSTR * 1e6) / PER_PASS);
/** QEMU's translated code runs the loop some 20 times faster: give it more, so its start-up noise stays small. */
const QEMU_PASSES = PASSES * 25;

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

async function bareLoop(translation: Translation): Promise<number> {
  const t0 = performance.now();
  const r = await runBare(image, { maxInstructions: MINSTR * 1e6 * 2, ramSize: 1 << 20, translation });
  const s = (performance.now() - t0) / 1000;
  if (r.result.kind !== 'pass') throw new Error('benchmark program did not finish');
  return Number(r.instret) / s / 1e6;
}

const cases: Case[] = [
  {
    name: 'MACROHARD RISC-V engine (hot blocks translated to wasm)',
    unit: 'M guest instr/s',
    better: 'higher',
    run: () => bareLoop(Translation.Hot),
  },
  {
    name: 'MACROHARD RISC-V engine, interpreter only (AssemblyScript/wasm)',
    unit: 'M guest instr/s',
    better: 'higher',
    run: () => bareLoop(Translation.Off),
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
      return (QEMU_PASSES * PER_PASS) / s / 1e6;
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

// --- Linux guest ---------------------------------------------------------------------------------

const guest = cachedGuest();
const qemuFirmware = qemu && spawnSync('sh', ['-c', 'ls /usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin'], { stdio: 'ignore' }).status === 0;
const MD5 = 'dd if=/dev/zero bs=1M count=64 2>/dev/null | md5sum\n';
const PROMPT = /\/ # $/;
const GUEST_RAM = 256 << 20;
const recorded = new Map<string, number[]>();
const record = (k: string, v: number): number => {
  recorded.set(k, [...(recorded.get(k) ?? []), v]);
  return v;
};
const last = (k: string): number => recorded.get(k)!.at(-1)!;

/**
 * Bytes of guest RAM in pages that hold anything but zeros: resident for sure. Pages the guest
 * touched and left zero are resident too but not counted, so RSS minus this bounds the VMM's own
 * memory from above.
 */
function inUse(ram: Uint8Array): number {
  const words = new BigUint64Array(ram.buffer, ram.byteOffset, ram.byteLength / 8);
  let pages = 0;
  for (let p = 0; p < words.length; p += 512) {
    for (let i = p; i < p + 512; i++) {
      if (words[i] !== 0n) {
        pages++;
        break;
      }
    }
  }
  return pages * 4096;
}

async function linuxMacrohard(): Promise<number> {
  const con = new GuestConsole();
  const t0 = performance.now();
  const m = await RiscvMachine.create({
    ramSize: GUEST_RAM, kernel: readFileSync(guest!.kernel), initrd: readFileSync(guest!.initrd), cmdline: 'console=ttyS0 quiet', output: con.sink,
  });
  const running = m.run();
  await con.expect(PROMPT, 120_000);
  const boot = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const [instret, translated] = [m.instret, m.hart.translatedInstructions];
  m.input(MD5);
  await con.expect(/[0-9a-f]{32}[^]*\/ # $/, 300_000);
  record('mh md5', (performance.now() - t1) / 1000);
  record('mh translated', (100 * Number(m.hart.translatedInstructions - translated)) / Number(m.instret - instret));
  const rss = process.memoryUsage().rss;
  record('mh rss', rss / (1 << 20));
  record('mh overhead', (rss - inUse(m.hart.ram.bytes)) / (1 << 20));
  m.input('poweroff -f\n');
  await running;
  return record('mh boot', boot);
}

async function linuxQemu(): Promise<number> {
  const con = new GuestConsole();
  const t0 = performance.now();
  const q = spawn('qemu-system-riscv64', ['-M', 'virt', '-m', '256M', '-smp', '1', '-nographic', '-monitor', 'none', '-serial', 'stdio',
    '-bios', 'default', '-kernel', guest!.kernel, '-initrd', guest!.initrd, '-append', 'console=ttyS0 quiet'], { stdio: ['pipe', 'pipe', 'ignore'] });
  q.stdout.on('data', (b: Buffer) => con.sink(b));
  const exited = new Promise<void>((r) => q.on('exit', () => r()));
  try {
    await con.expect(PROMPT, 120_000);
    const boot = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    q.stdin.write(MD5);
    await con.expect(/[0-9a-f]{32}[^]*\/ # $/, 300_000);
    record('qemu md5', (performance.now() - t1) / 1000);
    q.stdin.write('poweroff -f\n');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    return record('qemu boot', boot);
  } finally {
    q.kill();
    await exited;
  }
}

const QEMU_BOOT = 'qemu: Linux boot to the shell prompt';
const QEMU_MD5 = 'qemu: md5sum of 64 MiB in the guest';
const linuxCases: Case[] = guest ? [
  ...(qemuFirmware ? [{ name: QEMU_BOOT, peer: true, unit: 's', better: 'lower' as const, run: linuxQemu }] : []),
  { name: 'MACROHARD: Linux boot to the shell prompt', unit: 's', better: 'lower', run: linuxMacrohard, ...(qemuFirmware ? { vs: QEMU_BOOT } : {}) },
  ...(qemuFirmware ? [{ name: QEMU_MD5, peer: true, unit: 's', better: 'lower' as const, run: () => last('qemu md5') }] : []),
  { name: 'MACROHARD: md5sum of 64 MiB in the guest', unit: 's', better: 'lower', run: () => last('mh md5'), ...(qemuFirmware ? { vs: QEMU_MD5 } : {}) },
  { name: `MACROHARD: VMM process RSS with ${GUEST_RAM >> 20} MiB guest RAM`, unit: 'MiB', better: 'lower', run: () => last('mh rss') },
  { name: 'MACROHARD: md5sum, share of guest instructions run translated', unit: '%', better: 'higher', run: () => last('mh translated') },
  { name: 'MACROHARD: RSS beyond the guest RAM in use (at most)', unit: 'MiB', better: 'lower', run: () => last('mh overhead') },
] : [];

const bench: Benchmark = {
  name: 'riscv',
  description: `RISC-V engine: a CPU-bound bare-metal loop, ${MINSTR}M guest instructions per run, in guest instructions per second; Linux boot and md5sum beside QEMU.`,
  rounds: 3,
  cases: [...(qemu ? [peers[0]!] : []), ...cases, ...(gcc ? [peers[1]!] : []), ...linuxCases],
  setup() {
    const missing = [
      ...(qemu ? [] : ['qemu-system-riscv64 (Debian package qemu-system-misc): no QEMU rows']),
      ...(qemu && !qemuFirmware ? ['QEMU\'s OpenSBI firmware (/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin): no QEMU Linux rows'] : []),
      ...(gcc ? [] : ['gcc: no native row']),
      ...(guest ? [] : ['a cached guest (node bin/macrohard.js vm image build): no Linux rows']),
    ];
    for (const m of missing) process.stderr.write(`riscv bench: missing ${m}\n`);
    dir = mkdtempSync(join(tmpdir(), 'mh-riscv-bench-'));
    writeFileSync(join(dir, 'loop.bin'), program(QEMU_PASSES));
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
