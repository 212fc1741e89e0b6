// A TCP socket (RFC 9293): the connection's state and the calls a program makes on it —
// listen/accept, connect, send/recv, close/abort, and a readiness mask for the daemon.
// The segment arrival rules live in tcp_input.ts and the sending rules in tcp_output.ts;
// both work on the fields below, which are therefore public but not part of the API
// (marked "internal").
//
// A listener owns a bounded backlog of child sockets: each SYN makes one in SYN-RECEIVED,
// which `accept` hands out once the handshake completes. A full backlog drops new SYNs,
// which is what keeps a SYN flood's memory bounded. Buffers are allocated once, when the
// socket is made; nothing on the per-segment path allocates.
import { formatEndpoint, type IpAddress } from '../wire/address.js';
import {
  TCP_DEFAULT_BACKLOG, TCP_DEFAULT_MSS, TCP_DELAYED_ACK_MS, TCP_KEEPALIVE_INTERVAL_MS, TCP_KEEPALIVE_PROBES,
  TCP_MAX_RETRIES, TCP_TIME_WAIT_MS, TCP_RTO_MIN_MS, ETHERNET_MTU,
} from '../params.js';
import { RingBuffer } from './ring.js';
import { Assembler } from './assembler.js';
import { NewReno } from './tcp_congestion.js';
import { RttEstimator } from './tcp_seq.js';
import { Readiness } from './readiness.js';

export enum TcpState {
  Closed = 'CLOSED',
  Listen = 'LISTEN',
  SynSent = 'SYN-SENT',
  SynReceived = 'SYN-RECEIVED',
  Established = 'ESTABLISHED',
  FinWait1 = 'FIN-WAIT-1',
  FinWait2 = 'FIN-WAIT-2',
  CloseWait = 'CLOSE-WAIT',
  Closing = 'CLOSING',
  LastAck = 'LAST-ACK',
  TimeWait = 'TIME-WAIT',
}

/** Why a connection ended other than by an orderly close. */
export type TcpError = 'refused' | 'reset' | 'timeout' | 'aborted';
export type ListenError = 'invalid-state' | 'unaddressable';
export type ConnectError = 'invalid-state' | 'unaddressable';
export type SendError = 'invalid-state';
export type RecvError = 'invalid-state' | 'finished';

export interface TcpOptions {
  rxBufferSize?: number;
  txBufferSize?: number;
  /** Disable Nagle's algorithm (TCP_NODELAY). */
  noDelay?: boolean;
  /** Delayed ACK timeout in ms; 0 acknowledges every segment at once. */
  ackDelay?: number;
  /** Idle time before keepalive probes, in ms; null disables keepalive (the default). */
  keepAlive?: number | null;
  keepAliveInterval?: number;
  keepAliveProbes?: number;
  windowScaling?: boolean;
  timestamps?: boolean;
  sack?: boolean;
  /** Largest segment we accept, advertised in our SYN; defaults to the link MTU minus 40. */
  mss?: number;
  backlog?: number;
  timeWait?: number;
  maxRetries?: number;
  minRto?: number;
}

const DEFAULTS: Required<TcpOptions> = {
  rxBufferSize: 65_536,
  txBufferSize: 65_536,
  noDelay: false,
  ackDelay: TCP_DELAYED_ACK_MS,
  keepAlive: null,
  keepAliveInterval: TCP_KEEPALIVE_INTERVAL_MS,
  keepAliveProbes: TCP_KEEPALIVE_PROBES,
  windowScaling: true,
  timestamps: true,
  sack: true,
  mss: ETHERNET_MTU - 40,
  backlog: TCP_DEFAULT_BACKLOG,
  timeWait: TCP_TIME_WAIT_MS,
  maxRetries: TCP_MAX_RETRIES,
  minRto: TCP_RTO_MIN_MS,
};

export class TcpSocket {
  readonly options: Required<TcpOptions>;
  /** Set by the socket set that holds this socket. */
  handle = -1;

  state = TcpState.Closed;
  error: TcpError | null = null;
  localAddr: IpAddress = 0;
  localPort = 0;
  remoteAddr: IpAddress = 0;
  remotePort = 0;

