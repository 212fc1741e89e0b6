// ping: ICMP echo through netd's icmp: scheme. Sends one echo request a second (-i), waits
// for each reply at most -W seconds, and prints round-trip times and a summary as iputils'
// ping does.
//
//   ping [-c COUNT] [-i SECS] [-W SECS] [-s BYTES] [-q] HOST
//
// Exit status: 0 if any reply came, 1 if none, 2 for errors.

import * as mh from 'libmh';
import { resolve } from '../../net/client/resolve.js';
import { waitReadable } from '../../net/client/stream.js';

export function main(argv: string[]): number {
  let count = Infinity;
  let interval = 1000;
  let wait = 1000;
  let size = 56;
  let quiet = false;
  let host: string | null = null;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-c') count = Number(argv[++i]);
    else if (a === '-i') interval = Number(argv[++i]) * 1000;
    else if (a === '-W') wait = Number(argv[++i]) * 1000;
    else if (a === '-s') size = Number(argv[++i]);
    else if (a === '-q') quiet = true;
    else if (a.startsWith('-')) return usage();
    else host = a;
  }
  if (!host || !(count > 0) || !(size >= 8 && size <= 1472 - 8)) return usage();
  let addr: string;
  let fd: number;
  try {
    addr = resolve(host);
    fd = mh.open(`/scheme/icmp/${addr}`, mh.O.RDWR);
  } catch (e) {
    mh.eprintln(`ping: ${host}: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  mh.println(`PING ${host} (${addr}) ${size}(${size + 28}) bytes of data.`);
  const msg = new Uint8Array(8 + size);
  const rx = new Uint8Array(2048);
  const times: number[] = [];
  let sent = 0;
  const t0 = Date.now();
  for (let seq = 1; seq <= count; seq++) {
    msg[0] = 8; // echo request
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
      if (n < 8 || rx[0] !== 0 || ((rx[6]! << 8) | rx[7]!) !== seq) {
        if (n >= 8 && rx[0] === 3 && !quiet) mh.println(`From ${addr} icmp_seq=${seq} Destination Unreachable`);
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
  mh.eprintln('usage: ping [-c COUNT] [-i SECS] [-W SECS] [-s BYTES] [-q] HOST');
  return 2;
}
