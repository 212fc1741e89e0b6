// The socket calls' questions that are not reads or writes, asked of tcp: and udp: handles as
// derived descriptors whose one read is the answer (as `dup(fd, "name")` is):
//
//   peek:N         up to N bytes of what a read would return, left in place (MSG_PEEK): for
//                  a stream the queued bytes, for datagrams the next datagram; none when
//                  nothing is queued (the caller waits for readability first)
//   stat           `RCVBUF SNDBUF NREAD STATE\n`: the buffer sizes in force (SO_RCVBUF,
//                  SO_SNDBUF), the bytes a read would return now (FIONREAD), and the state:
//                  connecting, connected, failed or listening
//   error          `ERRNO\n`, the pending error (SO_ERROR), 0 for none; reported once
//   bufsize:RX:TX  asks for buffers of these sizes (0 keeps one); answers like `stat`
//
// The numbers are decimal text so a reader needs no layout.

export interface SockStat {
  rcvbuf: number;
  sndbuf: number;
  nread: number;
  state: 'connecting' | 'connected' | 'failed' | 'listening';
}

export interface SockQuestions {
  peek(buf: Uint8Array): number;
  stat(): SockStat;
  error(): number;
  resize(rx: number, tx: number): void;
}

/** Buffer sizes a program may ask for: Linux's floor, and a ceiling that bounds netd's memory. */
export const MIN_BUFFER = 4096;
export const MAX_BUFFER = 16 * 1024 * 1024;

const PEEK_MAX = 65536;
const enc = new TextEncoder();

/** The answer to `sub`, or null when it is not one of these questions. */
export function answerInfo(sub: string, q: SockQuestions): Uint8Array | null {
  const peek = /^peek:(\d+)$/.exec(sub);
  if (peek) {
    const buf = new Uint8Array(Math.min(Number(peek[1]), PEEK_MAX));
    return buf.subarray(0, q.peek(buf));
  }
  const size = /^bufsize:(\d+):(\d+)$/.exec(sub);
  if (size) {
    const clamp = (v: number) => (v === 0 ? 0 : Math.min(MAX_BUFFER, Math.max(MIN_BUFFER, v)));
    q.resize(clamp(Number(size[1])), clamp(Number(size[2])));
  } else if (sub === 'error') return enc.encode(`${q.error()}\n`);
  else if (sub !== 'stat') return null;
  const st = q.stat();
  return enc.encode(`${st.rcvbuf} ${st.sndbuf} ${st.nread} ${st.state}\n`);
}
