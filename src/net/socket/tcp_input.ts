// Segment arrival for a TCP socket: RFC 9293 section 3.10.7 step by step, with the
// challenge ACKs of RFC 5961, the ACK rules of RFC 5681/6582 (through the congestion
// controller), timestamps per RFC 7323, and out-of-order data kept in the receive ring.
//
// tcpInput returns 'ok', 'reset-peer' (the interface answers the segment with a RST built
// from it, RFC 9293 3.10.7.1/3.10.7.3), or the reason the segment was dropped, which the
// interface counts.
import type { IpAddress } from '../wire/address.js';
import { TcpFlag, type TcpRepr } from '../wire/tcp.js';
import type { ProtoStats } from '../stats.js';
import { TCP_DEFAULT_MSS } from '../params.js';
import { TcpSocket, TcpState, windowShiftFor } from './tcp.js';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from './tcp_seq.js';

export interface TcpContext {
  /** The caller's clock, in ms. */
  now: number;
  stats: ProtoStats;
  /** A random 32-bit value, for initial sequence numbers and timestamp offsets. */
  random(): number;
  /** Takes ownership of a listener's new child so that it gets polled. */
  adopt(child: TcpSocket): void;
}

export type TcpInputResult = 'ok' | 'reset-peer' | string;

/** Does this segment belong to s (a connection's exact four-tuple)? Listeners are matched apart. */
export function tcpMatches(s: TcpSocket, src: IpAddress, dst: IpAddress, seg: TcpRepr): boolean {
  return (
    s.state !== TcpState.Closed && s.state !== TcpState.Listen &&
    s.localPort === seg.dstPort && s.remotePort === seg.srcPort && s.remoteAddr === src && (s.localAddr === dst || !s.localAddr)
  );
}

export function tcpListenerMatches(s: TcpSocket, dst: IpAddress, seg: TcpRepr): boolean {
  return s.state === TcpState.Listen && !s.transparent && s.localPort === seg.dstPort && (!s.localAddr || s.localAddr === dst);
}

export function tcpInput(s: TcpSocket, ctx: TcpContext, src: IpAddress, dst: IpAddress, seg: TcpRepr): TcpInputResult {
  switch (s.state) {
    case TcpState.Closed:
      return 'closed';
    case TcpState.Listen:
      return listenInput(s, ctx, src, dst, seg);
    case TcpState.SynSent:
      return synSentInput(s, ctx, seg);
    default:
      return synchronizedInput(s, ctx, seg);
  }
}

/** Options from the peer's SYN: MSS, window scale, SACK and timestamps are used only if both sides offer them. */
function negotiate(s: TcpSocket, seg: TcpRepr): void {
  s.sndMss = Math.max(64, Math.min(seg.mss || TCP_DEFAULT_MSS, s.linkMss));
  s.cc.setMss(s.sndMss);
  s.wsOk = s.options.windowScaling && seg.windowScale >= 0;
  if (s.wsOk) {
    s.sndShift = seg.windowScale;
    if (s.state === TcpState.Listen || s.parent) s.rcvShift = windowShiftFor(s.options.rxBufferSize);
  } else {
    s.sndShift = 0;
    s.rcvShift = 0;
  }
  s.sackOk = s.options.sack && seg.sackPermitted;
  s.tsOk = s.options.timestamps && seg.hasTimestamp;
  if (s.tsOk) s.tsRecent = seg.tsVal;
}

