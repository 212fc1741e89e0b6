// The block translator checked against the interpreter. Seeded random programs — integer
// arithmetic in every form the translator takes, loads and stores of every width (misaligned
// ones included) to a buffer, instructions it leaves to the interpreter (division, the high
// multiplies) in the middle of blocks, forward branches that split blocks, and a loop the
// translated function runs inside itself — execute interpreted and with every block translated;
// registers, memory and the count of retired instructions must agree. Then a fault and a device
// store in the middle of a translated block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from './encode.js';
import { runBare, RAM_BASE, FINISHER_BASE, type BareRun } from './testing/bare.js';
import { Exit, Priv, Translation } from './engine.js';

const BUF = RAM_BASE + 0x8000;
const BUF_SIZE = 4096;

/** xorshift, small and seeded: the same programs every run. */
class Rand {
  constructor(private s: number) {}
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  below(n: number): number {
    return this.next() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)]!;
  }
}

/** One random instruction of the loop body (writing x1..x28); `last` forbids a branch (it would skip the loop's end). */
function randomInstruction(r: Rand, last: boolean): number {
  const rd = r.below(8) === 0 ? 0 : 1 + r.below(28);
  const rs1 = r.below(30);
  const rs2 = r.below(30);
  const imm = r.below(4096) - 2048;
  switch (r.below(last ? 9 : 10)) {
    case 0: return E.rType(0x33, r.below(8), 0, rd, rs1, rs2); // add, sll, slt, sltu, xor, srl, or, and
    case 1: return E.rType(0x33, r.pick([0, 5]), 0x20, rd, rs1, rs2); // sub, sra
    case 2: return E.rType(0x33, r.below(8), 1, rd, rs1, rs2); // mul (translated), the rest interpreted
    case 3: return E.rType(0x3b, r.pick([0, 1, 5]), 0, rd, rs1, rs2); // addw, sllw, srlw
    case 4: return E.rType(0x3b, r.pick([0, 5]), r.pick([0x20, 1]), rd, rs1, rs2); // subw, sraw, mulw, divuw
    case 5: {
      const f3 = r.below(8);
      if (f3 === 1) return E.slli(rd, rs1, r.below(64));
      if (f3 === 5) return r.below(2) ? E.srli(rd, rs1, r.below(64)) : E.srai(rd, rs1, r.below(64));
      return E.iType(0x13, f3, rd, rs1, imm);
    }
    case 6: {
      const f3 = r.pick([0, 1, 5, 5]);
      if (f3 === 0) return E.addiw(rd, rs1, imm);
      return E.iType(0x1b, f3, rd, rs1, r.below(32) | (f3 === 5 && r.below(2) ? 0x400 : 0));
    }
    case 7: return r.below(2) ? E.lui(rd, r.below(1 << 20)) : E.auipc(rd, r.below(1 << 20));
    case 8: {
      const off = r.below(BUF_SIZE - 8) - 2048; // x31 points at the middle of the buffer
      return r.below(2) ? E.iType(0x03, r.pick([0, 1, 2, 3, 4, 5, 6]), rd, 31, off) : E.sType(0x23, r.below(4), 31, rs2, off);
    }
    default: return E.bType(r.pick([0, 1, 4, 5, 6, 7]), rs1, rs2, 8); // skips the next instruction
  }
}

function randomProgram(seed: number): number[] {
  const r = new Rand(seed);
  const init: number[] = [];
  for (let i = 1; i < 30; i++) init.push(...E.li(i, BigInt.asIntN(64, (BigInt(r.next()) << 32n) | BigInt(r.next()))));
  init.push(...E.li(31, BUF + 2048), ...E.li(30, 200 + r.below(100)));
  // x29 sums every result, so that one computed wrong shows even when its register is overwritten.
  const n = 5 + r.below(30);
  const body = Array.from({ length: n }, (_, i) => {
    const insn = randomInstruction(r, i === n - 1);
    const rd = (insn >>> 7) & 31;
    const writes = ![0x23, 0x63].includes(insn & 0x7f) && rd !== 0;
    return writes ? [insn, E.add(29, 29, rd)] : [insn];
  }).flat();
  const loop = [...body, E.addi(30, 30, -1), E.bne(30, 0, -4 * (body.length + 1))];
  return [...init, ...loop, ...E.li(30, FINISHER_BASE), ...E.li(31, 0x5555), E.sw(31, 30, 0), E.jal(0, 0)];
}

function state(run: BareRun): { x: bigint[]; mem: Uint8Array; instret: bigint } {
  return { x: Array.from({ length: 32 }, (_, i) => run.hart.x(i)), mem: run.hart.ram.read(BUF, BUF_SIZE), instret: run.instret };
}

test('random programs give the same registers, memory and instruction count translated as interpreted', async () => {
  for (let seed = 1; seed <= 40; seed++) {
    const image = E.toBytes(randomProgram(seed * 7919));
    const fill = (h: BareRun['hart']) => h.ram.write(BUF, Uint8Array.from({ length: BUF_SIZE }, (_, i) => (i * 37 + seed) & 0xff));
    const interpreted = await runBare(image, { translation: Translation.Off, setup: fill });
    const translated = await runBare(image, { translation: Translation.Eager, setup: fill });
    assert.equal(interpreted.result.kind, 'pass', `seed ${seed}: the program did not finish`);
    assert.equal(translated.result.kind, 'pass', `seed ${seed}: the translated program did not finish`);
    assert.ok(translated.hart.translatedBlocks > 0, `seed ${seed}: nothing was translated`);
    assert.deepEqual(state(translated), state(interpreted), `seed ${seed}`);
  }
});

