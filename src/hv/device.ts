// The device layer's contracts, shared by every engine. A device model is narrow: a window of
// registers on the MMIO bus, interrupt lines it raises, and a snapshot of its state. The RISC-V
// engine reaches devices through its core's MMIO exits; a KVM engine through KVM_EXIT_MMIO. In
// both cases accesses arrive here as (offset, size, value) with sizes of 1, 2 or 4 bytes: the
// bus splits 8-byte accesses into two 4-byte halves, low half first.

export type AccessSize = 1 | 2 | 4;

/** A level-triggered interrupt line into the machine's interrupt controller (PLIC, or KVM's irqchip). */
export interface IrqLine {
  set(level: boolean): void;
}

/** A JSON-compatible snapshot of a device's state. */
export type DeviceState = { [key: string]: unknown };

export interface MmioDevice {
  /** The device-tree node name stem and what logs call it, e.g. "serial", "virtio_mmio". */
  readonly name: string;
  /** Bytes of register space the device decodes. */
  readonly size: number;
  /** Reads a register; unsigned value of `size` bytes. Unknown registers read as 0. */
  read(offset: number, size: AccessSize): number;
  /** Writes a register; unknown registers ignore writes. */
  write(offset: number, size: AccessSize, value: number): void;
  save(): DeviceState;
  restore(state: DeviceState): void;
}

/** An IrqLine that records its level; for tests and for devices not yet wired to a controller. */
export class LatchedIrq implements IrqLine {
  level = false;
  changes = 0;
  set(level: boolean): void {
    if (level !== this.level) this.changes++;
    this.level = level;
  }
}