function listenInput(s: TcpSocket, ctx: TcpContext, src: IpAddress, dst: IpAddress, seg: TcpRepr): TcpInputResult {
  if (seg.has(TcpFlag.Rst)) return 'rst-to-listener';
  if (seg.has(TcpFlag.Ack)) return 'reset-peer';
  if (!seg.has(TcpFlag.Syn)) return 'no-syn';
  s.pruneBacklog();
  if (s.backlog.length >= s.options.backlog) return 'backlog-full';
  const c = s.spawnChild();
  c.localAddr = dst;
  c.localPort = seg.dstPort;
  c.remoteAddr = src;
  c.remotePort = seg.srcPort;
  c.state = TcpState.SynReceived;
  c.irs = seg.seq;
  c.rcvNxt = seqAdd(seg.seq, 1);
  c.iss = ctx.random() >>> 0;
  c.issChosen = true;
  c.tsOffset = ctx.random() >>> 0;
  c.sndUna = c.sndNxt = c.sndMax = c.iss;
  negotiate(c, seg);
  c.sndWnd = seg.window; // never scaled in a SYN (RFC 7323 2.2)
  c.sndWl1 = seg.seq;
  c.sndWl2 = 0;
  c.lastRx = ctx.now;
  s.backlog.push(c);
  ctx.adopt(c);
  ctx.stats.event('passive-open');
  return 'ok';
}

function synSentInput(s: TcpSocket, ctx: TcpContext, seg: TcpRepr): TcpInputResult {
  const hasAck = seg.has(TcpFlag.Ack);
  if (hasAck && (seqLe(seg.ack, s.iss) || seqGt(seg.ack, s.sndMax))) {
    return seg.has(TcpFlag.Rst) ? 'bad-ack' : 'reset-peer';
  }
  if (seg.has(TcpFlag.Rst)) {
    if (!hasAck) return 'rst-without-ack';
    s.enterClosed('refused');
    ctx.stats.event('rst-received');
    return 'ok';
  }
  if (!seg.has(TcpFlag.Syn)) return 'no-syn';
  s.irs = seg.seq;
  s.rcvNxt = seqAdd(seg.seq, 1);
  negotiate(s, seg);
  s.sndWnd = seg.window;
  s.sndWl1 = seg.seq;
  s.sndWl2 = seg.ack;
  s.lastRx = ctx.now;
  if (hasAck) {
    // Our SYN is acknowledged: the connection is open.
    s.sndUna = seg.ack;
    s.synAcked = true;
    takeRttSample(s, ctx, seg);
    s.rtoDeadline = -1;
    s.retries = 0;
    s.state = TcpState.Established;
    s.ackNow = true;
    ctx.stats.event('active-open');
  } else {
    // Simultaneous open (RFC 9293 figure 7): answer with SYN,ACK from our ISS.
    s.state = TcpState.SynReceived;
    s.sndNxt = s.iss;
    ctx.stats.event('simultaneous-open');
  }
  return 'ok';
}

