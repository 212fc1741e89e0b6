// A kernel link that misbehaves on purpose: it wraps any NicLink (TAP, NAT, a switch port) and
// loses, duplicates, delays and reorders frames in both directions, from a seeded generator so
// that a failing run repeats. This host's kernel has no netem queueing discipline, so tests
// disturb the wire here, at the edge of MACROHARD, where the frames of both stacks pass
// (`--net tap,...,loss=0.05,reorder=0.05,delay=2`). The decisions are the stack's own
// FaultInjector's; this is its push-driven twin for links that deliver frames as they come.

import type { NicLink } from '../../kernel/schemes/nic.js';
import { xorshift32 } from '../../net/iface/fault.js';
import type { LinkFaults } from './nic.js';

/** How much later than the others a reordered frame leaves, in milliseconds. */
const REORDER_MS = 4;

export class FaultLink implements NicLink {
  readonly name: string;
  readonly config: string;
  readonly stats = { passed: 0, lost: 0, duplicated: 0, reordered: 0 };
  private rng: number;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly inner: NicLink, private readonly f: LinkFaults) {
    this.name = inner.name;
    this.config = inner.config;
    this.rng = f.seed >>> 0 || 1;
  }

  attach(rx: (frame: Uint8Array) => void): void {
    this.inner.attach((frame) => this.pass(frame, rx));
  }

  send(frame: Uint8Array): boolean {
    this.pass(frame, (f) => this.inner.send(f));
    return true;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.inner.close();
  }

  /** xorshift32, as the stack's FaultInjector: uniform in [0, 1). */
  private random(): number {
    this.rng = xorshift32(this.rng);
    return this.rng / 0x1_0000_0000;
  }

  /** Decides one frame's fate and delivers it (or its copies) now or later. */
  private pass(frame: Uint8Array, out: (f: Uint8Array) => void): void {
    if (this.closed) return;
    const f = this.f;
    if (this.random() < f.loss) {
      this.stats.lost++;
      return;
    }
    let wait = f.delay + (f.jitter ? this.random() * f.jitter : 0);
    if (this.random() < f.reorder) {
      wait += REORDER_MS;
      this.stats.reordered++;
    }
    const copies = this.random() < f.duplicate ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    this.stats.passed++;
    if (wait <= 0) {
      for (let i = 0; i < copies; i++) out(frame);
      return;
    }
    // The frame is borrowed only for this call: keep a copy while it waits.
    const kept = frame.slice();
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.closed) return;
      for (let i = 0; i < copies; i++) out(kept);
    }, wait);
    this.timers.add(t);
  }
}
