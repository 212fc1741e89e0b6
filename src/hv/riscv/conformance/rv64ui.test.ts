// RV64I conformance, riscv-tests style: every register-register, register-immediate, word,
// load/store, branch and jump instruction, on edge operands and seeded random ones, checked
// against exact BigInt reference arithmetic. Assembled with the cross binutils during the run.
import { test } from 'node:test';
import { Program, needsToolchain, EDGES, Rng, s64, u64, s32, u32 } from './suite.js';

type Op = (a: bigint, b: bigint) => bigint;

const RR: Record<string, Op> = {
  add: (a, b) => s64(a + b),
  sub: (a, b) => s64(a - b),
  sll: (a, b) => s64(a << (b & 63n)),
  slt: (a, b) => (a < b ? 1n : 0n),
  sltu: (a, b) => (u64(a) < u64(b) ? 1n : 0n),
  xor: (a, b) => a ^ b,
  srl: (a, b) => s64(u64(a) >> (b & 63n)),
  sra: (a, b) => a >> (b & 63n),
  or: (a, b) => a | b,
  and: (a, b) => a & b,
  addw: (a, b) => s32(a + b),
  subw: (a, b) => s32(a - b),
  sllw: (a, b) => s32(a << (b & 31n)),
  srlw: (a, b) => s32(u32(a) >> (b & 31n)),
  sraw: (a, b) => s32(a) >> (b & 31n),
};

const IMM: Record<string, { op: Op; shift?: number }> = {
  addi: { op: RR.add! },
  slti: { op: RR.slt! },
  sltiu: { op: (a, b) => (u64(a) < u64(b) ? 1n : 0n) },
  xori: { op: RR.xor! },
  ori: { op: RR.or! },
  andi: { op: RR.and! },
  slli: { op: RR.sll!, shift: 64 },
  srli: { op: RR.srl!, shift: 64 },
  srai: { op: RR.sra!, shift: 64 },
  addiw: { op: RR.addw! },
  slliw: { op: RR.sllw!, shift: 32 },
  srliw: { op: RR.srlw!, shift: 32 },
  sraiw: { op: RR.sraw!, shift: 32 },
};

function pairs(rng: Rng, random: number): Array<[bigint, bigint]> {
  const out: Array<[bigint, bigint]> = [];
  for (let i = 0; i < EDGES.length; i += 3) for (let j = 0; j < EDGES.length; j += 2) out.push([EDGES[i]!, EDGES[j]!]);
  for (let i = 0; i < random; i++) out.push([rng.operand(), rng.operand()]);
  return out;
}

test('rv64ui: register-register arithmetic, logic, shifts and word forms', needsToolchain(), async () => {
  const p = new Program();
  const rng = new Rng(0x5eed1n);
  for (const [name, op] of Object.entries(RR)) {
    for (const [a, b] of pairs(rng, 12)) {
      p.check(`${name} ${a}, ${b}`, [`li a1, ${a}`, `li a2, ${b}`, `${name} a0, a1, a2`, `CHECK a0, ${op(a, b)}`]);
    }
  }
  // rd = rs1 = rs2, and x0 as a destination.
  p.check('add a3, a3, a3', ['li a3, 21', 'add a3, a3, a3', 'CHECK a3, 42']);
  p.check('writes to x0 are discarded', ['li a1, 5', 'add x0, a1, a1', 'CHECKR x0, zero', 'mv a0, x0', 'CHECK a0, 0']);
  await p.runInEveryMode();
});

test('rv64ui: register-immediate arithmetic and shifts', needsToolchain(), async () => {
  const p = new Program();
  const rng = new Rng(0x5eed2n);
  for (const [name, { op, shift }] of Object.entries(IMM)) {
    const imms = shift ? [0, 1, shift - 1, 13, shift >> 1] : [0, 1, -1, 2047, -2048, rng.imm12(), rng.imm12()];
    for (const a of [...EDGES.filter((_, i) => i % 2 === 0), rng.operand(), rng.operand()]) {
      for (const imm of imms) {
        p.check(`${name} ${a}, ${imm}`, [`li a1, ${a}`, `${name} a0, a1, ${imm}`, `CHECK a0, ${op(a, BigInt(imm))}`]);
      }
    }
  }
  await p.runInEveryMode();
});

test('rv64ui: lui, auipc, jal, jalr', needsToolchain(), async () => {
  const p = new Program();
  p.check('lui 0x80000 sign-extends', ['lui a0, 0x80000', `CHECK a0, ${-0x80000000}`]);
  p.check('lui 0x7ffff', ['lui a0, 0x7ffff', `CHECK a0, ${0x7ffff000}`]);
  p.check('auipc is pc-relative', ['1: auipc a0, 0', 'la a1, 1b', 'CHECKR a0, a1']);
  p.check('auipc with a negative offset', ['1: auipc a0, 0xfffff', 'la a1, 1b', 'li a2, -4096', 'add a1, a1, a2', 'CHECKR a0, a1']);
  p.check('jal links pc+4', ['jal a0, 1f', '2: j fail', '1: la a1, 2b', 'CHECKR a0, a1']);
  p.check('jalr clears bit 0 of the target', ['la a1, 1f', 'addi a1, a1, 1', 'jalr a0, 0(a1)', 'j fail', '1: nop']);
  p.check('jalr with rd = rs1 uses the old rs1', ['la a1, 1f', 'jalr a1, 0(a1)', 'j fail', '1: la a2, 1b', 'addi a2, a2, -4', 'CHECKR a1, a2']);
  await p.runInEveryMode({ march: 'rv64g' });
});