function synchronizedInput(s: TcpSocket, ctx: TcpContext, seg: TcpRepr): TcpInputResult {
  const now = ctx.now;
  // A retransmitted SYN while we wait for the handshake's ACK: send the SYN,ACK again.
  if (s.state === TcpState.SynReceived && seg.has(TcpFlag.Syn) && !seg.has(TcpFlag.Ack) && seg.seq === s.irs) {
    s.sndNxt = s.iss;
    return 'ok';
  }

  // Simultaneous open: the peer's SYN,ACK answers our SYN while we are in SYN-RECEIVED.
  if (s.state === TcpState.SynReceived && seg.has(TcpFlag.Syn) && seg.has(TcpFlag.Ack) && seg.seq === s.irs && !seg.has(TcpFlag.Rst)) {
    if (!(seqGt(seg.ack, s.sndUna) && seqLe(seg.ack, s.sndMax))) return 'reset-peer';
    s.state = TcpState.Established;
    s.sndWnd = seg.window;
    s.sndWl1 = seg.seq;
    s.sndWl2 = seg.ack;
    s.ackNow = true;
    s.lastRx = now;
    return processAck(s, ctx, seg);
  }

  // PAWS (RFC 7323 5.3): a timestamp older than TS.Recent marks an old duplicate from an
  // earlier wrap of the sequence space. It is acknowledged and dropped; RSTs are exempt.
  if (s.tsOk && seg.hasTimestamp && !seg.has(TcpFlag.Rst) && seqLt(seg.tsVal, s.tsRecent) && s.state !== TcpState.SynReceived) {
    s.ackNow = true;
    return 'paws';
  }

  // 1. Is the segment acceptable (RFC 9293 3.10.7.4, the four cases)?
  const segLen = seg.segmentLen;
  const wnd = s.rx.window;
  let acceptable: boolean;
  if (segLen === 0) acceptable = wnd === 0 ? seg.seq === s.rcvNxt : inWindow(seg.seq, s.rcvNxt, wnd);
  else acceptable = wnd > 0 && (inWindow(seg.seq, s.rcvNxt, wnd) || inWindow(seqAdd(seg.seq, segLen - 1), s.rcvNxt, wnd));
  // With a closed window, data is refused but the ACK and RST it carries still count.
  let controlOnly = false;
  if (!acceptable) {
    if (wnd === 0 && seg.seq === s.rcvNxt) {
      controlOnly = true;
    } else {
      if (!seg.has(TcpFlag.Rst)) {
        s.ackNow = true;
        // A retransmitted FIN in TIME-WAIT restarts the 2MSL wait (RFC 9293 3.10.7.4, eighth).
        if (s.state === TcpState.TimeWait && seg.has(TcpFlag.Fin)) s.timeWaitDeadline = now + s.options.timeWait;
      }
      return 'out-of-window';
    }
  }
  s.lastRx = now;
  s.keepAliveSent = 0;
  if (s.tsOk && seg.hasTimestamp && seqLe(seg.seq, s.rcvNxt)) s.tsRecent = seg.tsVal;

  // 2. RST: exactly at RCV.NXT resets; elsewhere in the window earns a challenge ACK (RFC 5961 3.2).
  if (seg.has(TcpFlag.Rst)) {
    if (seg.seq !== s.rcvNxt) {
      s.ackNow = true;
      ctx.stats.event('challenge-ack');
      return 'rst-in-window';
    }
    ctx.stats.event('rst-received');
    if (s.state === TcpState.SynReceived) s.enterClosed(s.parent ? null : 'refused');
    else if (s.state === TcpState.Closing || s.state === TcpState.LastAck || s.state === TcpState.TimeWait) s.enterClosed(null);
    else s.enterClosed('reset');
    return 'ok';
  }

  // 3. A SYN in a synchronized state: challenge ACK, and the segment goes (RFC 5961 4.2).
  if (seg.has(TcpFlag.Syn)) {
    s.ackNow = true;
    ctx.stats.event('challenge-ack');
    return 'syn-in-window';
  }

  // 4. Everything from here on must carry an ACK.
  if (!seg.has(TcpFlag.Ack)) return 'no-ack';

  // 5. ACK processing.
  if (s.state === TcpState.SynReceived) {
    if (!(seqGt(seg.ack, s.sndUna) && seqLe(seg.ack, s.sndMax))) return 'reset-peer';
    s.state = TcpState.Established;
    s.sndWnd = seg.window << s.sndShift;
    s.sndWl1 = seg.seq;
    s.sndWl2 = seg.ack;
  }
  const ackResult = processAck(s, ctx, seg);
  if (ackResult !== 'ok') return ackResult;
  if (s.state === TcpState.Closed) return 'ok';

  // 7. Data.
  if (seg.payload.length > 0 && !controlOnly) {
    if (s.state === TcpState.Established || s.state === TcpState.FinWait1 || s.state === TcpState.FinWait2) {
      const r = receiveData(s, ctx, seg);
      if (r !== 'ok') return r;
    } else {
      ctx.stats.drop('data-after-fin');
    }
  }

  // 8. FIN: remembered where it sits, acted on once every byte before it has arrived.
  if (seg.has(TcpFlag.Fin) && !controlOnly && !s.rxFinReceived) {
    s.rxFinReceived = true;
    s.rxFinSeq = seqAdd(seg.seq, seg.payload.length);
  }
  if (s.rxFinReceived && !s.rxFinDone && s.rcvNxt === s.rxFinSeq) {
    s.rcvNxt = seqAdd(s.rcvNxt, 1);
    s.rxFinDone = true;
    s.ackNow = true;
    switch (s.state) {
      case TcpState.Established:
        s.state = TcpState.CloseWait;
        break;
      case TcpState.FinWait1:
        s.state = TcpState.Closing; // simultaneous close (our FIN is not yet acknowledged)
        break;
      case TcpState.FinWait2:
        s.enterTimeWait(now);
        break;
      default:
        break;
    }
  } else if (s.state === TcpState.TimeWait && seg.has(TcpFlag.Fin)) {
    s.ackNow = true;
    s.timeWaitDeadline = now + s.options.timeWait;
  }
  return 'ok';
}

