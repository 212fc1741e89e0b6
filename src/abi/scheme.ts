// The user-scheme protocol: what a daemon reads from and writes to the descriptor that
// scheme_create gave it, in the manner of Redox's request/completion pairs. One read returns
// as many whole requests as fit; one write may carry several replies. Replies may come in any
// order; the tag pairs them with their request. A busy daemon gives its replies and takes its
// next requests in one call, scheme_serve: the replies in, the requests out, as a write then a
// read on the same descriptor (the replies are taken even when the read then waits or fails).
//
// Request (48-byte header, then payload, padded to 8 bytes):
//   0 tag u32 | 4 opcode u32 | 8 handle u32 | 12 flags u32 | 16 pid u32 | 20 uid u32
//   24 gid u32 | 28 payloadLen u32 | 32 arg0 f64 | 40 arg1 f64 | 48.. payload
//
// Reply (32-byte header, then payload):
//   0 tag u32 | 4 kind u32 | 8 payloadLen u32 | 12 reserved | 16 result f64 | 24 aux f64
//   kind: see ReplyKind. On OPEN and DUP replies, aux bit 0 marks a stream handle.

import { DATA_SIZE } from './channel.js';
import { encodeUtf8Into } from './utf8.js';

/**
 * scheme_create flag: the scheme's files change only through requests the kernel routes to
 * this scheme (the daemon owns its storage, and no other scheme or process reaches it), and a
 * stat's answer depends only on the files, the path and the caller's uid and gid, so the
 * kernel may answer path stats from its attribute cache (docs/kernel.md, "The attribute cache").
 */
export const SCHEME_COHERENT = 1;

export const REQ_HEADER = 48;
export const REPLY_HEADER = 32;

/**
 * The largest payload one request or reply carries: one request, or one reply, must fit a
 * channel's data area whole. Reads and writes beyond it are short, and callers loop. It is a
 * whole number of 4 KiB pages (1 MiB), so that a large transfer split into such pieces stays
 * aligned to a filesystem's blocks (a file daemon then never merges partial blocks).
 */
export const MAX_PAYLOAD = DATA_SIZE - 4096;

export const Op = {
  OPEN: 1,       // payload: path; arg0 flags, arg1 mode          -> handle
  READ: 2,       // arg0 offset, arg1 length                      -> n, payload: data
  WRITE: 3,      // arg0 offset (-1: append); payload: data       -> n, aux: position after
  SEEK: 4,       // arg0 offset, arg1 whence; flags: current pos  -> new position
  FSTAT: 5,      //                                               -> 0, payload: Stat
  FSYNC: 6,
  FTRUNCATE: 7,  // arg0 length
  CLOSE: 8,      // one-way: no reply is read
  GETDENTS: 9,   // arg0 cookie, arg1 max bytes                   -> n, payload: dirents
  DUP: 10,       // payload: sub-path                             -> handle
  FPATH: 11,     //                                               -> n, payload: path
  MKDIR: 12,     // payload: path; arg0 mode
  RMDIR: 13,     // payload: path
  UNLINK: 14,    // payload: path
  RENAME: 15,    // payload: strs [old, new]
  LINK: 16,      // payload: strs [old, new]
  SYMLINK: 17,   // payload: strs [target, path]
  READLINK: 18,  // payload: path                                 -> n, payload: target
  CHMOD: 19,     // payload: path; arg0 mode
  CHOWN: 20,     // payload: path; arg0 uid, arg1 gid
  UTIMENS: 21,   // payload: path; arg0 atime ms, arg1 mtime ms
  STAT: 22,      // payload: path; arg0 1 = lstat                 -> 0, payload: Stat
  FCHMOD: 23,    // arg0 mode
  FCHOWN: 24,    // arg0 uid, arg1 gid
  FUTIMENS: 25,  // arg0 atime ms, arg1 mtime ms
  STATVFS: 26,   //                                               -> 0, payload: StatVfs
  CANCEL: 27,    // one-way: the request with tag arg0 was abandoned by its caller
  POLL: 28,      // readiness of a handle: -> mask of EVENT_READ/EVENT_WRITE (never blocks)
} as const;

export type OpName = keyof typeof Op;

/**
 * VALUE: result is a value or -errno. FD: result is a descriptor of the daemon's, handed to the
 * caller as the result of an open or dup. EVENT: unsolicited; the readiness of the handle in
 * aux changed to the mask in result (tag ignored). REDIRECT: the path led, through a symbolic
 * link, out of the scheme; the payload is the absolute path to go on with (/dev/null ->
 * /scheme/null), which the kernel resolves in the caller's namespace.
 */
export const ReplyKind = { VALUE: 0, FD: 1, EVENT: 2, REDIRECT: 3 } as const;

export interface Request {
  tag: number;
  opcode: number;
  handle: number;
  flags: number;
  pid: number;
  uid: number;
  gid: number;
  arg0: number;
  arg1: number;
  payload: Uint8Array;
  /**
   * A path to send as the payload instead of `payload` (which is then empty): the kernel
   * encodes it as it writes the request into the daemon's channel, with no array in between.
   */
  text?: string;
}

export interface Reply {
  tag: number;
  kind: number;
  result: number;
  aux: number;
  payload: Uint8Array;
}