  // ---- internal: buffers ----
  rx: RingBuffer;
  tx: RingBuffer;
  readonly assembler = new Assembler();
  /** Sender's SACK scoreboard: ranges the peer holds past SND.UNA, relative to it (RFC 6675). */
  readonly sacked = new Assembler();
  /** Highest sequence retransmitted in this recovery, and holes we may still refill. */
  highRxt = 0;
  sackCredits = 0;

  // ---- internal: send sequence space (RFC 9293 3.3.1) ----
  /** The ISS has been chosen (an active open picks it on first output). */
  issChosen = false;
  iss = 0;
  sndUna = 0;
  sndNxt = 0;
  /** Highest sequence number sent; SND.NXT falls back below it after a timeout (go-back-N). */
  sndMax = 0;
  sndWnd = 0;
  sndWl1 = 0;
  sndWl2 = 0;
  synAcked = false;
  /** close() was called: a FIN follows the queued data. */
  finQueued = false;
  finAcked = false;
  sndMss = TCP_DEFAULT_MSS;
  sndShift = 0;

  // ---- internal: receive sequence space ----
  irs = 0;
  rcvNxt = 0;
  rcvShift = 0;
  /** The window we last advertised, in bytes (to know when an update is worth sending). */
  lastAdvWnd = 0;
  rxFinReceived = false;
  rxFinSeq = 0;
  rxFinDone = false;

  // ---- internal: options agreed in the handshake ----
  wsOk = false;
  sackOk = false;
  tsOk = false;
  tsRecent = 0;
  tsOffset = 0;

  // ---- internal: timers (absolute ms; -1 = not armed) and output requests ----
  readonly rtt: RttEstimator;
  readonly cc: NewReno;
  rtoDeadline = -1;
  retries = 0;
  rttMeasuring = false;
  rttSeq = 0;
  rttTime = 0;
  ackNow = false;
  ackDeadline = -1;
  segsSinceAck = 0;
  dupAcksToSend = 0;
  retransmitNow = false;
  persistDeadline = -1;
  probeNow = false;
  timeWaitDeadline = -1;
  lastRx = 0;
  keepAliveSent = 0;
  rstPending = false;

  // ---- internal: listener and child ----
  parent: TcpSocket | null = null;
  /** A listener for every address and port (listenTransparent). */
  transparent = false;
  readonly backlog: TcpSocket[] = [];

  constructor(options: TcpOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
    this.rx = RingBuffer.withCapacity(this.options.rxBufferSize);
    this.tx = RingBuffer.withCapacity(this.options.txBufferSize);
    this.rtt = new RttEstimator(this.options.minRto);
    this.cc = new NewReno(TCP_DEFAULT_MSS);
  }

  // ---------------------------------------------------------------- opening

  /** Passive open on a port, optionally one address (0 = any). */
  listen(port: number, addr: IpAddress = 0, backlog = this.options.backlog): ListenError | null {
    if (this.state !== TcpState.Closed) return 'invalid-state';
    if (!(port > 0 && port < 65536)) return 'unaddressable';
    this.reset();
    this.localPort = port;
    this.localAddr = addr;
    this.options.backlog = Math.max(1, backlog);
    this.state = TcpState.Listen;
    return null;
  }

  /**
   * Listens for connections to any address and port that no other socket takes — what a
   * user-mode NAT gateway needs to catch a guest's outbound connections. Each child's local
   * address and port are those the peer asked for.
   */
  listenTransparent(backlog = this.options.backlog): ListenError | null {
    if (this.state !== TcpState.Closed) return 'invalid-state';
    this.reset();
    this.transparent = true;
    this.options.backlog = Math.max(1, backlog);
    this.state = TcpState.Listen;
    return null;
  }