test('a fault in the middle of a translated block is precise', async () => {
  // x1 is written before the faulting load and x3 after it; the trap handler (a WFI) halts.
  const handler = RAM_BASE + 0x100;
  const words = new Array(0x104 / 4).fill(E.NOP);
  const code = [...E.li(31, handler), E.csrw(0x305, 31), ...E.li(5, 0x40000000), E.jal(0, 4),
    E.addi(1, 0, 11), E.ld(2, 5, 0), E.addi(3, 0, 33), E.WFI];
  code.forEach((w, i) => (words[i] = w));
  words[0x100 / 4] = E.WFI;
  const image = E.toBytes(words);
  const runs = [];
  for (const translation of [Translation.Off, Translation.Eager]) {
    const r = await runBare(image, { translation, maxInstructions: 1000 });
    assert.equal(r.exit, Exit.Wfi);
    assert.equal(r.hart.csr(0x342), 5n, 'load access fault');
    assert.equal(r.hart.x(1), 11n);
    assert.equal(r.hart.x(3), 0n);
    runs.push({ mepc: r.hart.csr(0x341), mtval: r.hart.csr(0x343), instret: r.instret });
  }
  assert.deepEqual(runs[1], runs[0]);
  const loadAt = BigInt(RAM_BASE + 4 * code.indexOf(E.ld(2, 5, 0)));
  assert.equal(runs[0]!.mepc, loadAt);
});

test('a device store in the middle of a translated block stops the run after that store', async () => {
  const image = E.toBytes([...E.li(8, FINISHER_BASE), ...E.li(9, 0x5555), E.jal(0, 4), E.addi(1, 0, 1), E.sw(9, 8, 0), E.addi(2, 0, 2), E.jal(0, 0)]);
  const r = await runBare(image, { translation: Translation.Eager });
  assert.equal(r.result.kind, 'pass');
  assert.equal(r.hart.x(1), 1n);
  assert.equal(r.hart.x(2), 0n);
  assert.ok(r.hart.translatedBlocks > 0);
});

/** A loop whose 4-byte `add` straddles a page boundary (at offset 0xffe), then WFI; `decoy` swaps in sub and a step of 2. */
function straddlingLoop(decoy = false): Uint8Array {
  const out = new Uint8Array(32);
  const v = new DataView(out.buffer);
  [E.addi(5, 5, 1), E.addi(6, 6, 3), E.addi(7, 7, 5)].forEach((w, i) => v.setUint32(4 * i, w, true));
  v.setUint16(12, 0x0001, true); // c.nop
  v.setUint32(14, decoy ? E.sub(8, 8, 5) : E.add(8, 8, 5), true);
  v.setUint32(18, E.addi(9, 9, decoy ? -2 : -1), true);
  v.setUint32(22, E.bne(9, 0, -22), true);
  v.setUint32(26, E.WFI, true);
  return out;
}

test('a translated loop runs on across a page boundary when the next page is mapped there', async () => {
  const results = [];
  for (const translation of [Translation.Off, Translation.Eager]) {
    const r = await runBare(new Uint8Array(0), {
      translation,
      setup(h) {
        h.ram.write(RAM_BASE + 0xff0, straddlingLoop());
        h.pc = RAM_BASE + 0xff0;
        h.setX(9, 50);
      },
    });
    assert.equal(r.exit, Exit.Wfi);
    assert.equal(r.hart.x(8), 1275n);
    results.push({ x5: r.hart.x(5), x8: r.hart.x(8), instret: r.instret, translated: r.hart.translatedBlocks > 0 });
  }
  assert.deepEqual(results[1], { ...results[0], translated: true });
});

test('a translated block stops at a page boundary when the next virtual page maps elsewhere', async () => {
  // Sv39 in S-mode: virtual 0x40000000 -> physical P, 0x40001000 -> Q (not P + 4 KiB). The page
  // physically after P holds a decoy that code read from there would run instead.
  const P = RAM_BASE + 0x10000, Q = RAM_BASE + 0x12000, ROOT = RAM_BASE + 0x20000, L1 = ROOT + 0x1000, L0 = ROOT + 0x2000;
  const VA = 0x40000000;
  const pte = (pa: number, leaf: boolean) => (BigInt(pa >>> 12) << 10n) | (leaf ? 0xcbn : 1n); // V, R, X, A, D for leaves
  const results = [];
  for (const translation of [Translation.Off, Translation.Eager]) {
    const r = await runBare(new Uint8Array(0), {
      translation,
      setup(h) {
        const code = straddlingLoop();
        h.ram.write(P + 0xff0, code.subarray(0, 16));
        h.ram.write(Q, code.subarray(16));
        h.ram.write(P + 0x1000, straddlingLoop(true).subarray(16));
        h.ram.setU64(ROOT + 8 * 1, pte(L1, false));
        h.ram.setU64(L1, pte(L0, false));
        h.ram.setU64(L0, pte(P, true));
        h.ram.setU64(L0 + 8, pte(Q, true));
        h.setCsr(0x180, (8n << 60n) | BigInt(ROOT >>> 12));
        h.priv = Priv.S;
        h.pc = VA + 0xff0;
        h.setX(9, 50);
      },
    });
    assert.equal(r.exit, Exit.Wfi, `${Translation[translation]}: pc 0x${r.hart.pc.toString(16)}`);
    assert.equal(r.hart.x(8), 1275n, Translation[translation]);
    results.push({ x8: r.hart.x(8), x9: r.hart.x(9), instret: r.instret, translated: r.hart.translatedBlocks > 0 });
  }
  assert.deepEqual(results[1], { ...results[0], translated: true });
});
