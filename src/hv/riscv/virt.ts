// The RISC-V "virt" machine's physical map and its device tree, close to QEMU's `-M virt` so
// that guest kernels configured for QEMU boot unchanged:
//   0x00100000  test finisher / syscon (pass/poweroff 0x5555, reboot 0x7777)
//   0x02000000  CLINT
//   0x0c000000  PLIC
//   0x10000000  16550 UART (PLIC source 10)
//   0x10001000  virtio-mmio slots, 0x1000 apart (PLIC sources 1..8)
//   0x80000000  RAM
import { FdtNode, buildDtb, cells, u64s, str, strs, EMPTY } from '../fdt.js';
import { TIMEBASE_HZ } from '../clock.js';
import { Irq } from './engine.js';

export const VIRT = {
  TEST_BASE: 0x100000,
  CLINT_BASE: 0x2000000,
  PLIC_BASE: 0xc000000,
  PLIC_SIZE: 0x4000000,
  UART_BASE: 0x10000000,
  UART_IRQ: 10,
  VIRTIO_BASE: 0x10001000,
  VIRTIO_STRIDE: 0x1000,
  VIRTIO_SLOTS: 8,
  VIRTIO_IRQ: 1,
  RAM_BASE: 0x80000000,
} as const;

export const ISA = 'rv64imafdc';

export interface VirtDtOptions {
  ramSize: number;
  harts: number;
  bootargs: string;
  initrd?: { start: number; end: number };
  /** Occupied virtio-mmio slots (0-based). */
  virtioSlots: number[];
  /** Bytes for /chosen/rng-seed, so the guest's RNG is seeded before any device is up. */
  rngSeed?: Uint8Array;
}

// phandles
const PH_PLIC = 1;
const PH_TEST = 2;
const phCpuIntc = (hart: number) => 0x10 + hart;
const phCpu = (hart: number) => 0x100 + hart;

export function virtDeviceTree(o: VirtDtOptions): FdtNode {
  const root = new FdtNode('');
  root.prop('#address-cells', cells(2)).prop('#size-cells', cells(2))
    .prop('compatible', str('riscv-virtio')).prop('model', str('macrohard,riscv-virt'));
  const chosen = root.child('chosen');
  chosen.prop('bootargs', str(o.bootargs)).prop('stdout-path', str(`/soc/serial@${VIRT.UART_BASE.toString(16)}`));
  if (o.initrd) chosen.prop('linux,initrd-start', u64s(o.initrd.start)).prop('linux,initrd-end', u64s(o.initrd.end));
  if (o.rngSeed) chosen.prop('rng-seed', o.rngSeed);
  root.child(`memory@${VIRT.RAM_BASE.toString(16)}`).prop('device_type', str('memory')).prop('reg', u64s(VIRT.RAM_BASE, o.ramSize));

  const cpus = root.child('cpus');
  cpus.prop('#address-cells', cells(1)).prop('#size-cells', cells(0)).prop('timebase-frequency', cells(TIMEBASE_HZ));
  for (let h = 0; h < o.harts; h++) {
    const cpu = cpus.child(`cpu@${h}`);
    cpu.prop('device_type', str('cpu')).prop('reg', cells(h)).prop('status', str('okay'))
      .prop('compatible', str('riscv')).prop('riscv,isa', str(ISA)).prop('mmu-type', str('riscv,sv48'))
      .prop('phandle', cells(phCpu(h)));
    cpu.child('interrupt-controller').prop('#interrupt-cells', cells(1)).prop('interrupt-controller', EMPTY)
      .prop('compatible', str('riscv,cpu-intc')).prop('phandle', cells(phCpuIntc(h)));
  }
  const cluster = cpus.child('cpu-map').child('cluster0');
  for (let h = 0; h < o.harts; h++) cluster.child(`core${h}`).prop('cpu', cells(phCpu(h)));

  const soc = root.child('soc');
  soc.prop('#address-cells', cells(2)).prop('#size-cells', cells(2)).prop('compatible', str('simple-bus')).prop('ranges', EMPTY);
  soc.child(`test@${VIRT.TEST_BASE.toString(16)}`).prop('compatible', strs('sifive,test1', 'sifive,test0', 'syscon'))
    .prop('reg', u64s(VIRT.TEST_BASE, 0x1000)).prop('phandle', cells(PH_TEST));
  // No syscon-poweroff node: Linux powers off through SBI SRST, and with both it logs a failed probe.
  soc.child('reboot').prop('compatible', str('syscon-reboot')).prop('regmap', cells(PH_TEST)).prop('offset', cells(0)).prop('value', cells(0x7777));

  const clintIrqs: number[] = [];
  const plicIrqs: number[] = [];
  for (let h = 0; h < o.harts; h++) {
    clintIrqs.push(phCpuIntc(h), Irq.MSI, phCpuIntc(h), Irq.MTI);
    plicIrqs.push(phCpuIntc(h), Irq.MEI, phCpuIntc(h), Irq.SEI);
  }
  soc.child(`clint@${VIRT.CLINT_BASE.toString(16)}`).prop('compatible', strs('sifive,clint0', 'riscv,clint0'))
    .prop('reg', u64s(VIRT.CLINT_BASE, 0x10000)).prop('interrupts-extended', cells(...clintIrqs));
  soc.child(`plic@${VIRT.PLIC_BASE.toString(16)}`).prop('compatible', strs('sifive,plic-1.0.0', 'riscv,plic0'))
    .prop('reg', u64s(VIRT.PLIC_BASE, VIRT.PLIC_SIZE)).prop('#address-cells', cells(0)).prop('#interrupt-cells', cells(1))
    .prop('interrupt-controller', EMPTY).prop('riscv,ndev', cells(63)).prop('interrupts-extended', cells(...plicIrqs))
    .prop('phandle', cells(PH_PLIC));
  soc.child(`serial@${VIRT.UART_BASE.toString(16)}`).prop('compatible', str('ns16550a')).prop('reg', u64s(VIRT.UART_BASE, 0x100))
    .prop('clock-frequency', cells(3686400)).prop('interrupt-parent', cells(PH_PLIC)).prop('interrupts', cells(VIRT.UART_IRQ));
  for (const slot of o.virtioSlots) {
    const base = VIRT.VIRTIO_BASE + slot * VIRT.VIRTIO_STRIDE;
    soc.child(`virtio_mmio@${base.toString(16)}`).prop('compatible', str('virtio,mmio')).prop('reg', u64s(base, VIRT.VIRTIO_STRIDE))
      .prop('interrupt-parent', cells(PH_PLIC)).prop('interrupts', cells(VIRT.VIRTIO_IRQ + slot));
  }
  return root;
}

export function virtDtb(o: VirtDtOptions): Uint8Array {
  return buildDtb(virtDeviceTree(o));
}
