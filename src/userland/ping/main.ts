// ping: ICMP echo through netd's icmp: scheme. Sends one echo request a second (-i), waits
// for each reply at most -W seconds, and prints round-trip times and a summary as iputils'
// ping does. An IPv6 address (or -6, which resolves names to IPv6 ones) pings with ICMPv6.
//
//   ping [-4|-6] [-c COUNT] [-i SECS] [-W SECS] [-s BYTES] [-q] HOST
//
// Exit status: 0 if any reply came, 1 if none, 2 for errors.

import * as mh from 'libmh';
import { resolve } from '../../net/client/resolve.js';
import type { Family } from '../../net/client/names.js';
import { waitReadable } from '../../net/client/stream.js';

export function main(argv: string[]): number {
  let count = Infinity;
  let interval = 1000;
  let wait = 1000;
  let size = 56;
  let quiet = false;
  let host: string | null = null;
  let family: Family = 0;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-c') count = Number(argv[++i]);
    else if (a === '-i') interval = Number(argv[++i]) * 1000;
    else if (a === '-W') wait = Number(argv[++i]) * 1000;
    else if (a === '-s') size = Number(argv[++i]);
    else if (a === '-q') quiet = true;
    else if (a === '-4' || a === '-6') family = a === '-4' ? 4 : 6;
    else if (a.startsWith('-')) return usage();
    else host = a;
  }
  if (!host || !(count > 0) || !(size >= 8 && size <= 1472 - 8)) return usage();
  let addr: string;
  let fd: number;
  try {
    addr = resolve(host, family);
    fd = mh.open(`/scheme/icmp/${addr}`, mh.O.RDWR);
  } catch (e) {
    mh.eprintln(`ping: ${host}: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  // ICMPv6's types, and its 40-byte IP header in the size iputils prints (RFC 4443 4.1, 4.2).
  const v6 = addr.includes(':');
  const [request, reply, unreachable] = v6 ? [128, 129, 1] : [8, 0, 3];
  mh.println(`PING ${host} (${addr}) ${size}(${size + (v6 ? 48 : 28)}) bytes of data.`);
  const msg = new Uint8Array(8 + size);
  const rx = new Uint8Array(2048);
  const times: number[] = [];
  let sent = 0;
  const t0 = Date.now();
  for (let seq = 1; seq <= count; seq++) {
    msg[0] = request;
    msg[6] = seq >> 8;
    msg[7] = seq & 0xff;
    for (let i = 8; i < msg.length; i++) msg[i] = i & 0xff;
    const start = Date.now();
    const startHi = performanceNow();
    mh.write(fd, msg);
    sent++;
    const deadline = start + wait;
    let got = false;
    while (!got && Date.now() < deadline && waitReadable(fd, deadline - Date.now())) {
      const n = mh.read(fd, rx);
      if (n < 8 || rx[0] !== reply || ((rx[6]! << 8) | rx[7]!) !== seq) {
        if (n >= 8 && rx[0] === unreachable && !quiet) mh.println(`From ${addr} icmp_seq=${seq} Destination Unreachable`);
        continue;
      }
      const ms = performanceNow() - startHi;
      times.push(ms);
      got = true;
      if (!quiet) mh.println(`${n} bytes from ${addr}: icmp_seq=${seq} time=${ms.toFixed(3)} ms`);
    }
    if (seq < count) {
      const left = start + interval - Date.now();
      if (left > 0) mh.sleep(left);
    }
  }
  const loss = sent ? Math.round(((sent - times.length) / sent) * 100) : 0;
  mh.println(`\n--- ${host} ping statistics ---`);
  mh.println(`${sent} packets transmitted, ${times.length} received, ${loss}% packet loss, time ${Date.now() - t0}ms`);
  if (times.length) {
    const avg = times.reduce((a, b) => a + b, 0) / times.length;
    const mdev = Math.sqrt(times.reduce((a, b) => a + (b - avg) ** 2, 0) / times.length);
    mh.println(`rtt min/avg/max/mdev = ${Math.min(...times).toFixed(3)}/${avg.toFixed(3)}/${Math.max(...times).toFixed(3)}/${mdev.toFixed(3)} ms`);
  }
  mh.close(fd);
  return times.length ? 0 : 1;
}

/** Sub-millisecond time where the sandbox offers it, else the wall clock. */
function performanceNow(): number {
  const p = (globalThis as { performance?: { now(): number } }).performance;
  return p ? p.now() : Date.now();
}

function usage(): number {
  mh.eprintln('usage: ping [-4|-6] [-c COUNT] [-i SECS] [-W SECS] [-s BYTES] [-q] HOST');
  return 2;
}
