// The frame of the conformance suites: a Program collects numbered checks (each a few lines of
// assembly ending in CHECK), assembles them with the cross binutils, runs the image on the bare
// machine, and turns a failing check number back into its description. Also the reference
// arithmetic (BigInt, exact) that the integer suites compare the core against, and a seeded
// generator for operands.
import assert from 'node:assert/strict';
import { assemble, toolchain, SKIP_MESSAGE, TestMode } from '../testing/gnu-as.js';
import { runBare } from '../testing/bare.js';
import { Translation } from '../engine.js';

export { SKIP_MESSAGE, TestMode };

/** The modes user-level suites run in, as riscv-tests runs its rv64u* programs in each. */
export const USER_LEVEL_MODES = [TestMode.M, TestMode.S, TestMode.U] as const;

/** `test()` options: skip with a message when the toolchain is missing. */
export function needsToolchain(): { skip: string | false } {
  return { skip: toolchain() ? false : SKIP_MESSAGE };
}

export class Program {
  private readonly checks: Array<{ lines: string[]; mOnly: boolean }> = [];
  private readonly names: string[] = ['(before the first check)'];
  /** Code that is not a numbered check (handlers, data). */
  readonly tail: string[] = [];

  /** Adds a check: `asm` must end by comparing (CHECK/CHECKR), jumping to fail on a mismatch. */
  check(name: string, asm: string | string[], opts: { mOnly?: boolean } = {}): void {
    const n = this.names.length;
    if (n >= 0xfff) throw new Error('too many checks in one program');
    this.names.push(name);
    const lines = [`  li gp, ${n}`, ...(Array.isArray(asm) ? asm : asm.split('\n')).map((l) => '  ' + l.trim())];
    this.checks.push({ lines, mOnly: opts.mOnly ?? false });
  }

  get count(): number {
    return this.names.length - 1;
  }

  /** The program for `mode`: checks that need M-mode CSRs (mOnly) are left out below M. */
  source(mode: TestMode = TestMode.M): string {
    const body = this.checks.filter((c) => mode === TestMode.M || !c.mOnly).flatMap((c) => c.lines);
    return [...body, '  j pass', ...this.tail].join('\n');
  }

  /**
   * Assembles and runs, once interpreted and once with every block translated to WebAssembly;
   * fails the test with the name of the first failing check.
   */
  async run(opts: { march?: string; maxInstructions?: number; mode?: TestMode } = {}): Promise<void> {
    const mode = opts.mode ?? TestMode.M;
    const image = assemble(this.source(mode), { march: opts.march, mode });
    for (const translation of [Translation.Off, Translation.Eager]) await this.runImage(image, mode, translation, opts.maxInstructions);
  }

  private async runImage(image: Uint8Array, mode: TestMode, translation: Translation, maxInstructions = 2_000_000): Promise<void> {
    const r = await runBare(image, { maxInstructions, translation });
    const where = `in ${TestMode[mode]}-mode, ${translation === Translation.Off ? 'interpreted' : 'translated'}`;
    if (r.result.kind === 'fail') {
      const code = r.result.code;
      const name = code === 0xfff ? 'an unexpected trap before any check' : this.names[code] ?? `check ${code}`;
      const cause = r.hart.csr(0x342);
      assert.fail(`check ${code} failed ${where}: ${name} (mcause ${cause}, mepc 0x${r.hart.csr(0x341)?.toString(16)}, a0=${r.hart.x(10)})`);
    }
    assert.equal(r.result.kind, 'pass', `program did not finish ${where} (exit ${r.exit}, pc 0x${r.hart.pc.toString(16)}, ${r.instret} instructions)`);
    if (translation === Translation.Eager) assert.ok(r.hart.translatedBlocks > 0, `nothing was translated ${where}`);
  }

  /** Runs the program in M, S and U mode in turn, as riscv-tests runs its user-level groups. */
  async runInEveryMode(opts: { march?: string; maxInstructions?: number } = {}): Promise<void> {
    for (const mode of USER_LEVEL_MODES) await this.run({ ...opts, mode });
  }
}

// --- reference arithmetic -----------------------------------------------------------------------

export const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
export const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
export const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);
export const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);
export const I64_MIN = -(1n << 63n);
export const I32_MIN = -(1n << 31n);

/** Operand values that find edge cases: signs, limits, 32-bit boundaries. */
export const EDGES: bigint[] = [
  0n, 1n, -1n, 2n, 7n, -8n, 0x7fffffffn, -0x80000000n, 0xffffffffn, 0x80000000n, 0x100000000n,
  0x7fffffffffffffffn, I64_MIN, 0x123456789abcdef0n, -0x0123456789abcdefn, 31n, 32n, 63n, 64n,
];

/** xorshift64*: a small seeded generator so every run checks the same operands. */
export class Rng {
  private s: bigint;
  constructor(seed: bigint) {
    this.s = seed || 1n;
  }
  next(): bigint {
    let x = this.s;
    x ^= x >> 12n;
    x ^= u64(x << 25n);
    x ^= x >> 27n;
    this.s = x;
    return s64(x * 0x2545f4914f6cdd1dn);
  }
  /** A value of random width, so small and 32-bit-sized operands turn up too. */
  operand(): bigint {
    const v = this.next();
    const w = Number(u64(this.next()) % 4n);
    return w === 0 ? s64(v) : w === 1 ? s32(v) : w === 2 ? BigInt.asIntN(12, v) : v >> 40n;
  }
  imm12(): number {
    return Number(BigInt.asIntN(12, this.next()));
  }
}
