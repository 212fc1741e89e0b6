// Hand-encoded instruction tests for the RISC-V core: no toolchain needed. Each program is a
// few words built with encode.ts, run from 0x80000000 in M-mode on the bare test machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from './encode.js';
import { runBare, RAM_BASE } from './testing/bare.js';
import { Exit, Irq, Priv } from './engine.js';

const HALT = E.WFI; // with no interrupt enabled, WFI returns to the host: the end of a program

async function exec(words: number[]) {
  return runBare(E.toBytes([...words, HALT]), { maxInstructions: 10_000 });
}

/** Runs `words` with mtvec pointing at a WFI at RAM_BASE + 0x100, so the first trap halts. */
async function execTrapping(words: number[]) {
  const image = new Array(0x104 / 4).fill(E.NOP);
  [...E.li(31, RAM_BASE + 0x100), E.csrw(0x305, 31), ...words, HALT].forEach((w, i) => (image[i] = w));
  image[0x100 / 4] = HALT;
  return runBare(E.toBytes(image), { maxInstructions: 10_000 });
}

test('addi, add, sub and x0 stays zero', async () => {
  const { hart, exit } = await exec([E.addi(1, 0, 5), E.addi(2, 0, -7), E.add(3, 1, 2), E.sub(4, 1, 2), E.addi(0, 0, 9)]);
  assert.equal(exit, Exit.Wfi);
  assert.equal(hart.x(3), -2n);
  assert.equal(hart.x(4), 12n);
  assert.equal(hart.x(0), 0n);
});

test('li builds 64-bit constants', async () => {
  const values = [0n, 1n, -1n, 2047n, -2048n, 0x12345678n, -0x80000000n, 0x7fffffffn, 0x123456789abcdef0n, -0x7edcba9876543211n, 0x8000000000000000n];
  for (const v of values) {
    const { hart } = await exec(E.li(5, v));
    assert.equal(BigInt.asUintN(64, hart.x(5)), BigInt.asUintN(64, v), `li ${v}`);
  }
});

test('lui and auipc sign-extend their 32-bit result', async () => {
  const { hart } = await exec([E.lui(1, 0x80000), E.auipc(2, 1)]);
  assert.equal(hart.x(1), -0x80000000n);
  assert.equal(hart.x(2), BigInt(RAM_BASE + 4 + 0x1000));
});

test('mul, mulhu and division by zero follow the M extension', async () => {
  const { hart } = await exec([
    ...E.li(1, -1), ...E.li(2, -1), E.mulhu(3, 1, 2), E.mul(4, 1, 2), E.div(5, 1, 0),
    ...E.li(6, 0x8000000000000000n), E.div(7, 6, 1),
  ]);
  assert.equal(BigInt.asUintN(64, hart.x(3)), 0xfffffffffffffffen);
  assert.equal(hart.x(4), 1n);
  assert.equal(hart.x(5), -1n);
  assert.equal(BigInt.asUintN(64, hart.x(7)), 0x8000000000000000n);
});

test('loads and stores, including a misaligned doubleword', async () => {
  const { hart } = await exec([
    ...E.li(1, RAM_BASE + 0x1000), ...E.li(2, 0x1122334455667788n),
    E.sd(2, 1, 0), E.lw(3, 1, 0), E.lbu(4, 1, 7), E.sd(2, 1, 13), E.ld(5, 1, 13), E.sb(2, 1, 100), E.lbu(6, 1, 100),
  ]);
  assert.equal(hart.x(3), 0x55667788n);
  assert.equal(hart.x(4), 0x11n);
  assert.equal(hart.x(5), 0x1122334455667788n);
  assert.equal(hart.x(6), 0x88n);
  assert.equal(hart.ram.u64(RAM_BASE + 0x1000), 0x1122334455667788n);
});

test('branches and jal/jalr link and jump', async () => {
  const { hart } = await exec([
    E.addi(1, 0, 3), // 0
    E.addi(2, 2, 1), // 4: loop: x2++
    E.bne(2, 1, -4), // 8
    E.jal(5, 8), // 12 -> 20
    E.addi(6, 0, 99), // 16 (skipped)
    E.addi(7, 0, 1), // 20
  ]);
  assert.equal(hart.x(2), 3n);
  assert.equal(hart.x(5), BigInt(RAM_BASE + 16));
  assert.equal(hart.x(6), 0n);
  assert.equal(hart.x(7), 1n);
});

test('compressed instructions run from the expansion table', async () => {
  // c.li a0, 5 (0x4515); c.addi a0, 3 (0x050d); c.mv a1, a0 (0x85aa); c.slli a1, 2 (0x058a); then wfi
  const bytes = new Uint8Array([0x15, 0x45, 0x0d, 0x05, 0xaa, 0x85, 0x8a, 0x05, 0x73, 0x00, 0x50, 0x10]);
  const { hart, exit } = await runBare(bytes, { maxInstructions: 100 });
  assert.equal(exit, Exit.Wfi);
  assert.equal(hart.x(10), 8n);
  assert.equal(hart.x(11), 32n);
});

test('an illegal instruction traps to mtvec with mcause 2 and mtval the instruction', async () => {
  const { hart } = await execTrapping([0xffffffff]);
  assert.equal(hart.csr(0x342), 2n);
  assert.equal(hart.csr(0x343), 0xffffffffn);
  assert.equal(hart.csr(0x341), BigInt(RAM_BASE + 4 * (E.li(31, RAM_BASE + 0x100).length + 1)));
  assert.equal(hart.priv, Priv.M);
});

