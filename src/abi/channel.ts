// The syscall channel: one SharedArrayBuffer per process, shared by its worker and the kernel.
//
//   bytes 0..63     Int32 control words (below)
//   bytes 64..111   six Float64 arguments
//   bytes 112..119  Float64 result (negative: -errno)
//   bytes 120..127  reserved
//   bytes 128..     data area: payload in, then payload out (DATA_SIZE bytes)
//
// A call: the worker writes NR, the arguments and the payload, stores 1 in KSTATE and notifies
// it; the kernel (which waits on KSTATE with Atomics.waitAsync, or polls it while busy) stores 0
// there, dispatches, writes RESULT and OUT_LEN, stores 1 in USTATE and notifies it; the worker,
// spinning briefly and then sleeping in Atomics.wait on USTATE, stores 0 there and reads the
// reply. Two words so that each side waits on a word only the other side sets.

export const Ctl = {
  KSTATE: 0,      // 1: a request is posted (worker sets, kernel clears)
  USTATE: 1,      // 1: a reply is posted (kernel sets, worker clears)
  NR: 2,          // syscall number
  IN_LEN: 3,      // payload bytes in
  OUT_LEN: 4,     // payload bytes out
  SIGPENDING: 5,  // mask of pending signals that have handlers (kernel sets)
  BLOCKED_ON: 6,  // ring id + 1 the worker sleeps on in a pipe operation, or 0
  STOPPED: 7,     // 1 while the process is stopped (SIGSTOP/SIGTSTP): pipe fast paths check it
  KSPIN: 8,       // 1 while the kernel is polling channels (the worker may skip the notify)
  CALLS: 9,       // calls made, for the process's resource use
  MEMKB: 10,      // memory the process reports using, in KiB (its WebAssembly memory)
  DEAD: 11,       // 1 once the process has ended: every call on this channel fails at once
  SLOW: 12,       // 1 while the call waits on something slow (a daemon, a sleeper): don't spin
} as const;

export const CTL_WORDS = 16;
export const ARGS_OFFSET = 64;
export const NARGS = 6;
export const RESULT_OFFSET = 112;
export const DATA_OFFSET = 128;
/**
 * Payloads larger than this are split into several calls by the runtime. 1 MiB and a page:
 * a 1 MiB read or write (the usual buffer size of programs that move files) is one call, and
 * through a daemon one request with a page to spare for its header. Memory costs only what is
 * touched: the host zero-fills the buffer lazily.
 */
export const DATA_SIZE = 1024 * 1024 + 4096;
export const CHANNEL_BYTES = DATA_OFFSET + DATA_SIZE;

/** Typed views over one channel buffer; both sides build the same views. */
export class ChannelView {
  readonly ctl: Int32Array;
  readonly args: Float64Array;
  readonly result: Float64Array;
  readonly data: Uint8Array;
  constructor(readonly buffer: SharedArrayBuffer) {
    if (buffer.byteLength !== CHANNEL_BYTES) throw new RangeError(`channel must be ${CHANNEL_BYTES} bytes`);
    this.ctl = new Int32Array(buffer, 0, CTL_WORDS);
    this.args = new Float64Array(buffer, ARGS_OFFSET, NARGS);
    this.result = new Float64Array(buffer, RESULT_OFFSET, 1);
    this.data = new Uint8Array(buffer, DATA_OFFSET, DATA_SIZE);
  }
}
