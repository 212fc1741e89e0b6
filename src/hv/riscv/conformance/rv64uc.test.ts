// RV64C conformance: each compressed instruction written explicitly (c.*), so the assembler
// emits 16-bit parcels; the core runs them through its expansion table. Also instructions that
// straddle a page boundary, and the reserved all-zero parcel.
import { test } from 'node:test';
import { Program, needsToolchain } from './suite.js';

test('rv64uc: compressed integer, memory and control-flow instructions', needsToolchain(), async () => {
  const p = new Program();
  p.check('c.li, c.addi, c.addiw', ['c.li a0, -3', 'c.addi a0, 7', 'CHECK a0, 4', 'li a0, 0x7fffffff', 'c.addiw a0, 1', `CHECK a0, ${-0x80000000}`]);
  p.check('c.lui', ['c.lui a0, 0xfffe1', `CHECK a0, ${-0x1f000}`, 'c.lui a1, 1', 'CHECK a1, 4096']);
  p.check('c.addi16sp, c.addi4spn', ['mv s0, sp', 'li sp, 0x80090000', 'c.addi16sp sp, -64', 'li t6, 0x80090000 - 64', 'CHECKR sp, t6',
    'c.addi4spn a0, sp, 16', 'li t6, 0x80090000 - 48', 'CHECKR a0, t6', 'mv sp, s0']);
  p.check('c.mv, c.add', ['li a1, 40', 'c.mv a0, a1', 'c.add a0, a1', 'CHECK a0, 80']);
  p.check('c.sub, c.xor, c.or, c.and', ['li a0, 12', 'li a1, 10', 'c.sub a0, a1', 'CHECK a0, 2', 'li a0, 12', 'c.xor a0, a1', 'CHECK a0, 6',
    'li a0, 12', 'c.or a0, a1', 'CHECK a0, 14', 'li a0, 12', 'c.and a0, a1', 'CHECK a0, 8']);
  p.check('c.subw, c.addw', ['li a0, 0x7fffffff', 'li a1, -1', 'c.subw a0, a1', `CHECK a0, ${-0x80000000}`, 'li a0, 0xffffffff', 'li a1, 2', 'c.addw a0, a1', 'CHECK a0, 1']);
  p.check('c.slli, c.srli, c.srai, c.andi', ['li a0, 3', 'c.slli a0, 62', `CHECK a0, ${-(1n << 62n) * 2n + (1n << 62n)}`, 'li a0, -16',
    'c.srai a0, 2', 'CHECK a0, -4', 'li a0, -16', 'c.srli a0, 60', 'CHECK a0, 15', 'li a0, 0x1ff', 'c.andi a0, -16', 'CHECK a0, 0x1f0']);
  p.check('c.sw, c.lw, c.sd, c.ld', ['li a1, SCRATCH', 'li a0, -2', 'c.sw a0, 4(a1)', 'c.lw a2, 4(a1)', 'CHECK a2, -2',
    'li a0, 0x1234567890', 'c.sd a0, 8(a1)', 'c.ld a3, 8(a1)', 'CHECKR a3, a0']);
  p.check('c.swsp, c.lwsp, c.sdsp, c.ldsp', ['mv s0, sp', 'li sp, SCRATCH', 'li a0, 77', 'c.swsp a0, 12(sp)', 'c.lwsp a2, 12(sp)', 'CHECK a2, 77',
    'c.sdsp a0, 16(sp)', 'c.ldsp a3, 16(sp)', 'CHECK a3, 77', 'mv sp, s0']);
  p.check('c.fsd, c.fld, c.fsdsp, c.fldsp', ['li a1, SCRATCH', 'li a0, 0x400921fb54442d18', 'fmv.d.x fa0, a0', 'c.fsd fa0, 24(a1)',
    'c.fld fa1, 24(a1)', 'fmv.x.d a2, fa1', 'CHECKR a2, a0', 'mv s0, sp', 'mv sp, a1', 'c.fsdsp fa0, 32(sp)', 'c.fldsp fa2, 32(sp)',
    'fmv.x.d a3, fa2', 'CHECKR a3, a0', 'mv sp, s0']);
  p.check('c.j, c.jal-free calls: c.jr, c.jalr', ['li a0, 0', 'c.j 1f', 'li a0, 1', '1: CHECK a0, 0', 'la a1, 2f', 'c.jalr a1', 'j 3f',
    '2: c.mv a2, ra', 'c.jr ra', '3: la t6, 2b', 'addi t6, t6, -6', 'nop']);
  p.check('c.beqz, c.bnez', ['li a0, 0', 'li a1, 0', 'c.beqz a1, 1f', 'li a0, 1', '1: CHECK a0, 0', 'li a1, 5', 'c.bnez a1, 2f', 'li a0, 1', '2: CHECK a0, 0']);
  p.check('a 32-bit instruction straddling a page boundary', [
    'la a1, straddle', 'jalr ra, 0(a1)', 'CHECK a0, 123',
  ]);
  p.check('the all-zero parcel is illegal', ['la t0, trap_skip', 'csrw mtvec, t0', 'li s11, 0', 'la a1, zero_parcel', 'jalr ra, 0(a1)',
    'CHECK s11, 2', 'la t0, trap_unexpected', 'csrw mtvec, t0'], { mOnly: true });
  // Code placed at the end of a page: a 2-byte nop then a 4-byte li crossing into the next page.
  p.tail.push('  .balign 4096', '  .skip 4092', 'straddle:', '  c.nop', '  .option push', '  .option norvc', '  li a0, 123',
    '  .option pop', '  ret', 'zero_parcel:', '  .2byte 0', '  ret');
  await p.runInEveryMode();
});
