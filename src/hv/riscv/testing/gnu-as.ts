// Assembles RISC-V test programs with Debian's cross binutils (binutils-riscv64-linux-gnu) during
// a test run, in the manner of riscv-tests: a common prelude (trap vector, pass/fail through the
// test finisher, FP enabled) and a body of checks, linked at 0x80000000 and flattened to a raw
// image. `toolchain()` says whether the tools are here so suites can skip with a message.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'riscv64-linux-gnu-';
export const SKIP_MESSAGE = 'riscv64-linux-gnu-as not found: install binutils-riscv64-linux-gnu (listed in .ci/apt-packages)';

let available: boolean | undefined;

/** True when the cross assembler, linker and objcopy run. */
export function toolchain(): boolean {
  available ??= ['as', 'ld', 'objcopy'].every((t) => spawnSync(PREFIX + t, ['--version'], { stdio: 'ignore' }).status === 0);
  return available;
}

/**
 * The prelude every program starts with. Register conventions: gp holds the number of the check
 * in progress, and a failing check reports it as the finisher's exit code; t6 is scratch for the
 * expected value. An unexpected trap fails the check in progress (0xfff before the first one).
 */
export const PRELUDE = `
  # No linker relaxation: gas then pads .align itself, so alignment holds in the flat image.
  .option norelax
  .equ FINISHER, 0x100000
  .equ SCRATCH, 0x80080000
  .macro CHECK reg, want
    li t6, \\want
    bne \\reg, t6, fail
  .endm
  .macro CHECKR a, b
    bne \\a, \\b, fail
  .endm
  .section .text
  .globl _start
_start:
  la t0, trap_unexpected
  csrw mtvec, t0
  li t0, 0x6000
  csrs mstatus, t0
  fscsr x0
  j tests
  .align 2
trap_unexpected:
  csrr t5, mcause
  bnez gp, fail
  li gp, 0xfff
fail:
  li t0, FINISHER
  slli t1, gp, 16
  li t2, 0x3333
  or t1, t1, t2
  sw t1, 0(t0)
1: j 1b
# trap_skip: record mcause/mtval in s11/s10, step over the trapping instruction, return to
# the mode that trapped. trap_return: record them and resume in M-mode at s9. Both use t3-t5.
  .align 2
trap_skip:
  csrr s11, mcause
  csrr s10, mtval
  csrr t5, mepc
  lhu t4, 0(t5)
  andi t4, t4, 3
  li t3, 3
  addi t5, t5, 2
  bne t4, t3, 1f
  addi t5, t5, 2
1: csrw mepc, t5
  mret
  .align 2
trap_return:
  csrr s11, mcause
  csrr s10, mtval
  li t5, 0x1800
  csrs mstatus, t5
  csrw mepc, s9
  mret
pass:
  li t0, FINISHER
  li t1, 0x5555
  sw t1, 0(t0)
1: j 1b
tests:
`;

export enum TestMode {
  M = 3,
  S = 1,
  U = 0,
}

export interface AsmOptions {
  march?: string;
  /** The privilege the checks run in (default M). With satp Bare and no PMP, S and U reach all memory. */
  mode?: TestMode;
}

/** Drops from M-mode to `mode` before the first check. */
function enterMode(mode: TestMode): string {
  if (mode === TestMode.M) return '';
  return `  li t0, 0x1800\n  csrc mstatus, t0\n  li t0, ${mode << 11}\n  csrs mstatus, t0\n  la t0, 1f\n  csrw mepc, t0\n  mret\n1:\n`;
}

/** Assembles prelude + body + "j pass" and returns the flat image to load at 0x80000000. */
export function assemble(body: string, opts: AsmOptions = {}): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'mh-rvasm-'));
  try {
    const src = join(dir, 't.s');
    writeFileSync(src, `${PRELUDE}\n${enterMode(opts.mode ?? TestMode.M)}${body}\n  j pass\n`);
    run('as', ['-march=' + (opts.march ?? 'rv64gc'), '-mabi=lp64d', '-o', join(dir, 't.o'), src]);
    run('ld', ['-Ttext=0x80000000', '-nostdlib', '--no-relax', '-o', join(dir, 't.elf'), join(dir, 't.o')]);
    run('objcopy', ['-O', 'binary', join(dir, 't.elf'), join(dir, 't.bin')]);
    return new Uint8Array(readFileSync(join(dir, 't.bin')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(tool: string, args: string[]): void {
  const r = spawnSync(PREFIX + tool, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${PREFIX}${tool} failed:\n${r.stderr}`);
}
