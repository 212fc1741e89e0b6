// Segment departure for a TCP socket: the handshake's SYN and SYN,ACK, data within the
// lesser of the peer's window and the congestion window, Nagle's rule (RFC 896) and sender
// silly-window avoidance, delayed and immediate ACKs, window updates, retransmission on
// timeout (RFC 6298 5.4-5.7, go-back-N from SND.UNA) and on three duplicate ACKs, zero-window
// probes, keepalive probes (RFC 9293 3.8.4), TIME-WAIT expiry and the RST of an abort.
//
// The interface supplies a TcpTransmit that writes headers and copies the payload straight
// from the send ring into its frame buffer. One TcpRepr is reused for every segment.
import { TcpFlag, TcpRepr } from '../wire/tcp.js';
import { TcpSocket, TcpState } from './tcp.js';
import type { TcpContext } from './tcp_input.js';
import { seqAdd, seqDiff, seqGt } from './tcp_seq.js';

export interface TcpTransmit {
  /**
   * Sends one segment of s: the header from repr and, as payload, `len` bytes of s.tx from
   * `offset`. Returns false if it could not leave now (no neighbour yet); the socket then
   * acts as if nothing was sent.
   */
  sendTcp(s: TcpSocket, repr: TcpRepr, offset: number, len: number): boolean;
}

const repr = new TcpRepr();

function tsNow(s: TcpSocket, now: number): number {
  return (Math.floor(now) + s.tsOffset) >>> 0;
}

/** Fills the header fields every segment of s carries. */
function header(s: TcpSocket, now: number, seq: number, flags: number): TcpRepr {
  repr.reset();
  repr.srcPort = s.localPort;
  repr.dstPort = s.remotePort;
  repr.seq = seq;
  repr.flags = flags;
  if (flags & TcpFlag.Ack) repr.ack = s.rcvNxt;
  if (flags & TcpFlag.Syn) {
    repr.window = Math.min(s.rx.window, 0xffff);
  } else {
    repr.window = Math.min(s.rx.window >>> s.rcvShift, 0xffff);
  }
  if (s.tsOk) {
    repr.hasTimestamp = true;
    repr.tsVal = tsNow(s, now);
    repr.tsEcr = s.tsRecent;
  }
  if (s.sackOk && !s.assembler.isEmpty && !(flags & TcpFlag.Syn)) {
    const max = s.tsOk ? 3 : 4;
    const n = Math.min(max, s.assembler.rangeCount);
    for (let i = 0; i < n; i++) {
      repr.sack[2 * i] = seqAdd(s.rcvNxt, s.assembler.rangeStart(i));
      repr.sack[2 * i + 1] = seqAdd(s.rcvNxt, s.assembler.rangeEnd(i));
    }
    repr.sackCount = n;
  }
  return repr;
}

function sent(s: TcpSocket, r: TcpRepr): void {
  if (r.flags & TcpFlag.Ack) {
    s.ackNow = false;
    s.ackDeadline = -1;
    s.segsSinceAck = 0;
    s.lastAdvWnd = r.flags & TcpFlag.Syn ? r.window : r.window << s.rcvShift;
  }
}

function sendSyn(s: TcpSocket, ctx: TcpContext, tx: TcpTransmit): boolean {
  const active = s.state === TcpState.SynSent;
  const r = header(s, ctx.now, s.iss, active ? TcpFlag.Syn : TcpFlag.Syn | TcpFlag.Ack);
  r.mss = s.linkMss;
  if (active ? s.options.windowScaling : s.wsOk) r.windowScale = s.rcvShift;
  r.sackPermitted = active ? s.options.sack : s.sackOk;
  if (active ? s.options.timestamps : s.tsOk) {
    r.hasTimestamp = true;
    r.tsVal = tsNow(s, ctx.now);
    r.tsEcr = active ? 0 : s.tsRecent;
  }
  if (!tx.sendTcp(s, r, 0, 0)) return false;
  sent(s, r);
  s.sndNxt = seqAdd(s.iss, 1);
  if (seqGt(s.sndNxt, s.sndMax)) s.sndMax = s.sndNxt;
  if (s.rtoDeadline < 0) s.rtoDeadline = ctx.now + s.rtt.rto;
  if (!s.rttMeasuring && s.retries === 0) {
    s.rttMeasuring = true;
    s.rttSeq = s.sndNxt;
    s.rttTime = ctx.now;
  }
  return true;
}

/** First sequence number of the data in s.tx. */
function dataStart(s: TcpSocket): number {
  return s.synAcked ? s.sndUna : seqAdd(s.sndUna, 1);
}

