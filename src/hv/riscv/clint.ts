// The SiFive CLINT ("sifive,clint0"): per-hart machine software interrupts and the machine timer.
//   0x0000 + 4*hart   msip       bit 0 drives the hart's MSIP
//   0x4000 + 8*hart   mtimecmp   MTIP is high while mtime >= mtimecmp
//   0xbff8            mtime      the timebase counter (read-only here: it follows the clock)
// Only M-mode software (firmware, bare-metal tests) uses it; S-mode Linux sets its timer through
// SBI, which the machine answers with the same clock. tick() re-evaluates MTIP after time moves.
import type { AccessSize, DeviceState, MmioDevice } from '../device.js';
import type { Clock } from '../clock.js';
import { Irq } from './engine.js';

const MSIP_BASE = 0x0000;
const MTIMECMP_BASE = 0x4000;
const MTIME = 0xbff8;

export interface ClintHart {
  setLine(irq: Irq, level: boolean): void;
}

export class Clint implements MmioDevice {
  readonly name = 'clint';
  readonly size = 0x10000;
  private readonly msip: number[];
  private readonly mtimecmp: bigint[];
  /** MTIP as last driven, so lines are only touched on a change (touching a hart can cost a switch). */
  private readonly mtip: boolean[];

  constructor(private readonly harts: ClintHart[], private readonly clock: Clock) {
    this.msip = harts.map(() => 0);
    this.mtimecmp = harts.map(() => 0xffffffffffffffffn);
    this.mtip = harts.map(() => false);
  }

  read(offset: number, _size: AccessSize): number {
    if (offset >= MSIP_BASE && offset < MSIP_BASE + 4 * this.harts.length) return this.msip[offset >> 2]!;
    if (offset >= MTIMECMP_BASE && offset < MTIMECMP_BASE + 8 * this.harts.length) {
      const v = this.mtimecmp[(offset - MTIMECMP_BASE) >> 3]!;
      return Number(offset & 4 ? v >> 32n : v & 0xffffffffn);
    }
    if (offset === MTIME || offset === MTIME + 4) {
      const t = this.clock.now();
      return Number(offset & 4 ? t >> 32n : t & 0xffffffffn);
    }
    return 0;
  }

  write(offset: number, _size: AccessSize, value: number): void {
    if (offset >= MSIP_BASE && offset < MSIP_BASE + 4 * this.harts.length) {
      const h = offset >> 2;
      this.msip[h] = value & 1;
      this.harts[h]!.setLine(Irq.MSI, (value & 1) === 1);
      return;
    }
    if (offset >= MTIMECMP_BASE && offset < MTIMECMP_BASE + 8 * this.harts.length) {
      const h = (offset - MTIMECMP_BASE) >> 3;
      const old = this.mtimecmp[h]!;
      const v = BigInt(value >>> 0);
      this.mtimecmp[h] = offset & 4 ? (old & 0xffffffffn) | (v << 32n) : (old & 0xffffffff00000000n) | v;
      this.tick();
    }
  }

  /** Re-evaluates every hart's MTIP against the clock. */
  tick(): void {
    const t = this.clock.now();
    this.harts.forEach((h, i) => {
      const level = t >= this.mtimecmp[i]!;
      if (level !== this.mtip[i]) {
        this.mtip[i] = level;
        h.setLine(Irq.MTI, level);
      }
    });
  }

  /** The earliest mtimecmp still in the future, for an idle machine's sleep; undefined when none is armed. */
  nextDeadline(): bigint | undefined {
    const t = this.clock.now();
    let best: bigint | undefined;
    for (const c of this.mtimecmp) if (c > t && c !== 0xffffffffffffffffn && (best === undefined || c < best)) best = c;
    return best;
  }

  save(): DeviceState {
    return { msip: [...this.msip], mtimecmp: this.mtimecmp.map(String) };
  }

  restore(s: DeviceState): void {
    (s['msip'] as number[]).forEach((v, i) => {
      this.msip[i] = v;
      this.harts[i]?.setLine(Irq.MSI, v === 1);
    });
    (s['mtimecmp'] as string[]).forEach((v, i) => (this.mtimecmp[i] = BigInt(v)));
    this.tick();
  }
}
