// The rate limit on the ICMP errors an interface sends (RFC 1812 4.3.2.8 for IPv4, RFC 4443
// 2.4 (f) for IPv6): a token bucket, so that a flood of packets to closed ports or with
// expiring TTLs is not answered with a flood of errors of the same size.

/** Errors sent at once at most, then this many a second. */
export const ERROR_BURST = 10;
export const ERRORS_PER_SECOND = 10;

export class ErrorLimit {
  private tokens = ERROR_BURST;
  private filled = 0;

  /** Takes a token for an error, if one is left after the bucket fills for the time gone by. */
  allow(now: number): boolean {
    this.tokens = Math.min(ERROR_BURST, this.tokens + (Math.max(0, now - this.filled) * ERRORS_PER_SECOND) / 1000);
    this.filled = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}
