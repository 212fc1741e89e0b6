// The MMIO bus: guest physical address ranges mapped to device models. Engines call read/write
// on an access that is not RAM; a range with no device answers `undefined`, which the engine turns
// into an access fault (RISC-V) or ignores (x86 convention). Accesses of 8 bytes are split into
// two 4-byte accesses, low half first, so device models only ever see 1, 2 or 4 bytes.
import type { AccessSize, MmioDevice } from './device.js';

export interface Mapping {
  base: number;
  device: MmioDevice;
}

export class MmioBus {
  private readonly maps: Mapping[] = [];
  private last: Mapping | undefined;
  /** Set by a device (e.g. the test finisher) to ask the running engine to return to its host loop. */
  stopRequested = false;

  map(base: number, device: MmioDevice): void {
    for (const m of this.maps) {
      if (base < m.base + m.device.size && m.base < base + device.size) {
        throw new Error(`MMIO range of ${device.name} at 0x${base.toString(16)} overlaps ${m.device.name} at 0x${m.base.toString(16)}`);
      }
    }
    this.maps.push({ base, device });
    this.maps.sort((a, b) => a.base - b.base);
  }

  get mappings(): readonly Mapping[] {
    return this.maps;
  }

  find(pa: number): Mapping | undefined {
    const l = this.last;
    if (l && pa >= l.base && pa < l.base + l.device.size) return l;
    for (const m of this.maps) {
      if (pa >= m.base && pa < m.base + m.device.size) return (this.last = m);
    }
    return undefined;
  }

  /** Reads `size` bytes (1, 2, 4 or 8) at `pa`; undefined when no device decodes it. 8-byte reads give a bigint. */
  read(pa: number, size: number): number | bigint | undefined {
    const m = this.find(pa);
    if (!m || pa + size > m.base + m.device.size) return undefined;
    const off = pa - m.base;
    if (size === 8) {
      const lo = m.device.read(off, 4) >>> 0;
      const hi = m.device.read(off + 4, 4) >>> 0;
      return (BigInt(hi) << 32n) | BigInt(lo);
    }
    return m.device.read(off, size as AccessSize);
  }

  /** Writes `size` bytes; for 8 bytes pass the halves. Returns false when no device decodes `pa`. */
  write(pa: number, size: number, lo: number, hi = 0): boolean {
    const m = this.find(pa);
    if (!m || pa + size > m.base + m.device.size) return false;
    const off = pa - m.base;
    if (size === 8) {
      m.device.write(off, 4, lo >>> 0);
      m.device.write(off + 4, 4, hi >>> 0);
    } else {
      const mask = size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
      m.device.write(off, size as AccessSize, (lo & mask) >>> 0);
    }
    return true;
  }
}