function inWindow(q: number, rcvNxt: number, wnd: number): boolean {
  const d = seqDiff(q, rcvNxt);
  return d >= 0 && d < wnd;
}

function takeRttSample(s: TcpSocket, ctx: TcpContext, seg: TcpRepr): void {
  if (s.tsOk && seg.hasTimestamp && seg.tsEcr !== 0) {
    const r = ((Math.floor(ctx.now) + s.tsOffset) >>> 0) - seg.tsEcr;
    const rtt = r >>> 0;
    if (rtt < 0x8000_0000) s.rtt.sample(rtt);
    s.rttMeasuring = false;
  } else if (s.rttMeasuring && seqGe(seg.ack, s.rttSeq)) {
    s.rtt.sample(ctx.now - s.rttTime);
    s.rttMeasuring = false;
  }
}

function processAck(s: TcpSocket, ctx: TcpContext, seg: TcpRepr): TcpInputResult {
  const ack = seg.ack;
  if (seqGt(ack, s.sndMax)) {
    // Acknowledges something never sent: answer with an ACK and drop (RFC 9293 3.10.7.4).
    s.ackNow = true;
    return 'ack-unsent';
  }
  const scaledWnd = seg.window << s.sndShift;
  const flight = seqDiff(s.sndMax, s.sndUna);
  if (seqGt(ack, s.sndUna)) {
    const acked = seqDiff(ack, s.sndUna);
    // The acknowledged span may cover our SYN and FIN as well as data; only data leaves the ring.
    const synWasUnacked = !s.synAcked;
    const finSeq = seqAdd(seqAdd(s.sndUna, synWasUnacked ? 1 : 0), s.tx.length);
    let dataAcked = acked - (synWasUnacked ? 1 : 0);
    s.synAcked = true;
    if (s.finQueued && !s.finAcked && seqGt(ack, finSeq)) {
      s.finAcked = true;
      dataAcked--;
    }
    s.tx.discard(dataAcked);
    s.sndUna = ack;
    s.sacked.advance(acked);
    if (seqLt(s.sndNxt, ack)) s.sndNxt = ack;
    takeRttSample(s, ctx, seg);
    s.rtt.resetBackoff();
    s.retries = 0;
    if (s.cc.onAck(acked, ack, flight - acked)) {
      s.retransmitNow = true;
      ctx.stats.event('partial-ack');
    }
    s.rtoDeadline = s.sndUna === s.sndMax ? -1 : ctx.now + s.rtt.rto;
  } else if (ack === s.sndUna && seg.payload.length === 0 && !seg.has(TcpFlag.Fin) && flight > 0 && (scaledWnd === s.sndWnd || seg.sackCount > 0)) {
    // A duplicate ACK in the sense of RFC 5681 2. One that carries SACK blocks counts even if
    // the window moved: the receiver is telling us about data past a hole (RFC 6675 spirit).
    ctx.stats.event('dup-ack');
    // Early Retransmit (RFC 5827): with fewer than four segments out and nothing new to send,
    // three duplicates may never come, so fewer will do.
    const segsOut = Math.ceil(flight / s.sndMss);
    const unsent = s.tx.length - seqDiff(s.sndMax, s.sndUna) + (s.synAcked ? 0 : 1);
    const threshold = segsOut < 4 && unsent <= 0 ? Math.max(1, segsOut - 1) : 3;
    if (s.cc.onDupAck(s.sndUna, s.sndMax, flight, threshold)) {
      s.retransmitNow = true;
      s.highRxt = s.sndUna;
      ctx.stats.event('fast-retransmit');
    } else if (s.cc.inRecovery && s.sackOk) {
      s.sackCredits++; // each further duplicate may refill one more hole the SACKs reveal
    }
  }
  if (s.sackOk && seg.sackCount > 0) recordSack(s, seg);
  // Window update (RFC 9293 3.10.7.4, fifth, ESTABLISHED).
  if (seqLt(s.sndWl1, seg.seq) || (s.sndWl1 === seg.seq && seqLe(s.sndWl2, ack))) {
    s.sndWnd = scaledWnd;
    s.sndWl1 = seg.seq;
    s.sndWl2 = ack;
    if (s.sndWnd > 0) s.persistDeadline = -1;
  }
  if (s.finAcked) {
    switch (s.state) {
      case TcpState.FinWait1:
        s.state = TcpState.FinWait2;
        break;
      case TcpState.Closing:
        s.enterTimeWait(ctx.now);
        break;
      case TcpState.LastAck:
        s.enterClosed(null);
        break;
      default:
        break;
    }
  }
  return 'ok';
}

