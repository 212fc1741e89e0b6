// Limits and defaults of the network stack, in one place so that a reader (or a daemon's
// configuration) can see every bound that keeps memory and time finite. Times are in
// milliseconds of the caller's clock: the stack has no timers of its own.

/** Largest Ethernet payload we build or accept (classic 1500-byte MTU). */
export const ETHERNET_MTU = 1500;
/** Ethernet II header: destination, source, ethertype. */
export const ETHERNET_HEADER_LEN = 14;
/** Largest frame a device hands us, without FCS. */
export const MAX_FRAME_LEN = ETHERNET_MTU + ETHERNET_HEADER_LEN;

/** ARP cache entries, and how long a learned entry lives. */
export const ARP_CACHE_SIZE = 64;
export const ARP_ENTRY_LIFETIME_MS = 60_000;
/** Minimum gap between two ARP requests for the same address. */
export const ARP_REQUEST_INTERVAL_MS = 1_000;

/** IPv4 reassembly: concurrent datagrams, largest datagram, and how long a partial one waits. */
export const REASSEMBLY_SLOTS = 4;
export const REASSEMBLY_MAX_LEN = 65_535;
export const REASSEMBLY_TIMEOUT_MS = 30_000;
export const REASSEMBLY_MAX_HOLES = 16;

export const DEFAULT_TTL = 64;

/** TCP timing, RFC 6298 and RFC 9293. The minimum RTO is the RFC's 1 s. */
export const TCP_RTO_INITIAL_MS = 1_000;
export const TCP_RTO_MIN_MS = 1_000;
export const TCP_RTO_MAX_MS = 60_000;
/** Retransmissions of one segment before the connection is given up. */
export const TCP_MAX_RETRIES = 12;
/** Delayed ACK: at most this long, and never more than two full segments unacknowledged. */
export const TCP_DELAYED_ACK_MS = 40;
/** 2*MSL for TIME_WAIT. RFC 9293 suggests MSL = 2 min; like most stacks we use less. */
export const TCP_TIME_WAIT_MS = 60_000;
export const TCP_KEEPALIVE_IDLE_MS = 7_200_000;
export const TCP_KEEPALIVE_INTERVAL_MS = 75_000;
export const TCP_KEEPALIVE_PROBES = 9;
/** MSS assumed when the peer sends none (RFC 9293 3.7.1). */
export const TCP_DEFAULT_MSS = 536;
/** Out-of-order ranges the receiver remembers beyond the in-order data. */
export const TCP_ASSEMBLER_RANGES = 8;
/** Pending connections a listener holds (half-open plus not yet accepted). */
export const TCP_DEFAULT_BACKLOG = 16;
/** Ephemeral port range (IANA). */
export const EPHEMERAL_PORT_FIRST = 49_152;
export const EPHEMERAL_PORT_LAST = 65_535;
