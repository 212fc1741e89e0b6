// Readiness flags shared by every socket kind. A daemon keeps the last mask it reported for
// each socket and, after each interface poll, sends an event for the bits that came on —
// the same edge-triggered model as the kernel's event scheme.

export enum Readiness {
  /** recv (or accept, for a listener) would not return "nothing yet". */
  Read = 1,
  /** send would accept at least one byte. */
  Write = 2,
  /** The connection is over in both directions. */
  Hangup = 4,
  /** The connection failed; `error` says how. */
  Error = 8,
}
