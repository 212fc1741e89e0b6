// Machine tests that need no guest kernel: refusing malformed kernels before boot, reporting a
// guest that crashes (cause, pc and registers), and the device tree the machine hands over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RiscvMachine } from './machine.js';
import { BootError, IMAGE_HEADER_SIZE } from './boot.js';
import { parseDtb } from '../fdt.js';
import { VirtioMmio } from '../virtio/mmio.js';
import { VirtioRng } from '../virtio/rng.js';

/** A minimal RISC-V Image: the 64-byte header (magic2 "RSC\x05" at 0x38) and then `code`. */
function image(code: number[]): Uint8Array {
  const out = new Uint8Array(IMAGE_HEADER_SIZE + 4 * code.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0x0400006f, true); // code0: j +64, over the header
  dv.setBigUint64(8, 0x200000n, true); // text_offset
  dv.setBigUint64(16, BigInt(out.byteLength), true); // image_size
  dv.setUint32(0x38, 0x05435352, true);
  code.forEach((w, i) => dv.setUint32(IMAGE_HEADER_SIZE + 4 * i, w >>> 0, true));
  return out;
}

const quiet = () => {};

test('a kernel without the Image magic, or an ELF, is refused before boot', async () => {
  await assert.rejects(RiscvMachine.create({ ramSize: 16 << 20, kernel: new Uint8Array(100), cmdline: '', output: quiet }), BootError);
  const elf = new Uint8Array(100);
  elf.set([0x7f, 0x45, 0x4c, 0x46]);
  await assert.rejects(RiscvMachine.create({ ramSize: 16 << 20, kernel: elf, cmdline: '', output: quiet }), /ELF file/);
  await assert.rejects(RiscvMachine.create({ ramSize: 16 << 20, kernel: new Uint8Array(10), cmdline: '', output: quiet }), /too short/);
});

test('RAM too small for kernel, initrd and device tree is refused with sizes', async () => {
  const initrd = new Uint8Array(3 << 20);
  initrd.set([0x1f, 0x8b]);
  await assert.rejects(RiscvMachine.create({ ramSize: 4 << 20, kernel: image([0]), initrd, cmdline: '', output: quiet }), /cannot hold the kernel/);
});

test('an initrd that is neither cpio nor compressed is refused', async () => {
  await assert.rejects(RiscvMachine.create({ ramSize: 16 << 20, kernel: image([0]), initrd: new Uint8Array(100), cmdline: '', output: quiet }), /initrd is neither/);
});

test('a guest that crashes before it has a trap handler stops the machine with a report', async () => {
  // The first instruction after the header is illegal; stvec is still 0, so the guest would trap
  // forever at address 0.
  const m = await RiscvMachine.create({ ramSize: 16 << 20, kernel: image([0xffffffff]), cmdline: '', output: quiet, clock: 'virtual' });
  const exit = await m.run({ maxInstructions: 10_000_000n });
  assert.equal(exit.kind, 'fault');
  assert.ok(exit.kind === 'fault' && /scause 0x0000000000000001/.test(exit.report) && /sepc 0x0000000000000000/.test(exit.report), exit.kind === 'fault' ? exit.report : '');
  assert.ok(exit.kind === 'fault' && /a0 0x0000000000000000/.test(exit.report));
});

test('the boot hart starts in S-mode with a0 = hart id and a1 = a device tree describing the machine', async () => {
  const cpioLike = new Uint8Array(4096).fill(7);
  cpioLike.set(new TextEncoder().encode('070701'));
  const m = await RiscvMachine.create({
    ramSize: 32 << 20, harts: 2, kernel: image([0x10500073]), cmdline: 'console=ttyS0 hello', output: quiet, clock: 'virtual',
    initrd: cpioLike, virtio: [(irq, mach) => new VirtioMmio(mach.hart.ram, irq, new VirtioRng())],
  });
  const a1 = Number(m.hart.x(11));
  assert.equal(m.hart.x(10), 0n);
  const { root } = parseDtb(m.hart.ram.slice(a1, m.dtb.byteLength));
  assert.deepEqual(root.find('/chosen')!.getStrings('bootargs'), ['console=ttyS0 hello']);
  assert.deepEqual(root.find('/memory@80000000')!.getCells('reg'), [0, 0x80000000, 0, 32 << 20]);
  assert.deepEqual(root.find('/cpus/cpu@1')!.getStrings('riscv,isa'), ['rv64imafdc']);
  assert.deepEqual(root.find('/soc/serial@10000000')!.getCells('interrupts'), [10]);
  assert.deepEqual(root.find('/soc/virtio_mmio@10001000')!.getStrings('compatible'), ['virtio,mmio']);
  const start = root.find('/chosen')!.getCells('linux,initrd-start')!;
  const end = root.find('/chosen')!.getCells('linux,initrd-end')!;
  const initrdAt = start[0]! * 2 ** 32 + start[1]!;
  assert.equal(end[1]! - start[1]!, 4096);
  assert.deepEqual(m.hart.ram.read(initrdAt, 4096), cpioLike);
  assert.ok(initrdAt > 0x80200000 && initrdAt < a1, 'initrd between the kernel and the device tree');
});
