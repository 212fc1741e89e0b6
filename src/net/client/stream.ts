// What network programs share on the client side of netd's schemes: opening a connection by
// name (`connect`), buffered reading of a socket stream (lines, exact counts, to the end), and
// waiting for a descriptor with a timeout (the event scheme plus a timer from the time scheme).
// These run inside MACROHARD processes, over libmh.

import * as mh from 'libmh';
import { EVENT_RECORD } from '../../abi/scheme.js';
import { resolve } from './resolve.js';
import { endpointText } from './names.js';

/** Opens tcp:HOST:PORT, resolving HOST first; throws MhError or Error with a readable message. */
export function connect(host: string, port: number): number {
  return mh.open(`/scheme/tcp/${endpointText(resolve(host), port)}`, mh.O.RDWR);
}

// One event queue and one timer serve every wait of the process: opening them per wait would
// cost four more system calls each time (ping waits once a second, for a round trip).
let waiter: { ev: number; timer: number; fd: number } | null = null;

/** Waits until `fd` is readable or `ms` pass; true if readable. */
export function waitReadable(fd: number, ms: number): boolean {
  if (!waiter) {
    const ev = mh.open('/scheme/event', mh.O.RDWR);
    const timer = mh.open('/scheme/time/realtime', mh.O.RDWR);
    mh.write(ev, new Uint8Array(new Float64Array([timer, 1, 2]).buffer));
    waiter = { ev, timer, fd: -1 };
  }
  const w = waiter;
  if (w.fd !== fd && w.fd >= 0) {
    // Stop watching the previous descriptor; closed already, it is forgotten by itself.
    try {
      mh.write(w.ev, new Uint8Array(new Float64Array([w.fd, 0, 1]).buffer));
    } catch {
      /* closed */
    }
  }
  // Watched by description: a number closed and reused since the last wait must be added again.
  mh.write(w.ev, new Uint8Array(new Float64Array([fd, 1, 1]).buffer));
  w.fd = fd;
  const at = Date.now() + ms;
  const when = new DataView(new ArrayBuffer(16));
  when.setFloat64(0, Math.floor(at / 1000), true);
  when.setFloat64(8, (at % 1000) * 1e6, true);
  mh.write(w.timer, new Uint8Array(when.buffer)); // re-arming also clears a past expiry
  const got = new Float64Array(6);
  const n = mh.read(w.ev, new Uint8Array(got.buffer));
  for (let i = 0; i < n / EVENT_RECORD; i++) if (got[i * 3 + 2] === 1) return true;
  return false;
}

/** Buffered reads from a stream descriptor. */
export class StreamReader {
  private buf = new Uint8Array(64 * 1024);
  private start = 0;
  private end = 0;
  eof = false;
  constructor(readonly fd: number) {}

  /** Bytes read from the descriptor and not yet consumed. */
  get buffered(): number {
    return this.end - this.start;
  }

  private fill(): boolean {
    if (this.eof) return false;
    if (this.start === this.end) this.start = this.end = 0;
    if (this.end === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf.subarray(this.start, this.end));
      this.end -= this.start;
      this.start = 0;
      this.buf = bigger;
    }
    const n = mh.read(this.fd, this.buf.subarray(this.end));
    if (n === 0) {
      this.eof = true;
      return false;
    }
    this.end += n;
    return true;
  }

  /** A line without its CRLF or LF, or null at end of stream. */
  readLine(): string | null {
    for (;;) {
      const nl = this.buf.subarray(this.start, this.end).indexOf(10);
      if (nl >= 0) {
        let stop = this.start + nl;
        const line = this.buf.subarray(this.start, stop > this.start && this.buf[stop - 1] === 13 ? stop - 1 : stop);
        this.start = stop + 1;
        return new TextDecoder().decode(line);
      }
      if (!this.fill()) {
        if (this.start === this.end) return null;
        const line = new TextDecoder().decode(this.buf.subarray(this.start, this.end));
        this.start = this.end;
        return line;
      }
    }
  }

  /** Up to `max` bytes: what is buffered, or one read's worth; empty at end of stream. */
  readSome(max: number): Uint8Array {
    if (this.start === this.end && !this.fill()) return new Uint8Array(0);
    const n = Math.min(max, this.end - this.start);
    const out = this.buf.slice(this.start, this.start + n);
    this.start += n;
    return out;
  }

  /** Exactly n bytes, fewer only at end of stream. */
  readExact(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const part = this.readSome(n - got);
      if (part.length === 0) break;
      out.set(part, got);
      got += part.length;
    }
    return got === n ? out : out.subarray(0, got);
  }
}