  /**
   * Active open. The local address may be 0: the interface picks the source address of
   * the route on the first output. The handshake starts on the next poll.
   */
  connect(remoteAddr: IpAddress, remotePort: number, localPort: number, localAddr: IpAddress = 0): ConnectError | null {
    if (this.state !== TcpState.Closed) return 'invalid-state';
    if (!(remotePort > 0 && remotePort < 65536) || !(localPort > 0 && localPort < 65536) || !remoteAddr) return 'unaddressable';
    this.reset();
    this.remoteAddr = remoteAddr;
    this.remotePort = remotePort;
    this.localAddr = localAddr;
    this.localPort = localPort;
    this.rcvShift = this.options.windowScaling ? windowShiftFor(this.options.rxBufferSize) : 0;
    this.state = TcpState.SynSent;
    return null;
  }

  /** Takes one established connection from the backlog, or null. */
  accept(): TcpSocket | null {
    if (this.state !== TcpState.Listen) return null;
    this.pruneBacklog();
    const i = this.backlog.findIndex((c) => c.state !== TcpState.SynReceived);
    if (i < 0) return null;
    const child = this.backlog.splice(i, 1)[0]!;
    child.parent = null;
    return child;
  }

  /** Drops children that died before being accepted. */
  pruneBacklog(): void {
    for (let i = this.backlog.length - 1; i >= 0; i--) if (this.backlog[i]!.state === TcpState.Closed) this.backlog.splice(i, 1);
  }

  // ---------------------------------------------------------------- data

  /** Queues data; returns how much fit (0 when the buffer is full). */
  send(data: Uint8Array): number | SendError {
    if (!this.maySend) return 'invalid-state';
    return this.tx.enqueue(data);
  }

  /** Reads into buf; 0 means nothing yet, 'finished' that the peer closed and all is read. */
  recv(buf: Uint8Array): number | RecvError {
    if (this.rx.length > 0) return this.rx.dequeue(buf);
    if (this.rxFinDone) return 'finished';
    if (this.state === TcpState.Closed || this.state === TcpState.Listen) return 'invalid-state';
    return 0;
  }

  /** Copies what recv would return into buf without consuming it (MSG_PEEK); 0 when nothing. */
  peek(buf: Uint8Array): number {
    return this.rx.peek(0, buf);
  }

  /**
   * Asks for receive and send buffers of these sizes (0 keeps one as it is) and answers the
   * sizes in force, for SO_RCVBUF and SO_SNDBUF. A buffer never shrinks below what it holds;
   * the receive buffer is not changed while out-of-order data sits past its queued bytes
   * (that data lives in the ring's free space). The window scale was fixed by the handshake,
   * so a receive buffer grown past what it can express only advertises that much.
   */
  resizeBuffers(rxSize: number, txSize: number): { rx: number; tx: number } {
    const grow = (ring: RingBuffer, size: number): RingBuffer => {
      if (size <= 0 || size === ring.capacity || size < ring.length) return ring;
      const next = RingBuffer.withCapacity(size);
      const held = new Uint8Array(ring.length);
      ring.peek(0, held);
      next.enqueue(held);
      return next;
    };
    if (this.assembler.isEmpty) this.rx = grow(this.rx, rxSize);
    this.tx = grow(this.tx, txSize);
    // Connections a listener accepts later are made with its sizes.
    this.options.rxBufferSize = this.rx.capacity;
    this.options.txBufferSize = this.tx.capacity;
    return { rx: this.rx.capacity, tx: this.tx.capacity };
  }

  /** Bytes waiting to be read. */
  get recvQueue(): number {
    return this.rx.length;
  }
  /** Bytes queued and not yet acknowledged. */
  get sendQueue(): number {
    return this.tx.length;
  }

  get maySend(): boolean {
    return !this.finQueued && (this.state === TcpState.Established || this.state === TcpState.CloseWait);
  }

  get isOpen(): boolean {
    return this.state !== TcpState.Closed && this.state !== TcpState.Listen && this.state !== TcpState.TimeWait;
  }

  // ---------------------------------------------------------------- closing

  /** Orderly close: a FIN follows the data already queued. */
  close(): void {
    switch (this.state) {
      case TcpState.Listen:
        for (const c of this.backlog) c.abort();
        this.backlog.length = 0;
        this.state = TcpState.Closed;
        break;
      case TcpState.SynSent:
        this.state = TcpState.Closed;
        break;
      case TcpState.SynReceived:
      case TcpState.Established:
        this.finQueued = true;
        this.state = TcpState.FinWait1;
        break;
      case TcpState.CloseWait:
        this.finQueued = true;
        this.state = TcpState.LastAck;
        break;
      default:
        break; // already closing
    }
  }