/** Largest payload for one segment, after the options this connection puts on data segments. */
function payloadMss(s: TcpSocket): number {
  return s.sndMss - (s.tsOk ? 12 : 0);
}

/**
 * Sends the segment starting at `seq` (data from the ring, and the FIN if it falls right
 * after), up to `limit` bytes. Returns the sequence space used, or -1 if it could not go.
 */
function sendFrom(s: TcpSocket, ctx: TcpContext, tx: TcpTransmit, seq: number, limit: number): number {
  const start = dataStart(s);
  const offset = seqDiff(seq, start);
  const unsent = Math.max(0, s.tx.length - offset);
  const r = header(s, ctx.now, seq, TcpFlag.Ack);
  const room = s.sndMss - (r.headerLen - 20);
  const n = Math.max(0, Math.min(unsent, limit, room));
  const finSeq = seqAdd(start, s.tx.length);
  const fin = s.finQueued && !s.finAcked && seqAdd(seq, n) === finSeq;
  if (n === 0 && !fin) return 0;
  if (n > 0 && n === unsent) r.flags |= TcpFlag.Psh;
  if (fin) r.flags |= TcpFlag.Fin;
  if (!tx.sendTcp(s, r, offset, n)) return -1;
  sent(s, r);
  return n + (fin ? 1 : 0);
}

/** The next new segment's size and whether a FIN may go with it (one object, reused). */
const next = { len: 0, fin: false };

function plan(len: number, fin: boolean): typeof next {
  next.len = len;
  next.fin = fin;
  return next;
}

/** How many bytes the next new segment may carry now, or 0 (and whether a FIN may go). */
function nextSegment(s: TcpSocket): { len: number; fin: boolean } {
  const start = dataStart(s);
  const offset = seqDiff(s.sndNxt, start);
  const unsent = Math.max(0, s.tx.length - offset);
  const flight = seqDiff(s.sndNxt, s.sndUna);
  // Limited Transmit (RFC 3042): each of the first two duplicate ACKs lets one new segment
  // out beyond cwnd, so a small window still produces the duplicates fast retransmit needs.
  const extra = s.cc.inRecovery ? 0 : Math.min(s.cc.dupAcks, 2) * s.sndMss;
  let avail = Math.min(s.sndWnd, s.cc.cwnd + extra) - flight;
  if (s.probeNow && s.sndWnd === 0 && flight === 0) avail = 1;
  const mss = payloadMss(s);
  let len = Math.max(0, Math.min(unsent, avail, mss));
  if (s.sackOk && seqGt(s.sndMax, s.sndNxt)) len = Math.min(len, holeLen(s, seqDiff(s.sndNxt, s.sndUna)));
  // The FIN goes right after the last byte of data, once (after it, offset passes the end).
  const fin = s.finQueued && !s.finAcked && offset + len === s.tx.length;
  if (len === 0) return plan(0, fin);
  if (len < mss && len < unsent && flight > 0) return plan(0, false); // sender SWS avoidance: wait for a bigger window
  if (len < mss && len === unsent && flight > 0 && !s.options.noDelay && !fin) return plan(0, false); // Nagle
  return plan(len, fin);
}

function retransmitTimeout(s: TcpSocket, ctx: TcpContext): void {
  const flight = seqDiff(s.sndMax, s.sndUna);
  // Zero-window probes are not failures: the peer answers them, it just has no room.
  if (!(s.sndWnd === 0 && s.synAcked)) s.retries++;
  if (s.retries > s.options.maxRetries) {
    ctx.stats.event('timeout-abort');
    s.enterClosed('timeout');
    s.rstPending = true;
    return;
  }
  ctx.stats.event('retransmit-timeout');
  if (s.synAcked) s.cc.onTimeout(flight, s.sndMax);
  s.rtt.backOff();
  s.rttMeasuring = false; // Karn: no samples from retransmitted data
  s.retransmitNow = false;
  s.sndNxt = s.synAcked ? s.sndUna : s.iss;
  s.rtoDeadline = ctx.now + s.rtt.rto;
  // A second timeout in a row may mean the peer dropped what it SACKed (reneging, RFC 2018
  // section 8): stop trusting the scoreboard.
  if (s.retries >= 2) s.sacked.clear();
}

/** Offset from SND.UNA of the first byte at or after HighRxt that is below a SACKed range, or -1. */
function nextHole(s: TcpSocket): number {
  let o = Math.max(0, seqDiff(s.highRxt, s.sndUna));
  const a = s.sacked;
  for (let i = 0; i < a.rangeCount; i++) {
    if (o < a.rangeStart(i)) return o;
    if (o < a.rangeEnd(i)) o = a.rangeEnd(i);
  }
  return -1;
}

