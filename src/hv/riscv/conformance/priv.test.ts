// Privileged-architecture conformance (the riscv-tests rv64mi/rv64si groups, and virtual memory):
// ecall/ebreak causes from each mode, CSR privilege and read-only checks, mret/sret and the
// status stack, delegation, vectored interrupts from mip.SSIP, WFI, MPRV, and Sv39/Sv48 page
// tables built by the program itself: permissions, U/SUM/MXR, A/D updates, superpages, faults.
import { test } from 'node:test';
import { Program, needsToolchain } from './suite.js';

/** Runs `body` in `mode` (0 U, 1 S) and comes back to M-mode at the next line; s11 = mcause of the trap that ended it. */
function inMode(mode: number, body: string[], label: string, alias = 0): string[] {
  return [
    `la s9, ${label}_back`, 'la t0, trap_return', 'csrw mtvec, t0', 'li t0, 0x1800', 'csrc mstatus, t0',
    `li t0, ${mode << 11}`, 'csrs mstatus, t0', `la t0, ${label}_go`, ...(alias ? [`li t1, ${alias}`, 'add t0, t0, t1'] : []),
    'csrw mepc, t0', 'mret', `${label}_go:`, ...body, 'ecall', `${label}_back:`, 'la t0, trap_unexpected', 'csrw mtvec, t0',
  ];
}

test('rv64mi/si: traps, CSR rules, delegation, interrupts', needsToolchain(), async () => {
  const p = new Program();
  p.check('ecall from M, S and U', [...inMode(3, [], 'em'), 'CHECK s11, 11', ...inMode(1, [], 'es'), 'CHECK s11, 9', ...inMode(0, [], 'eu'), 'CHECK s11, 8']);
  p.check('ebreak sets mtval to its pc', [...inMode(3, ['ebrk: ebreak'], 'eb'), 'CHECK s11, 3', 'la t6, ebrk', 'CHECKR s10, t6']);
  p.check('an M-mode CSR from S-mode is illegal', [...inMode(1, ['csrr a0, mstatus'], 'cs'), 'CHECK s11, 2']);
  p.check('writing a read-only CSR is illegal', [...inMode(3, ['csrw mhartid, zero'], 'ro'), 'CHECK s11, 2']);
  p.check('reading a read-only CSR with csrrs x0 is fine', ['csrrs a0, mhartid, zero', 'CHECK a0, 0']);
  p.check('sret from U is illegal; mret from S is illegal', [...inMode(0, ['sret'], 'su'), 'CHECK s11, 2', ...inMode(1, ['mret'], 'ms'), 'CHECK s11, 2']);
  p.check('misa says RV64 IMAFDCSU', ['csrr a0, misa', 'li t6, 0x800000000014112d', 'CHECKR a0, t6']);
  p.check('mret restores MIE from MPIE and sets MPP to U', ['li t0, 0x1888', 'csrc mstatus, t0', 'li t0, 0x1880', 'csrs mstatus, t0',
    'la t0, 1f', 'csrw mepc, t0', 'mret', '1: csrr a0, mstatus', 'andi a1, a0, 0x88', 'CHECK a1, 0x88', 'srli a0, a0, 11', 'andi a0, a0, 3', 'CHECK a0, 0',
    'csrci mstatus, 8']);
  p.check('a delegated ecall from U goes to stvec; sstatus records SPP and SPIE', [
    'la t0, s_handler', 'csrw stvec, t0', 'li t0, 0x100', 'csrw medeleg, t0', 'li s8, 0',
    ...inMode(0, ['li a0, 5'], 'dg'), // the U-mode ecall goes to s_handler, which ecalls to M from S
    'CHECK s11, 9', 'CHECK s8, 8', 'csrw medeleg, zero']);
  p.check('sstatus is a view of mstatus', ['li t0, 0x40000', 'csrs sstatus, t0', 'csrr a0, mstatus', 'and a0, a0, t0', 'CHECKR a0, t0', 'csrc mstatus, t0',
    'csrr a0, sstatus', 'and a0, a0, t0', 'CHECK a0, 0', 'csrr a1, sstatus', 'srli a1, a1, 32', 'andi a1, a1, 3', 'CHECK a1, 2']);
  p.check('a software interrupt set in mip.SSIP is taken in S-mode when delegated', [
    'la t0, s_irq', 'csrw stvec, t0', 'li t0, 2', 'csrw mideleg, t0', 'csrw mie, t0', 'li s8, 0',
    ...inMode(1, ['csrsi sstatus, 2', 'csrsi sip, 2', 'nop', 'nop'], 'si'),
    'CHECK s11, 9', 'li t6, 0x8000000000000001', 'CHECKR s8, t6', 'csrw mideleg, zero', 'csrw mie, zero', 'csrci mip, 2']);
  p.check('an interrupt pending while disabled is not taken; wfi with it pending does not stop', [
    'li t0, 8', 'csrw mie, t0', 'csrsi mip, 0', 'csrw mie, zero', 'li a0, 1', 'CHECK a0, 1']);
  p.check('M-mode interrupt through a vectored mtvec', [
    'la t0, m_vec', 'ori t0, t0, 1', 'csrw mtvec, t0', 'li t0, 2', 'csrw mie, t0', 'li s8, 0', 'csrsi mstatus, 8', 'csrsi mip, 2', 'nop',
    'csrci mstatus, 8', 'li t6, 0x8000000000000001', 'CHECKR s8, t6', 'la t0, trap_unexpected', 'csrw mtvec, t0', 'csrw mie, zero']);
  p.check('mstatus.MPRV makes M-mode loads use MPP translation (bare here: same data)', ['li t0, 0x20000', 'csrs mstatus, t0', 'li a1, SCRATCH',
    'li a2, 99', 'sd a2, 0(a1)', 'ld a0, 0(a1)', 'csrc mstatus, t0', 'CHECK a0, 99']);
  p.check('minstret counts instructions', ['csrr a0, minstret', 'nop', 'nop', 'csrr a1, minstret', 'sub a1, a1, a0', 'CHECK a1, 3']);
  p.check('unknown CSR is illegal', [...inMode(3, ['csrr a0, 0x7c0'], 'uk'), 'CHECK s11, 2']);
  p.tail.push(
    '  .align 2',
    's_handler:', '  csrr s8, scause', '  ecall',
    '  .align 2',
    's_irq:', '  csrr s8, scause', '  csrci sip, 2', '  ecall',
    '  .align 6', '  .option push', '  .option norvc', // vector entries are 4 bytes apart
    'm_vec:', '  j fail', '  csrr s8, mcause', '  csrci mip, 2', '  mret', '  .option pop',
  );
  await p.run();
});

