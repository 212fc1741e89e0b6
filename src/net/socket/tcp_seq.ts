// TCP sequence arithmetic (modulo 2^32, RFC 9293 3.4) and the retransmission timer's
// estimator (RFC 6298). Sequence numbers are plain numbers kept in [0, 2^32).
import { TCP_RTO_INITIAL_MS, TCP_RTO_MAX_MS, TCP_RTO_MIN_MS } from '../params.js';

/** Signed distance a - b in sequence space. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}
export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}
export function seqMax(a: number, b: number): number {
  return seqGt(a, b) ? a : b;
}

/** SRTT/RTTVAR/RTO per RFC 6298, with exponential backoff kept apart from the estimate. */
export class RttEstimator {
  srtt = 0;
  rttvar = 0;
  private measured = false;
  private baseRto = TCP_RTO_INITIAL_MS;
  private backoff = 0;

  constructor(readonly minRto = TCP_RTO_MIN_MS, readonly maxRto = TCP_RTO_MAX_MS) {}

  get rto(): number {
    return Math.min(this.maxRto, this.baseRto * 2 ** this.backoff);
  }

  get hasSample(): boolean {
    return this.measured;
  }

  /** A round-trip sample in ms (RFC 6298 2.2 and 2.3; the clock granularity G is 1 ms). */
  sample(r: number): void {
    if (r < 0) return;
    if (!this.measured) {
      this.srtt = r;
      this.rttvar = r / 2;
      this.measured = true;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.baseRto = Math.min(this.maxRto, Math.max(this.minRto, this.srtt + Math.max(1, 4 * this.rttvar)));
    // A new sample after retransmissions means the path works again (RFC 6298 5.7 spirit).
    this.backoff = 0;
  }

  /** The timer expired: double the RTO (RFC 6298 5.5). */
  backOff(): void {
    if (this.rto < this.maxRto) this.backoff++;
  }

  /** A fresh connection: no samples, the initial RTO. */
  reset(): void {
    this.srtt = this.rttvar = 0;
    this.measured = false;
    this.baseRto = TCP_RTO_INITIAL_MS;
    this.backoff = 0;
  }

  resetBackoff(): void {
    this.backoff = 0;
  }
}
