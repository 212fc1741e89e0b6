// The platform-level interrupt controller ("sifive,plic-1.0.0"), with the register map of the
// RISC-V PLIC specification:
//   0x000000 + 4*source          priority (0 = never interrupts)
//   0x001000 + 4*(source/32)     pending bits (read-only)
//   0x002000 + 0x80*context      enable bits, 32 sources per word
//   0x200000 + 0x1000*context    threshold; +4 claim (read) / complete (write)
// Contexts come in pairs per hart, as on QEMU's virt machine: 2h is the hart's M-mode (MEIP),
// 2h+1 its S-mode (SEIP). Sources are level-triggered through a gateway: a source becomes pending
// while its line is high and it is not being served; claim clears pending, complete ends service.
import type { AccessSize, DeviceState, IrqLine, MmioDevice } from '../device.js';
import { Irq } from './engine.js';

const PRIORITY_BASE = 0x000000;
const PENDING_BASE = 0x001000;
const ENABLE_BASE = 0x002000;
const ENABLE_STRIDE = 0x80;
const CONTEXT_BASE = 0x200000;
const CONTEXT_STRIDE = 0x1000;

export const PLIC_SOURCES = 64; // sources 1..63; 0 means "none"

export interface PlicHart {
  setLine(irq: Irq, level: boolean): void;
}

export class Plic implements MmioDevice {
  readonly name = 'plic';
  readonly size = 0x4000000;
  private readonly priority = new Uint32Array(PLIC_SOURCES);
  private readonly level = new Uint8Array(PLIC_SOURCES);
  private readonly pending = new Uint8Array(PLIC_SOURCES);
  private readonly claimed = new Uint8Array(PLIC_SOURCES);
  private readonly enable: Uint32Array[];
  private readonly threshold: Uint32Array;
  private readonly contexts: number;
  /** Each context's output as last driven: lines are only touched on a change. */
  private readonly out: boolean[];

  constructor(private readonly harts: PlicHart[]) {
    this.contexts = 2 * harts.length;
    this.enable = Array.from({ length: this.contexts }, () => new Uint32Array(PLIC_SOURCES / 32));
    this.threshold = new Uint32Array(this.contexts);
    this.out = Array.from({ length: this.contexts }, () => false);
  }

  /** The interrupt line of `source` (1..PLIC_SOURCES-1), for a device to raise. */
  line(source: number): IrqLine {
    if (source < 1 || source >= PLIC_SOURCES) throw new RangeError(`PLIC source ${source} out of range`);
    return { set: (level: boolean) => this.setLevel(source, level) };
  }

  private setLevel(source: number, level: boolean): void {
    this.level[source] = level ? 1 : 0;
    if (level && !this.claimed[source]) this.pending[source] = 1;
    if (!level) this.pending[source] = 0;
    this.update();
  }

  /** The best pending, enabled source above the context's threshold, or 0. */
  private best(ctx: number): number {
    let best = 0;
    let bestPrio = this.threshold[ctx]!;
    const en = this.enable[ctx]!;
    for (let s = 1; s < PLIC_SOURCES; s++) {
      if (this.pending[s] && (en[s >> 5]! >>> (s & 31)) & 1 && this.priority[s]! > bestPrio) {
        best = s;
        bestPrio = this.priority[s]!;
      }
    }
    return best;
  }

  private update(): void {
    for (let ctx = 0; ctx < this.contexts; ctx++) {
      const level = this.best(ctx) !== 0;
      if (level !== this.out[ctx]) {
        this.out[ctx] = level;
        this.harts[ctx >> 1]!.setLine(ctx & 1 ? Irq.SEI : Irq.MEI, level);
      }
    }
  }

  read(offset: number, _size: AccessSize): number {
    if (offset < PENDING_BASE) {
      const s = (offset - PRIORITY_BASE) >> 2;
      return s < PLIC_SOURCES ? this.priority[s]! : 0;
    }
    if (offset < ENABLE_BASE) {
      const w = (offset - PENDING_BASE) >> 2;
      let v = 0;
      for (let b = 0; b < 32; b++) if (this.pending[w * 32 + b]) v |= 1 << b;
      return w < PLIC_SOURCES / 32 ? v >>> 0 : 0;
    }
    if (offset < CONTEXT_BASE) {
      const ctx = Math.floor((offset - ENABLE_BASE) / ENABLE_STRIDE);
      const w = ((offset - ENABLE_BASE) % ENABLE_STRIDE) >> 2;
      return ctx < this.contexts && w < PLIC_SOURCES / 32 ? this.enable[ctx]![w]! : 0;
    }
    const ctx = Math.floor((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
    if (ctx >= this.contexts) return 0;
    const reg = (offset - CONTEXT_BASE) % CONTEXT_STRIDE;
    if (reg === 0) return this.threshold[ctx]!;
    if (reg === 4) {
      const s = this.best(ctx);
      if (s) {
        this.pending[s] = 0;
        this.claimed[s] = 1;
        this.update();
      }
      return s;
    }
    return 0;
  }

  write(offset: number, _size: AccessSize, value: number): void {
    if (offset < PENDING_BASE) {
      const s = (offset - PRIORITY_BASE) >> 2;
      if (s > 0 && s < PLIC_SOURCES) this.priority[s] = value & 7;
    } else if (offset < ENABLE_BASE) {
      return; // pending bits are read-only
    } else if (offset < CONTEXT_BASE) {
      const ctx = Math.floor((offset - ENABLE_BASE) / ENABLE_STRIDE);
      const w = ((offset - ENABLE_BASE) % ENABLE_STRIDE) >> 2;
      if (ctx < this.contexts && w < PLIC_SOURCES / 32) this.enable[ctx]![w] = w === 0 ? value & ~1 : value;
    } else {
      const ctx = Math.floor((offset - CONTEXT_BASE) / CONTEXT_STRIDE);
      if (ctx >= this.contexts) return;
      const reg = (offset - CONTEXT_BASE) % CONTEXT_STRIDE;
      if (reg === 0) this.threshold[ctx] = value & 7;
      else if (reg === 4 && value > 0 && value < PLIC_SOURCES) {
        // Completion: the gateway forwards the source again if its line is still high.
        this.claimed[value] = 0;
        if (this.level[value]) this.pending[value] = 1;
      }
    }
    this.update();
  }

  save(): DeviceState {
    return {
      priority: [...this.priority], level: [...this.level], pending: [...this.pending], claimed: [...this.claimed],
      enable: this.enable.map((e) => [...e]), threshold: [...this.threshold],
    };
  }

  restore(s: DeviceState): void {
    this.priority.set(s['priority'] as number[]);
    this.level.set(s['level'] as number[]);
    this.pending.set(s['pending'] as number[]);
    this.claimed.set(s['claimed'] as number[]);
    (s['enable'] as number[][]).forEach((e, i) => this.enable[i]?.set(e));
    this.threshold.set(s['threshold'] as number[]);
    this.update();
  }
}