/** Bytes from offset o (relative to SND.UNA) to the next SACKed range, or Infinity. */
function holeLen(s: TcpSocket, o: number): number {
  const a = s.sacked;
  for (let i = 0; i < a.rangeCount; i++) if (a.rangeStart(i) > o) return a.rangeStart(i) - o;
  return Infinity;
}

/** Moves SND.NXT past a SACKed range it sits in. */
function skipSacked(s: TcpSocket): void {
  const o = seqDiff(s.sndNxt, s.sndUna);
  const a = s.sacked;
  for (let i = 0; i < a.rangeCount; i++) {
    if (a.rangeStart(i) <= o && o < a.rangeEnd(i)) {
      s.sndNxt = seqAdd(s.sndUna, a.rangeEnd(i));
      return;
    }
  }
}

/** Runs timers and sends what the socket has to send. Returns true if any segment left. */
export function tcpOutput(s: TcpSocket, ctx: TcpContext, tx: TcpTransmit): boolean {
  const now = ctx.now;
  if (s.state === TcpState.Closed) {
    if (!s.rstPending) return false;
    // The RST of an abort or a timeout: <SEQ=SND.NXT><CTL=RST> (RFC 9293 3.10.5), with
    // SND.MAX standing for SND.NXT as in sendAck.
    const r = header(s, now, s.sndMax, TcpFlag.Rst | TcpFlag.Ack);
    if (!tx.sendTcp(s, r, 0, 0)) return false;
    s.rstPending = false;
    ctx.stats.event('rst-sent');
    return true;
  }
  if (s.state === TcpState.Listen) return false;
  if (s.state === TcpState.TimeWait) {
    if (now >= s.timeWaitDeadline) {
      s.enterClosed(null);
      return false;
    }
    return s.ackNow ? sendAck(s, ctx, tx) : false;
  }
  if (!s.issChosen) {
    s.iss = ctx.random() >>> 0;
    s.tsOffset = ctx.random() >>> 0;
    s.sndUna = s.sndNxt = s.sndMax = s.iss;
    s.issChosen = true;
    ctx.stats.event('active-open-start');
  }
  if (s.rtoDeadline >= 0 && now >= s.rtoDeadline) {
    retransmitTimeout(s, ctx);
    if ((s.state as TcpState) === TcpState.Closed) return tcpOutput(s, ctx, tx);
  }
  if (!s.synAcked) {
    // Our SYN is unacknowledged: (re)send it first — also from FIN-WAIT-1 when the program
    // closed a connection still in SYN-RECEIVED.
    if (s.sndNxt === s.iss) return sendSyn(s, ctx, tx);
    if (s.state === TcpState.SynSent) return false;
    if (s.state === TcpState.SynReceived) return s.ackNow ? sendAck(s, ctx, tx) : false;
  }

  let any = false;
  // Out-of-order segments each earn a duplicate ACK; the last one goes out below (alone or on
  // a data segment), the others here.
  for (; s.dupAcksToSend > 1; s.dupAcksToSend--) if (!sendAck(s, ctx, tx)) break;
  s.dupAcksToSend = 0;
  // Fast retransmit / a partial ACK in recovery: resend the first unacknowledged segment.
  if (s.retransmitNow) {
    s.retransmitNow = false;
    const used = sendFrom(s, ctx, tx, s.sndUna, payloadMss(s));
    if (used > 0) {
      any = true;
      if (seqGt(seqAdd(s.sndUna, used), s.highRxt)) s.highRxt = seqAdd(s.sndUna, used);
      s.rttMeasuring = false;
      s.rtoDeadline = now + s.rtt.rto;
      ctx.stats.event('retransmit');
    }
  }
  // With SACK, each further duplicate ACK in recovery refills the next hole below the
  // highest SACKed byte (RFC 6675 NextSeg, rule 1), so several losses heal in one round trip.
  for (; s.sackCredits > 0; s.sackCredits--) {
    if (!s.cc.inRecovery) break;
    const hole = nextHole(s);
    if (hole < 0) break;
    const used = sendFrom(s, ctx, tx, seqAdd(s.sndUna, hole), Math.min(payloadMss(s), holeLen(s, hole)));
    if (used <= 0) break;
    s.highRxt = seqAdd(s.sndUna, hole + used);
    any = true;
    ctx.stats.event('sack-retransmit');
  }
  s.sackCredits = 0;
  // Zero window: arm the persist timer; when it fires one byte may go past the window.
  const unsent = s.tx.length - seqDiff(s.sndNxt, dataStart(s));
  if (s.sndWnd === 0 && unsent > 0 && s.sndNxt === s.sndUna && s.rtoDeadline < 0) {
    if (s.persistDeadline < 0) s.persistDeadline = now + s.rtt.rto;
    else if (now >= s.persistDeadline) {
      s.persistDeadline = -1;
      s.probeNow = true;
      ctx.stats.event('window-probe');
    }
  }
  for (;;) {
    // Resending after a timeout skips what the peer has SACKed.
    if (s.sackOk && seqGt(s.sndMax, s.sndNxt)) skipSacked(s);
    const n = nextSegment(s);
    if (n.len === 0 && !n.fin) break;
    const seq = s.sndNxt;
    const used = sendFrom(s, ctx, tx, seq, n.len);
    if (used <= 0) break;
    s.probeNow = false;
    any = true;
    const isNew = !seqGt(s.sndMax, seq);
    s.sndNxt = seqAdd(seq, used);
    if (seqGt(s.sndNxt, s.sndMax)) s.sndMax = s.sndNxt;
    else ctx.stats.event('retransmit');
    if (isNew && !s.tsOk && !s.rttMeasuring) {
      s.rttMeasuring = true;
      s.rttSeq = s.sndNxt;
      s.rttTime = now;
    }
    if (s.rtoDeadline < 0) s.rtoDeadline = now + s.rtt.rto;
  }
  if (any) return true;

  // Keepalive (RFC 9293 3.8.4): an old sequence number makes the peer answer with an ACK.
  const ka = s.options.keepAlive;
  if (ka !== null && (s.state === TcpState.Established || s.state === TcpState.CloseWait) && s.sndUna === s.sndMax) {
    const due = s.lastRx + ka + s.keepAliveSent * s.options.keepAliveInterval;
    if (now >= due) {
      if (s.keepAliveSent >= s.options.keepAliveProbes) {
        ctx.stats.event('keepalive-abort');
        s.enterClosed('timeout');
        s.rstPending = true;
        return tcpOutput(s, ctx, tx);
      }
      const r = header(s, now, seqAdd(s.sndUna, -1), TcpFlag.Ack);
      if (tx.sendTcp(s, r, 0, 0)) {
        s.keepAliveSent++;
        ctx.stats.event('keepalive-probe');
        return true;
      }
    }
  }
  if (s.ackNow || (s.ackDeadline >= 0 && now >= s.ackDeadline) || windowUpdateDue(s)) return sendAck(s, ctx, tx);
  return false;
}