  /** Abortive close: a RST goes out on the next poll if the peer knows us. */
  abort(): void {
    const synchronized = this.state !== TcpState.Closed && this.state !== TcpState.Listen && this.state !== TcpState.SynSent && this.state !== TcpState.TimeWait;
    if (this.state === TcpState.Listen) this.close();
    this.enterClosed(synchronized ? 'aborted' : null);
    this.rstPending = synchronized;
  }

  /** internal: the connection is gone. */
  enterClosed(error: TcpError | null): void {
    this.state = TcpState.Closed;
    if (error && !this.error) this.error = error;
    this.rtoDeadline = this.ackDeadline = this.persistDeadline = this.timeWaitDeadline = -1;
    this.ackNow = this.retransmitNow = this.probeNow = false;
    if (this.parent) this.parent.pruneBacklog();
  }

  enterTimeWait(now: number): void {
    this.state = TcpState.TimeWait;
    this.timeWaitDeadline = now + this.options.timeWait;
    this.rtoDeadline = this.persistDeadline = -1;
  }

  // ---------------------------------------------------------------- readiness

  /** What a program waiting on this socket could do now (see readiness.ts). */
  get readiness(): number {
    let r = 0;
    if (this.state === TcpState.Listen) {
      return this.backlog.some((c) => c.state !== TcpState.SynReceived && c.state !== TcpState.Closed) ? Readiness.Read : 0;
    }
    if (this.rx.length > 0 || this.rxFinDone) r |= Readiness.Read;
    if (this.maySend && this.tx.window > 0) r |= Readiness.Write;
    if (this.error) r |= Readiness.Error | Readiness.Read;
    if (this.state === TcpState.Closed || this.state === TcpState.TimeWait || (this.rxFinDone && this.finQueued)) r |= Readiness.Hangup;
    return r;
  }

  // ---------------------------------------------------------------- setters

  setNoDelay(on: boolean): void {
    this.options.noDelay = on;
  }
  setKeepAlive(idleMs: number | null): void {
    this.options.keepAlive = idleMs;
  }

  /** A fresh child for a SYN arriving at this listener. */
  spawnChild(): TcpSocket {
    const c = new TcpSocket({ ...this.options });
    c.parent = this;
    return c;
  }

  private reset(): void {
    this.error = null;
    this.transparent = false;
    this.rx.clear();
    this.tx.clear();
    this.assembler.clear();
    this.sacked.clear();
    this.sackCredits = 0;
    this.issChosen = this.synAcked = this.finQueued = this.finAcked = false;
    this.rxFinReceived = this.rxFinDone = this.wsOk = this.sackOk = this.tsOk = false;
    this.ackNow = this.retransmitNow = this.probeNow = this.rstPending = this.rttMeasuring = false;
    this.rtoDeadline = this.ackDeadline = this.persistDeadline = this.timeWaitDeadline = -1;
    this.retries = this.keepAliveSent = this.segsSinceAck = this.lastAdvWnd = this.dupAcksToSend = 0;
    this.sndShift = this.rcvShift = 0;
    this.sndMss = TCP_DEFAULT_MSS;
    this.cc.reset(TCP_DEFAULT_MSS);
    this.rtt.reset();
  }

  /**
   * The MSS the link allows for this connection: `options.mss` is for IPv4, whose header is
   * 20 bytes shorter than IPv6's (so an MTU of 1500 gives 1460 and 1440).
   */
  get linkMss(): number {
    return typeof this.remoteAddr === 'bigint' ? this.options.mss - 20 : this.options.mss;
  }

  toString(): string {
    return `tcp ${formatEndpoint(this.localAddr, this.localPort)} ${formatEndpoint(this.remoteAddr, this.remotePort)} ${this.state}`;
  }
}

/** The smallest window shift that lets a buffer of n bytes be advertised whole (RFC 7323). */
export function windowShiftFor(n: number): number {
  let s = 0;
  while (s < 14 && n >> s > 0xffff) s++;
  return s;
}