test('rv64ui: branches taken and not taken', needsToolchain(), async () => {
  const p = new Program();
  const rng = new Rng(0x5eed3n);
  const cond: Record<string, (a: bigint, b: bigint) => boolean> = {
    beq: (a, b) => a === b,
    bne: (a, b) => a !== b,
    blt: (a, b) => a < b,
    bge: (a, b) => a >= b,
    bltu: (a, b) => u64(a) < u64(b),
    bgeu: (a, b) => u64(a) >= u64(b),
  };
  const vals: Array<[bigint, bigint]> = [[0n, 0n], [1n, -1n], [-1n, 1n], [5n, 5n], [-0x80000000n, 0x7fffffffn], [rng.operand(), rng.operand()]];
  for (const [name, c] of Object.entries(cond)) {
    for (const [a, b] of vals) {
      // a0 ends 0 when the branch is taken (it skips the li), 1 when not.
      p.check(`${name} ${a}, ${b}`, ['li a0, 0', `li a1, ${a}`, `li a2, ${b}`, `${name} a1, a2, 1f`, 'li a0, 1', `1: CHECK a0, ${c(a, b) ? 0 : 1}`]);
    }
  }
  p.check('backward branch loop', ['li a0, 0', 'li a1, 10', '1: addi a0, a0, 3', 'addi a1, a1, -1', 'bnez a1, 1b', 'CHECK a0, 30']);
  await p.runInEveryMode();
});

test('rv64ui: loads and stores of every width, aligned and not', needsToolchain(), async () => {
  const p = new Program();
  const pattern = 0x8899aabbccddeeffn;
  const bytes = (off: number, n: number): bigint => (u64(pattern) >> BigInt(8 * off)) & ((1n << BigInt(8 * n)) - 1n);
  const loads: Array<[string, number, boolean]> = [['lb', 1, true], ['lbu', 1, false], ['lh', 2, true], ['lhu', 2, false], ['lw', 4, true], ['lwu', 4, false], ['ld', 8, true]];
  for (const [name, n, signed] of loads) {
    for (let off = 0; off + n <= 8; off += n === 8 ? 8 : 1) {
      const raw = bytes(off, n);
      const want = signed ? BigInt.asIntN(8 * n, raw) : raw;
      p.check(`${name} at +${off}`, ['li a1, SCRATCH', `li a2, ${s64(pattern)}`, 'sd a2, 0(a1)', `${name} a0, ${off}(a1)`, `CHECK a0, ${want}`]);
    }
  }
  const stores: Array<[string, number]> = [['sb', 1], ['sh', 2], ['sw', 4], ['sd', 8]];
  for (const [name, n] of stores) {
    for (const off of [0, 1, 3, 6]) {
      // Store into a zeroed doubleword pair and read both doublewords back.
      const v = 0x0123456789abcdefn & ((1n << BigInt(8 * n)) - 1n);
      const full = v << BigInt(8 * off);
      p.check(`${name} at +${off}`, [
        'li a1, SCRATCH', 'sd zero, 0(a1)', 'sd zero, 8(a1)', 'li a2, 0x0123456789abcdef', `${name} a2, ${off}(a1)`,
        'ld a0, 0(a1)', `CHECK a0, ${s64(full & 0xffffffffffffffffn)}`, 'ld a0, 8(a1)', `CHECK a0, ${s64(full >> 64n)}`,
      ]);
    }
  }
  p.check('negative offsets', ['li a1, SCRATCH + 64', 'li a2, -77', 'sd a2, -16(a1)', 'ld a0, -16(a1)', 'CHECK a0, -77']);
  await p.runInEveryMode();
});

test('rv64ui: fence, fence.i and self-modifying code', needsToolchain(), async () => {
  const p = new Program();
  // Overwrite the next instruction with "li a0, 9" (addi a0, zero, 9 = 0x00900513) and run it.
  p.check('fence.i makes a stored instruction visible', [
    'la a1, 1f', 'li a2, 0x00900513', 'sw a2, 0(a1)', 'fence.i', '1: li a0, 1', 'CHECK a0, 9',
  ]);
  p.check('fence', ['fence', 'fence rw, rw', 'li a0, 1', 'CHECK a0, 1']);
  await p.runInEveryMode({ march: 'rv64g_zifencei' });
});