function receiveData(s: TcpSocket, ctx: TcpContext, seg: TcpRepr): TcpInputResult {
  let payload = seg.payload;
  const skip = seqDiff(s.rcvNxt, seg.seq);
  if (skip > 0) payload = payload.subarray(skip);
  const offset = Math.max(0, -skip);
  if (payload.length === 0) {
    s.ackNow = true; // a pure duplicate: tell the peer where we are
    ctx.stats.event('duplicate-data');
    return 'ok';
  }
  const written = s.rx.writeUnallocated(offset, payload);
  if (written === 0) {
    s.ackNow = true;
    return 'beyond-window';
  }
  if (offset === 0) {
    const hadHoles = !s.assembler.isEmpty;
    s.rx.enqueueUnallocated(written);
    s.assembler.advance(written);
    const more = s.assembler.removeFront();
    s.rx.enqueueUnallocated(more);
    s.rcvNxt = seqAdd(s.rcvNxt, written + more);
    // Filling a hole is acknowledged at once (RFC 5681 4.2); in-order data may wait.
    if (hadHoles || s.options.ackDelay === 0) s.ackNow = true;
    else if (++s.segsSinceAck >= 2) s.ackNow = true;
    else if (s.ackDeadline < 0) s.ackDeadline = ctx.now + s.options.ackDelay;
  } else {
    if (!s.assembler.add(offset, written)) {
      s.ackNow = true;
      return 'out-of-order-full';
    }
    ctx.stats.event('out-of-order');
    // One duplicate ACK per out-of-order segment, even when a poll handles several: the
    // sender counts them to decide on fast retransmit (RFC 5681 4.2).
    s.dupAcksToSend++;
    s.ackNow = true;
  }
  return 'ok';
}

/** Adds the peer's SACK blocks to the scoreboard (blocks outside SND.UNA..SND.MAX are ignored). */
function recordSack(s: TcpSocket, seg: TcpRepr): void {
  for (let k = 0; k < seg.sackCount; k++) {
    const left = seg.sack[2 * k]!;
    const right = seg.sack[2 * k + 1]!;
    if (seqLe(right, s.sndUna) || seqGt(right, s.sndMax) || !seqLt(left, right)) continue;
    const start = seqGt(left, s.sndUna) ? left : s.sndUna;
    s.sacked.add(seqDiff(start, s.sndUna), seqDiff(right, start));
  }
}
