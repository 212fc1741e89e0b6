// A device wrapper that makes the link misbehave, for tests: it drops, duplicates,
// corrupts, delays and reorders received frames with probabilities set by the test, using
// a seeded generator so a failing run repeats exactly. (This machine's kernel has no netem;
// MACROHARD injects faults in its own link layer, as smoltcp's FaultInjector does.)
//
// Faults apply to frames as they are received; wrap both ends of a link to disturb both
// directions. Held frames wait in slots allocated once.
import { MAX_FRAME_LEN } from '../params.js';
import type { Device, DeviceCaps } from './device.js';

/** The next state of a xorshift32 generator: cheap, seedable, good enough to pick frames' fates. */
export function xorshift32(x: number): number {
  x ^= x << 13;
  x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}

export interface FaultConfig {
  /** Probability that a frame is lost. */
  loss?: number;
  /** Probability that a frame is delivered twice. */
  duplicate?: number;
  /** Probability that one byte of a frame is flipped (checksums should catch it). */
  corrupt?: number;
  /** Probability that a frame is held back by `reorderDelay` so later frames overtake it. */
  reorder?: number;
  reorderDelay?: number;
  /** Fixed delay added to every frame, and a uniform random extra up to `jitter`. */
  delay?: number;
  jitter?: number;
  seed?: number;
  /** Frames held at once; beyond this, new frames are dropped (counted as 'overflow'). */
  capacity?: number;
}

export interface FaultStats {
  passed: number;
  lost: number;
  duplicated: number;
  corrupted: number;
  reordered: number;
  overflow: number;
}

export class FaultInjector implements Device {
  readonly caps: DeviceCaps;
  readonly stats: FaultStats = { passed: 0, lost: 0, duplicated: 0, corrupted: 0, reordered: 0, overflow: 0 };
  config: Required<FaultConfig>;
  private rng: number;
  private readonly bufs: Uint8Array[];
  private readonly lens: Uint32Array;
  private readonly release: Float64Array;
  private readonly order: Float64Array;
  private readonly free: number[] = [];
  private readonly held: number[] = [];
  private seq = 0;
  private out: Uint8Array;

  constructor(readonly inner: Device, config: FaultConfig = {}) {
    // Corrupting frames is the point here: checksums must be on.
    this.caps = { mtu: inner.caps.mtu, checksumOffload: false };
    this.config = { loss: 0, duplicate: 0, corrupt: 0, reorder: 0, reorderDelay: 5, delay: 0, jitter: 0, seed: 1, capacity: 512, ...config };
    this.rng = this.config.seed >>> 0 || 1;
    const n = this.config.capacity;
    this.bufs = Array.from({ length: n }, () => new Uint8Array(MAX_FRAME_LEN));
    this.lens = new Uint32Array(n);
    this.release = new Float64Array(n);
    this.order = new Float64Array(n);
    for (let i = n - 1; i >= 0; i--) this.free.push(i);
    this.out = new Uint8Array(MAX_FRAME_LEN);
  }

  private random(): number {
    this.rng = xorshift32(this.rng);
    return this.rng / 0x1_0000_0000;
  }

  private hold(frame: Uint8Array, at: number): void {
    const i = this.free.pop();
    if (i === undefined || frame.length > MAX_FRAME_LEN) {
      this.stats.overflow++;
      return;
    }
    this.bufs[i]!.set(frame);
    this.lens[i] = frame.length;
    this.release[i] = at;
    this.order[i] = this.seq++;
    this.held.push(i);
  }

  /** Pulls everything the inner device has, deciding each frame's fate. */
  private intake(now: number): void {
    const c = this.config;
    for (let f = this.inner.receive(now); f; f = this.inner.receive(now)) {
      if (this.random() < c.loss) {
        this.stats.lost++;
        continue;
      }
      let at = now + c.delay + (c.jitter ? this.random() * c.jitter : 0);
      if (this.random() < c.reorder) {
        at += c.reorderDelay;
        this.stats.reordered++;
      }
      const before = this.held.length;
      this.hold(f, at);
      if (this.held.length > before && this.random() < c.corrupt) {
        const i = this.held[this.held.length - 1]!;
        const b = this.bufs[i]!;
        // Leave the Ethernet header alone so the frame still reaches the stack's checksums.
        if (this.lens[i]! > 14) b[14 + Math.floor(this.random() * (this.lens[i]! - 14))]! ^= 1 << Math.floor(this.random() * 8);
        this.stats.corrupted++;
      }
      if (this.random() < c.duplicate) {
        this.hold(f, at);
        this.stats.duplicated++;
      }
    }
  }

  receive(now: number): Uint8Array | null {
    this.intake(now);
    let best = -1;
    for (let k = 0; k < this.held.length; k++) {
      const i = this.held[k]!;
      if (this.release[i]! > now) continue;
      if (best < 0 || this.release[i]! < this.release[this.held[best]!]! || (this.release[i] === this.release[this.held[best]!] && this.order[i]! < this.order[this.held[best]!]!)) best = k;
    }
    if (best < 0) return null;
    const i = this.held[best]!;
    this.held.splice(best, 1);
    this.free.push(i);
    this.stats.passed++;
    // Copy out: the slot may be reused by the next intake while the caller still reads.
    this.out.set(this.bufs[i]!.subarray(0, this.lens[i]!));
    return this.out.subarray(0, this.lens[i]!);
  }

  transmit(now: number, frame: Uint8Array): boolean {
    return this.inner.transmit(now, frame);
  }

  /** When the next held frame is due (Infinity if none): a test's clock may jump there. */
  pollAt(): number {
    let t = Infinity;
    for (const i of this.held) t = Math.min(t, this.release[i]!);
    return t;
  }
}
