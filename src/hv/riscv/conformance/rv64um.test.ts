// RV64M conformance: multiply (low and the three high halves), division and remainder (signed,
// unsigned, word forms) on edge and seeded random operands against BigInt references, with the
// ISA's answers for division by zero and signed overflow.
import { test } from 'node:test';
import { Program, needsToolchain, EDGES, Rng, s64, u64, s32, u32, I64_MIN, I32_MIN } from './suite.js';

type Op = (a: bigint, b: bigint) => bigint;

function div(a: bigint, b: bigint): bigint {
  if (b === 0n) return -1n;
  if (a === I64_MIN && b === -1n) return I64_MIN;
  return s64(a / b);
}

function rem(a: bigint, b: bigint): bigint {
  if (b === 0n) return a;
  if (a === I64_MIN && b === -1n) return 0n;
  return s64(a % b);
}

const OPS: Record<string, Op> = {
  mul: (a, b) => s64(a * b),
  mulh: (a, b) => s64((a * b) >> 64n),
  mulhsu: (a, b) => s64((a * u64(b)) >> 64n),
  mulhu: (a, b) => s64((u64(a) * u64(b)) >> 64n),
  div,
  divu: (a, b) => (b === 0n ? -1n : s64(u64(a) / u64(b))),
  rem,
  remu: (a, b) => (b === 0n ? a : s64(u64(a) % u64(b))),
  mulw: (a, b) => s32(a * b),
  divw: (a, b) => {
    const x = s32(a), y = s32(b);
    if (y === 0n) return -1n;
    if (x === I32_MIN && y === -1n) return I32_MIN;
    return s32(x / y);
  },
  divuw: (a, b) => (u32(b) === 0n ? -1n : s32(u32(a) / u32(b))),
  remw: (a, b) => {
    const x = s32(a), y = s32(b);
    if (y === 0n) return x;
    if (x === I32_MIN && y === -1n) return 0n;
    return s32(x % y);
  },
  remuw: (a, b) => (u32(b) === 0n ? s32(a) : s32(u32(a) % u32(b))),
};

test('rv64um: multiply, divide and remainder', needsToolchain(), async () => {
  const p = new Program();
  const rng = new Rng(0xd171den);
  for (const [name, op] of Object.entries(OPS)) {
    const cases: Array<[bigint, bigint]> = [];
    for (let i = 0; i < EDGES.length; i += 2) for (let j = 1; j < EDGES.length; j += 3) cases.push([EDGES[i]!, EDGES[j]!]);
    cases.push([I64_MIN, -1n], [I32_MIN, -1n], [5n, 0n], [-5n, 0n], [-7n, 2n], [7n, -2n]);
    for (let k = 0; k < 16; k++) cases.push([rng.operand(), rng.operand()]);
    for (const [a, b] of cases) {
      p.check(`${name} ${a}, ${b}`, [`li a1, ${a}`, `li a2, ${b}`, `${name} a0, a1, a2`, `CHECK a0, ${op(a, b)}`]);
    }
  }
  await p.runInEveryMode();
});
