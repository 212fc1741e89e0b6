// Congestion control: NewReno (RFC 5681 slow start and congestion avoidance, RFC 6582 fast
// recovery), with the initial window of RFC 6928. The controller only keeps the numbers;
// the socket tells it what happened and asks how much it may have in flight.
import { seqGe } from './tcp_seq.js';

export class NewReno {
  cwnd: number;
  ssthresh = 0x7fff_ffff;
  /** In fast recovery until SND.UNA passes `recover`. */
  inRecovery = false;
  recover = 0;
  dupAcks = 0;
  /** Bytes acknowledged since cwnd last grew in congestion avoidance. */
  private ackedSinceGrowth = 0;

  constructor(private mss: number) {
    this.cwnd = NewReno.initialWindow(mss);
  }

  static initialWindow(mss: number): number {
    return Math.min(10 * mss, Math.max(2 * mss, 14_600));
  }

  /** A fresh connection: forget everything learned on the last one. */
  reset(mss: number): void {
    this.mss = mss;
    this.cwnd = NewReno.initialWindow(mss);
    this.ssthresh = 0x7fff_ffff;
    this.inRecovery = false;
    this.recover = 0;
    this.dupAcks = 0;
    this.ackedSinceGrowth = 0;
  }

  setMss(mss: number): void {
    this.mss = mss;
    this.cwnd = NewReno.initialWindow(mss);
  }

  /** New data acknowledged (SND.UNA advanced to `ack` by `acked` bytes). Returns true on a partial ACK in recovery. */
  onAck(acked: number, ack: number, flight: number): boolean {
    this.dupAcks = 0;
    if (this.inRecovery) {
      if (seqGe(ack, this.recover)) {
        // Full acknowledgement: leave recovery with a window that cannot burst (RFC 6582 3.2 step 3).
        this.inRecovery = false;
        this.cwnd = Math.min(this.ssthresh, Math.max(flight, this.mss) + this.mss);
        return false;
      }
      // Partial: deflate by what was acked, add back one segment, retransmit the next hole.
      this.cwnd = Math.max(this.mss, this.cwnd - acked + this.mss);
      return true;
    }
    if (this.cwnd < this.ssthresh) {
      // Appropriate Byte Counting with L = 2 (RFC 3465), so delayed ACKs do not halve growth.
      this.cwnd += Math.min(acked, 2 * this.mss);
    } else {
      this.ackedSinceGrowth += acked;
      if (this.ackedSinceGrowth >= this.cwnd) {
        this.ackedSinceGrowth -= this.cwnd;
        this.cwnd += this.mss;
      }
    }
    return false;
  }

  /**
   * A duplicate ACK. Returns true when it reaches `threshold` (3, or less under Early
   * Retransmit) and fast retransmit should happen.
   */
  onDupAck(sndUna: number, sndMax: number, flight: number, threshold = 3): boolean {
    this.dupAcks++;
    if (this.inRecovery) {
      this.cwnd += this.mss; // each dup ACK means a segment left the network
      return false;
    }
    // RFC 6582 3.2 step 2: only when the loss is new since the last recovery.
    if (this.dupAcks === threshold && seqGe(sndUna, this.recover)) {
      this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
      this.cwnd = this.ssthresh + 3 * this.mss;
      this.inRecovery = true;
      this.recover = sndMax;
      return true;
    }
    return false;
  }

  /** The retransmission timer fired (RFC 5681 3.1 equation 4): back to one segment. */
  onTimeout(flight: number, sndMax: number): void {
    this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
    this.cwnd = this.mss;
    this.inRecovery = false;
    this.recover = sndMax;
    this.dupAcks = 0;
    this.ackedSinceGrowth = 0;
  }
}