export function requestSize(payloadLen: number): number {
  return (REQ_HEADER + payloadLen + 7) & ~7;
}

export function replySize(payloadLen: number): number {
  return (REPLY_HEADER + payloadLen + 7) & ~7;
}

/** The most bytes a request may take in a daemon's channel (exact unless it carries text). */
export function requestBound(r: Request): number {
  return requestSize(r.text === undefined ? r.payload.length : r.text.length * 3);
}

/** Writes a request at `pos` of `dst`; returns the next position, or -1 if it does not fit. */
export function putRequest(dst: Uint8Array, pos: number, r: Request): number {
  let len = r.payload.length;
  if (r.text !== undefined) {
    if (pos + REQ_HEADER > dst.length) return -1;
    len = encodeUtf8Into(r.text, dst, pos + REQ_HEADER);
    if (len < 0) return -1;
  }
  const size = requestSize(len);
  if (pos + size > dst.length) return -1;
  const v = new DataView(dst.buffer, dst.byteOffset + pos, REQ_HEADER);
  v.setUint32(0, r.tag, true);
  v.setUint32(4, r.opcode, true);
  v.setUint32(8, r.handle, true);
  v.setUint32(12, r.flags, true);
  v.setUint32(16, r.pid, true);
  v.setUint32(20, r.uid, true);
  v.setUint32(24, r.gid, true);
  v.setUint32(28, len, true);
  v.setFloat64(32, r.arg0, true);
  v.setFloat64(40, r.arg1, true);
  if (r.text === undefined) dst.set(r.payload, pos + REQ_HEADER);
  return pos + size;
}

/** Parses the requests packed in `src` (the payloads are views into it). */
export function parseRequests(src: Uint8Array): Request[] | null {
  const out: Request[] = [];
  const v = new DataView(src.buffer, src.byteOffset, src.byteLength);
  let pos = 0;
  while (pos < src.length) {
    if (pos + REQ_HEADER > src.length) return null;
    const len = v.getUint32(pos + 28, true);
    if (pos + REQ_HEADER + len > src.length) return null;
    out.push({
      tag: v.getUint32(pos, true), opcode: v.getUint32(pos + 4, true), handle: v.getUint32(pos + 8, true),
      flags: v.getUint32(pos + 12, true), pid: v.getUint32(pos + 16, true), uid: v.getUint32(pos + 20, true),
      gid: v.getUint32(pos + 24, true), arg0: v.getFloat64(pos + 32, true), arg1: v.getFloat64(pos + 40, true),
      payload: src.subarray(pos + REQ_HEADER, pos + REQ_HEADER + len),
    });
    pos += requestSize(len);
  }
  return out;
}

export function putReply(dst: Uint8Array, pos: number, r: Reply): number {
  if (pos + replySize(r.payload.length) > dst.length) return -1;
  return writeReply(new DataView(dst.buffer, dst.byteOffset, dst.byteLength), dst, pos, r.tag, r.kind, r.result, r.aux, r.payload);
}

/**
 * Writes a reply at `pos` of `dst`, which `v` views whole, and returns the next position; the
 * caller has checked it fits. A server that keeps `v` makes no object per reply.
 */
export function writeReply(v: DataView, dst: Uint8Array, pos: number, tag: number, kind: number, result: number, aux: number, payload: Uint8Array): number {
  v.setUint32(pos, tag, true);
  v.setUint32(pos + 4, kind, true);
  v.setUint32(pos + 8, payload.length, true);
  v.setUint32(pos + 12, 0, true);
  v.setFloat64(pos + 16, result, true);
  v.setFloat64(pos + 24, aux, true);
  if (payload.length > 0) dst.set(payload, pos + REPLY_HEADER);
  return pos + replySize(payload.length);
}

/** Parses replies; a malformed batch yields null and the whole write fails with EINVAL. */
export function parseReplies(src: Uint8Array): Reply[] | null {
  const out: Reply[] = [];
  const v = new DataView(src.buffer, src.byteOffset, src.byteLength);
  let pos = 0;
  while (pos < src.length) {
    if (pos + REPLY_HEADER > src.length) return null;
    const len = v.getUint32(pos + 8, true);
    if (pos + REPLY_HEADER + len > src.length) return null;
    out.push({
      tag: v.getUint32(pos, true), kind: v.getUint32(pos + 4, true), result: v.getFloat64(pos + 16, true),
      aux: v.getFloat64(pos + 24, true), payload: src.subarray(pos + REPLY_HEADER, pos + REPLY_HEADER + len),
    });
    pos += replySize(len);
  }
  return out;
}

/** Readiness bits, shared by the event scheme and POLL replies. */
export const EVENT_READ = 1;
export const EVENT_WRITE = 2;
/**
 * Not a readiness: an event record with this flag asks the queue to ring the doorbell of the
 * descriptor's shared memory (a nic ring's BELL, src/abi/nicring.ts) whenever something it
 * watches is ready, so that its owner can sleep on that memory instead of in the kernel.
 */
export const EVENT_BELL = 4;
/** An event queue's record, written to watch and read when ready: {fd, flags, token}, three f64. */
export const EVENT_RECORD = 24;
