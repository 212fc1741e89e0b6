// nc: netcat over netd's schemes. Connects to a TCP or UDP service, or listens for one peer,
// and copies standard input to the peer and the peer's bytes to standard output.
//
//   nc HOST PORT          TCP client
//   nc -l PORT            TCP server: accept one connection
//   nc -u HOST PORT       UDP: each read of standard input is one datagram
//   nc -u -l PORT         UDP: answer whoever sent the last datagram
//   -w SECS               after standard input ends, wait at most this long for the peer
//                         (TCP: the default waits for the peer to close; UDP: 1 s)
//   -z                    only check that the TCP port accepts a connection
//
// At the end of standard input a TCP connection is half-closed (a FIN, as shutdown(SHUT_WR)),
// so the peer sees end of file and may still answer. Both directions are served from one
// loop waiting on the event scheme.

import * as mh from 'libmh';
import { resolve } from '../../net/client/resolve.js';

const usage = 'usage: nc [-u] [-w SECS] [-z] HOST PORT | nc [-u] -l PORT';

export function main(argv: string[]): number {
  let udp = false;
  let listen = false;
  let zero = false;
  let wait = -1;
  const rest: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-u') udp = true;
    else if (a === '-l') listen = true;
    else if (a === '-z') zero = true;
    else if (a === '-w') wait = Number(argv[++i]) * 1000;
    else if (/^-[ulz]+$/.test(a)) {
      udp ||= a.includes('u');
      listen ||= a.includes('l');
      zero ||= a.includes('z');
    } else rest.push(a);
  }
  if (listen ? rest.length !== 1 : rest.length !== 2) {
    mh.eprintln(usage);
    return 2;
  }
  let fd: number;
  try {
    if (listen) {
      const l = mh.open(`/scheme/${udp ? 'udp' : 'tcp'}/${Number(rest[0])}`, mh.O.RDWR);
      fd = udp ? l : mh.dup(l, 'accept');
      if (!udp) mh.close(l);
    } else {
      const addr = resolve(rest[0]!);
      fd = mh.open(`/scheme/${udp ? 'udp' : 'tcp'}/${addr}:${Number(rest[1])}`, mh.O.RDWR);
    }
  } catch (e) {
    mh.eprintln(`nc: ${rest.join(' ')}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  if (zero) {
    mh.close(fd);
    return 0;
  }
  return pump(fd, udp, listen, wait >= 0 ? wait : udp ? 1000 : -1);
}

/** Copies both ways until the peer closes (or, after our input ends, `linger` ms pass). */
function pump(fd: number, udp: boolean, listen: boolean, linger: number): number {
  const ev = mh.open('/scheme/event', mh.O.RDWR);
  const timer = mh.open('/scheme/time/realtime', mh.O.RDWR);
  const watch = (f: number, on: boolean, token: number) => mh.write(ev, new Uint8Array(new Float64Array([f, on ? 1 : 0, token]).buffer));
  watch(fd, true, 1);
  const buf = new Uint8Array(udp ? 65507 : 128 * 1024);
  const evbuf = new Float64Array(12);
  let inputOpen = true;
  // A regular file as input is always readable: send it whole first, without the event queue.
  if ((mh.fstat(0).mode & mh.S.IFMT) === mh.S.IFREG && !(udp && listen)) {
    for (let k = mh.read(0, buf); k > 0; k = mh.read(0, buf)) mh.write(fd, buf.subarray(0, k));
    inputOpen = false;
    if (!udp) mh.close(mh.dup(fd, 'shutdown'));
    if (linger >= 0) {
      arm(timer, linger);
      watch(timer, true, 2);
    }
  } else watch(0, true, 0);
  // A UDP listener cannot send before someone has spoken to it.
  let heard = !(udp && listen);
  const pendingInput: Uint8Array[] = [];
  for (;;) {
    const n = mh.read(ev, new Uint8Array(evbuf.buffer));
    for (let i = 0; i < n / 24; i++) {
      const token = evbuf[i * 3 + 2];
      if (token === 1) {
        let k: number;
        try {
          k = mh.read(fd, buf);
        } catch (e) {
          mh.eprintln(`nc: ${e instanceof Error ? e.message : String(e)}`);
          return 1;
        }
        if (k === 0 && !udp) return 0; // the peer closed
        mh.write(1, buf.subarray(0, k));
        if (!heard) {
          heard = true;
          for (const p of pendingInput.splice(0)) mh.write(fd, p);
        }
        if (!inputOpen && linger >= 0) arm(timer, linger);
      } else if (token === 0) {
        const k = mh.read(0, buf);
        if (k === 0) {
          inputOpen = false;
          watch(0, false, 0);
          if (!udp) mh.close(mh.dup(fd, 'shutdown'));
          if (linger >= 0) {
            arm(timer, linger);
            watch(timer, true, 2);
          }
          continue;
        }
        if (heard) mh.write(fd, buf.subarray(0, k));
        else pendingInput.push(buf.slice(0, k));
      } else if (token === 2) {
        return 0;
      }
    }
  }
}

function arm(timer: number, ms: number): void {
  const at = Date.now() + ms;
  const v = new DataView(new ArrayBuffer(16));
  v.setFloat64(0, Math.floor(at / 1000), true);
  v.setFloat64(8, (at % 1000) * 1e6, true);
  mh.write(timer, new Uint8Array(v.buffer));
}