test('ecall from U-mode is delivered to S-mode when delegated, and sret returns', async () => {
  const handler = 0x200;
  const prog = [
    ...E.li(1, RAM_BASE + handler), E.csrw(0x105, 1), // stvec
    ...E.li(1, 1 << 8), E.csrw(0x302, 1), // medeleg: ecall from U
    ...E.li(1, RAM_BASE + 0x100), E.csrw(0x341, 1), // mepc = user code
    E.csrw(0x300, 0), // mstatus.MPP = U
    E.MRET,
  ];
  const words = new Array(0x300 / 4).fill(E.NOP);
  prog.forEach((w, i) => (words[i] = w));
  words[0x100 / 4] = E.addi(10, 0, 42);
  words[0x104 / 4] = E.ECALL;
  words[0x108 / 4] = E.addi(11, 0, 7);
  words[0x10c / 4] = E.ECALL;
  // S-mode handler: count calls in x12, return past the ecall, halt on the second.
  words[handler / 4] = E.addi(12, 12, 1);
  words[handler / 4 + 1] = E.csrr(13, 0x141);
  words[handler / 4 + 2] = E.addi(13, 13, 4);
  words[handler / 4 + 3] = E.csrw(0x141, 13);
  words[handler / 4 + 4] = E.addi(14, 0, 2);
  words[handler / 4 + 5] = E.beq(12, 14, 8);
  words[handler / 4 + 6] = E.SRET;
  words[handler / 4 + 7] = HALT;
  const { hart, exit } = await runBare(E.toBytes(words), { maxInstructions: 1000 });
  assert.equal(exit, Exit.Wfi);
  assert.equal(hart.x(10), 42n);
  assert.equal(hart.x(11), 7n);
  assert.equal(hart.x(12), 2n);
  assert.equal(hart.csr(0x142), 8n); // scause: ecall from U
  assert.equal(hart.priv, Priv.S);
});

test('a satp write with an unsupported mode leaves satp unchanged', async () => {
  const { hart } = await exec([
    ...E.li(1, (8n << 60n) | 0x80123n), E.csrw(0x180, 1), E.csrr(2, 0x180),
    ...E.li(1, (10n << 60n) | 0x80456n), E.csrw(0x180, 1), E.csrr(3, 0x180),
  ]);
  assert.equal(BigInt.asUintN(64, hart.x(2)), (8n << 60n) | 0x80123n);
  assert.equal(BigInt.asUintN(64, hart.x(3)), (8n << 60n) | 0x80123n);
});

test('MMIO stores reach the bus: the finisher stops the run', async () => {
  const { result, exit } = await runBare(E.toBytes([...E.li(1, 0x100000), ...E.li(2, 0x5555), E.sw(2, 1, 0), E.jal(0, 0)]));
  assert.equal(exit, Exit.Stop);
  assert.deepEqual(result, { kind: 'pass' });
});

test('a load from a hole in the physical map is an access fault', async () => {
  const { hart } = await execTrapping([...E.li(2, 0x4000), E.ld(3, 2, 0)]);
  assert.equal(hart.csr(0x342), 5n);
  assert.equal(hart.csr(0x343), 0x4000n);
});

test('hart state survives save and restore', async () => {
  const { hart } = await exec([E.addi(1, 0, 11), ...E.li(2, RAM_BASE + 0x40), E.csrw(0x305, 2), E.csrw(0x340, 1)]);
  const s = hart.save();
  hart.reset(0);
  assert.equal(hart.x(1), 0n);
  hart.restore(JSON.parse(JSON.stringify(s)));
  assert.equal(hart.x(1), 11n);
  assert.equal(hart.csr(0x305), BigInt(RAM_BASE + 0x40));
  assert.equal(hart.csr(0x340), 11n);
  assert.equal(hart.pc, BigInt(s.pc));
});

test('two harts share RAM, keep their own registers and CSRs, and switch cleanly', async () => {
  const { hart } = await runBare(E.toBytes([HALT]), { maxInstructions: 10 });
  const second = hart.addHart(1);
  // Each hart adds its mhartid + 1 to a shared counter 50 times, with amoadd.
  const counter = RAM_BASE + 0x2000;
  const prog = E.toBytes([
    E.csrr(5, 0xf14), E.addi(5, 5, 1), ...E.li(6, counter), E.addi(7, 0, 50),
    E.rType(0x2f, 3, 0, 0, 6, 5), // amoadd.d x0, x5, (x6)
    E.addi(7, 7, -1), E.bne(7, 0, -8), HALT,
  ]);
  hart.ram.write(RAM_BASE + 0x1000, prog);
  hart.reset(RAM_BASE + 0x1000);
  second.reset(RAM_BASE + 0x1000);
  hart.setX(20, 111);
  second.setX(20, 222);
  // Alternate in small batches until both reach WFI.
  let a = Exit.Budget, b = Exit.Budget;
  for (let i = 0; i < 200 && (a !== Exit.Wfi || b !== Exit.Wfi); i++) {
    if (a !== Exit.Wfi) a = hart.run(7);
    if (b !== Exit.Wfi) b = second.run(5);
  }
  assert.equal(hart.ram.u64(counter), 50n * 1n + 50n * 2n);
  assert.equal(hart.x(20), 111n);
  assert.equal(second.x(20), 222n);
  assert.equal(hart.csr(0xf14), 0n);
  assert.equal(second.csr(0xf14), 1n);
  // Lines raised for a hart that is not running land in its own mip.
  second.setLine(Irq.SEI, true);
  hart.run(1);
  assert.equal(((hart.csr(0x344) ?? 0n) >> 9n) & 1n, 0n);
  assert.equal(((second.csr(0x344) ?? 0n) >> 9n) & 1n, 1n);
});
