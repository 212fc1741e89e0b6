// RV64A conformance: every AMO in word and doubleword form (old value returned, new value stored,
// word results sign-extended), LR/SC success and failure, and the alignment rule for atomics.
import { test } from 'node:test';
import { Program, needsToolchain, s64, u64, s32, u32 } from './suite.js';

const AMO: Record<string, (old: bigint, v: bigint, word: boolean) => bigint> = {
  amoswap: (_o, v) => v,
  amoadd: (o, v) => o + v,
  amoxor: (o, v) => o ^ v,
  amoand: (o, v) => o & v,
  amoor: (o, v) => o | v,
  amomin: (o, v) => (o < v ? o : v),
  amomax: (o, v) => (o > v ? o : v),
  amominu: (o, v, w) => ((w ? u32(o) < u32(v) : u64(o) < u64(v)) ? o : v),
  amomaxu: (o, v, w) => ((w ? u32(o) > u32(v) : u64(o) > u64(v)) ? o : v),
};

test('rv64ua: AMOs, LR/SC and misaligned atomics', needsToolchain(), async () => {
  const p = new Program();
  const pairs: Array<[bigint, bigint]> = [[5n, 3n], [-5n, 3n], [0x7fffffffn, 1n], [-1n, 0x80000000n], [0x123456789n, -0x987654321n]];
  for (const [name, op] of Object.entries(AMO)) {
    for (const [o, v] of pairs) {
      const newD = s64(op(o, v, false));
      p.check(`${name}.d ${o}, ${v}`, ['li a1, SCRATCH', `li a2, ${o}`, 'sd a2, 0(a1)', `li a3, ${v}`, `${name}.d a0, a3, (a1)`,
        `CHECK a0, ${o}`, 'ld a4, 0(a1)', `CHECK a4, ${newD}`]);
      const ow = s32(o), vw = s32(v);
      const newW = s32(op(ow, vw, true));
      p.check(`${name}.w ${ow}, ${vw}`, ['li a1, SCRATCH', 'li a2, -1', 'sd a2, 0(a1)', `li a2, ${ow}`, 'sw a2, 0(a1)', `li a3, ${v}`,
        `${name}.w a0, a3, (a1)`, `CHECK a0, ${ow}`, 'lw a4, 0(a1)', `CHECK a4, ${newW}`, 'lw a4, 4(a1)', 'CHECK a4, -1']);
    }
  }
  p.check('lr.d/sc.d succeed', ['li a1, SCRATCH', 'li a2, 41', 'sd a2, 0(a1)', 'lr.d a0, (a1)', 'addi a0, a0, 1', 'sc.d a3, a0, (a1)',
    'CHECK a3, 0', 'ld a4, 0(a1)', 'CHECK a4, 42']);
  p.check('sc.d without a reservation fails and stores nothing', ['li a1, SCRATCH', 'li a2, 7', 'sd a2, 0(a1)', 'li a0, 9',
    'sc.d a3, a0, (a1)', 'CHECK a3, 1', 'ld a4, 0(a1)', 'CHECK a4, 7']);
  p.check('a second sc.w fails', ['li a1, SCRATCH', 'lr.w a0, (a1)', 'sc.w a3, a0, (a1)', 'CHECK a3, 0', 'sc.w a3, a0, (a1)', 'CHECK a3, 1']);
  p.check('sc to another address fails', ['li a1, SCRATCH', 'lr.d a0, (a1)', 'addi a4, a1, 8', 'sc.d a3, a0, (a4)', 'CHECK a3, 1']);
  p.check('lr.w sign-extends', ['li a1, SCRATCH', 'li a2, 0x80000000', 'sw a2, 0(a1)', 'lr.w a0, (a1)', `CHECK a0, ${-0x80000000}`]);
  p.check('a misaligned amoadd.d raises store address misaligned', ['la t0, trap_skip', 'csrw mtvec, t0', 'li s11, 0',
    'li a1, SCRATCH + 4', 'amoadd.d a0, a2, (a1)', 'CHECK s11, 6', 'li t6, SCRATCH + 4', 'CHECKR s10, t6'], { mOnly: true });
  p.check('a misaligned lr.w raises load address misaligned', ['li s11, 0', 'li a1, SCRATCH + 2', 'lr.w a0, (a1)', 'CHECK s11, 4',
    'la t0, trap_unexpected', 'csrw mtvec, t0'], { mOnly: true });
  // A loop that counts to 100 with an lr/sc increment.
  p.check('lr/sc increment loop', ['li a1, SCRATCH', 'sd zero, 0(a1)', 'li a5, 100', '1: lr.d a0, (a1)', 'addi a0, a0, 1',
    'sc.d a3, a0, (a1)', 'bnez a3, 1b', 'addi a5, a5, -1', 'bnez a5, 1b', 'ld a0, 0(a1)', 'CHECK a0, 100']);
  await p.runInEveryMode();
});