// Page tables at fixed scratch addresses; leaf PTE bits V R W X U G A D = 1 2 4 8 16 32 64 128.
const ROOT = 0x80090000;
const L1 = 0x80091000;
const L0 = 0x80092000;
const DATA = 0x800a0000;
const CODE_ALIAS = 0x40000000; // VA 0xC0000000 -> PA 0x80000000, user-accessible
const pte = (pa: number, flags: number) => `${(BigInt(pa) >> 12n << 10n) | BigInt(flags)}`;

/** Sv39: VA 0 (gigapage) -> PA 0 for the finisher; VA 0x80000000 -> itself; VA 0xC0000000 -> PA 0x80000000 with U;
 * VA 0x40000000 (4 KiB, through L1 and L0) -> DATA with `dataFlags`. */
function sv39(dataFlags: number): string[] {
  return [
    `li a1, ${ROOT}`, 'li a2, 0', 'li a3, 512*3', '1: sd zero, 0(a1)', 'addi a1, a1, 8', 'addi a3, a3, -1', 'bnez a3, 1b',
    `li a1, ${ROOT}`,
    `li a2, ${pte(0, 0xcf)}`, 'sd a2, 0(a1)',
    `li a2, ${pte(L1, 1)}`, 'sd a2, 8(a1)',
    `li a2, ${pte(0x80000000, 0xcf)}`, 'sd a2, 16(a1)',
    `li a2, ${pte(0x80000000, 0xdf)}`, 'sd a2, 24(a1)',
    `li a1, ${L1}`, `li a2, ${pte(L0, 1)}`, 'sd a2, 0(a1)',
    `li a1, ${L0}`, `li a2, ${pte(DATA, dataFlags)}`, 'sd a2, 0(a1)',
    `li a1, ${DATA}`, 'li a2, 0x600d', 'sd a2, 0(a1)',
    `li a0, ${(8n << 60n) | (BigInt(ROOT) >> 12n)}`, 'csrw satp, a0', 'sfence.vma',
  ];
}