/** Receiver SWS avoidance (RFC 9293 3.8.6.2.2): announce an opening only when it is worth it. */
function windowUpdateDue(s: TcpSocket): boolean {
  const wnd = Math.min(s.rx.window >>> s.rcvShift, 0xffff) << s.rcvShift;
  return wnd - s.lastAdvWnd >= Math.min(s.rx.capacity >>> 1, 2 * s.options.mss);
}

function sendAck(s: TcpSocket, ctx: TcpContext, tx: TcpTransmit): boolean {
  // SND.MAX, not SND.NXT: after a timeout SND.NXT falls back, and an ACK numbered below what
  // the peer already holds would be unacceptable to it (and answered by an ACK of its own).
  const r = header(s, ctx.now, s.sndMax, TcpFlag.Ack);
  if (!tx.sendTcp(s, r, 0, 0)) return false;
  sent(s, r);
  return true;
}

/** The earliest time this socket needs polling again (Infinity when only input can wake it). */
export function tcpPollAt(s: TcpSocket, now: number): number {
  if (s.state === TcpState.Closed) return s.rstPending ? now : Infinity;
  if (s.state === TcpState.Listen) return Infinity;
  if (s.state === TcpState.TimeWait) return s.ackNow ? now : s.timeWaitDeadline;
  if (!s.issChosen || s.ackNow || s.retransmitNow) return now;
  if (!s.synAcked && s.sndNxt === s.iss) return now;
  if (s.synAcked) {
    const n = nextSegment(s);
    if (n.len > 0 || n.fin) return now;
    if (windowUpdateDue(s)) return now;
  }
  let t = Infinity;
  if (s.rtoDeadline >= 0) t = Math.min(t, s.rtoDeadline);
  if (s.ackDeadline >= 0) t = Math.min(t, s.ackDeadline);
  if (s.persistDeadline >= 0) t = Math.min(t, s.persistDeadline);
  const unsent = s.tx.length - seqDiff(s.sndNxt, dataStart(s));
  if (s.synAcked && s.sndWnd === 0 && unsent > 0 && s.persistDeadline < 0 && s.rtoDeadline < 0) t = now;
  const ka = s.options.keepAlive;
  if (ka !== null && (s.state === TcpState.Established || s.state === TcpState.CloseWait)) {
    t = Math.min(t, s.lastRx + ka + s.keepAliveSent * s.options.keepAliveInterval);
  }
  return t;
}