test('Sv39 and Sv48: translation, permissions, SUM, MXR, A/D, faults', needsToolchain(), async () => {
  const p = new Program();
  p.check('S-mode load through a 4 KiB mapping', [...sv39(0xc7), ...inMode(1, ['li a1, 0x40000000', 'ld a0, 0(a1)'], 'v1'), 'CHECK s11, 9', 'CHECK a0, 0x600d']);
  p.check('S-mode store sets D; load sets A', [...sv39(0x07), ...inMode(1, ['li a1, 0x40000000', 'ld a0, 0(a1)', 'sd a0, 8(a1)'], 'v2'), 'CHECK s11, 9',
    `li a1, ${L0}`, 'ld a2, 0(a1)', 'andi a2, a2, 0xc0', 'CHECK a2, 0xc0']);
  p.check('store to a read-only page is a store page fault with stval', [...sv39(0xc3), ...inMode(1, ['li a1, 0x40000008', 'sd a0, 0(a1)'], 'v3'),
    'CHECK s11, 15', 'li t6, 0x40000008', 'CHECKR s10, t6']);
  p.check('load from an unmapped address is a load page fault', [...sv39(0xc7), ...inMode(1, ['li a1, 0x40200000', 'ld a0, 0(a1)'], 'v4'), 'CHECK s11, 13']);
  p.check('a non-canonical address faults', [...sv39(0xc7), ...inMode(1, ['li a1, 0x0000008000000000', 'ld a0, 0(a1)'], 'v5'), 'CHECK s11, 13']);
  p.check('S-mode load from a U page faults without SUM and works with it', [...sv39(0xd7), ...inMode(1, ['li a1, 0x40000000', 'ld a0, 0(a1)'], 'v6'), 'CHECK s11, 13',
    'li t0, 0x40000', 'csrs mstatus, t0', ...inMode(1, ['li a1, 0x40000000', 'ld a0, 0(a1)'], 'v7'), 'CHECK s11, 9', 'CHECK a0, 0x600d', 'li t0, 0x40000', 'csrc mstatus, t0']);
  p.check('MXR makes execute-only pages readable', [...sv39(0xc9), ...inMode(1, ['li a1, 0x40000000', 'ld a0, 0(a1)'], 'v8'), 'CHECK s11, 13',
    'li t0, 0x80000', 'csrs mstatus, t0', ...inMode(1, ['li a1, 0x40000000', 'ld a0, 0(a1)'], 'v9'), 'CHECK s11, 9', 'li t0, 0x80000', 'csrc mstatus, t0']);
  p.check('U-mode runs from a U alias, reads a U page, faults on a supervisor page', [...sv39(0xd7),
    ...inMode(0, ['li a1, 0x40000000', 'ld a0, 0(a1)'], 'v10', CODE_ALIAS), 'CHECK s11, 8', 'CHECK a0, 0x600d',
    ...inMode(0, ['li a1, 0x80080000', 'ld a0, 0(a1)'], 'v11', CODE_ALIAS), 'CHECK s11, 13']);
  p.check('U-mode fetch from a supervisor page is an instruction page fault', [...sv39(0xc7), ...inMode(0, ['nop'], 'v12'), 'CHECK s11, 12']);
  p.check('M-mode with MPRV and MPP=S translates loads', [...sv39(0xc7), 'li t0, 0x1800', 'csrc mstatus, t0', 'li t0, 0x20800', 'csrs mstatus, t0',
    'li a1, 0x40000000', 'ld a0, 0(a1)', 'li t0, 0x20000', 'csrc mstatus, t0', 'CHECK a0, 0x600d']);
  p.check('sfence.vma makes a changed PTE visible', [...sv39(0xc7), ...inMode(1, ['li a1, 0x40000000', 'ld a0, 0(a1)',
    `li a2, ${L0}`, `li a3, ${pte(DATA + 0x1000, 0xc7)}`, 'sd a3, 0(a2)', 'sfence.vma', 'ld a4, 0(a1)'], 'v13'), 'CHECK s11, 9', 'CHECK a4, 0']);
  p.check('a misaligned superpage PTE faults', [...sv39(0xc7), `li a1, ${L1}`, `li a2, ${pte(0x80001000, 0xcf)}`, 'sd a2, 8(a1)',
    ...inMode(1, ['li a1, 0x40200000', 'ld a0, 0(a1)'], 'v14'), 'CHECK s11, 13']);
  p.check('Sv48: a four-level walk', [...sv39(0xc7),
    // Move the Sv39 root under a new level-3 root: VA 0..512 GiB uses it unchanged.
    'li a1, 0x80093000', `li a2, ${pte(ROOT, 1)}`, 'sd a2, 0(a1)', `li a0, ${(9n << 60n) | (0x80093000n >> 12n)}`, 'csrw satp, a0', 'csrr a3, satp',
    'srli a3, a3, 60', 'CHECK a3, 9', ...inMode(1, ['li a1, 0x40000000', 'ld a0, 0(a1)'], 'v15'), 'CHECK s11, 9', 'CHECK a0, 0x600d']);
  p.check('satp back to Bare', ['csrw satp, zero', 'csrr a0, satp', 'CHECK a0, 0']);
  await p.run();
});
