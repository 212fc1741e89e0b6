// A small self-describing-free encoding for composite syscall payloads (spawn requests, name
// lists, directory entries): little-endian u32 and f64 fields and length-prefixed UTF-8
// strings, read through a cursor that fails (returns null) instead of reading past the end, so
// a malformed payload becomes EINVAL rather than an exception in the kernel.

import { decodeUtf8, encodeUtf8 } from './utf8.js';

export class WireWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }
  private need(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u32(x: number): this {
    this.need(4);
    this.view.setUint32(this.pos, x >>> 0, true);
    this.pos += 4;
    return this;
  }
  f64(x: number): this {
    this.need(8);
    this.view.setFloat64(this.pos, x, true);
    this.pos += 8;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.u32(b.length);
    this.need(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  str(s: string): this {
    return this.bytes(encodeUtf8(s));
  }
  strs(list: readonly string[]): this {
    this.u32(list.length);
    for (const s of list) this.str(s);
    return this;
  }
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

export class WireReader {
  private view: DataView;
  private pos = 0;
  /** Set when a read ran past the end or met invalid UTF-8; every later read returns null. */
  bad = false;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  u32(): number | null {
    if (this.bad || this.pos + 4 > this.buf.length) return this.fail();
    const x = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return x;
  }
  f64(): number | null {
    if (this.bad || this.pos + 8 > this.buf.length) return this.fail();
    const x = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return x;
  }
  bytes(): Uint8Array | null {
    const n = this.u32();
    if (n === null || this.pos + n > this.buf.length) return this.fail();
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  str(): string | null {
    const b = this.bytes();
    if (b === null) return null;
    return decodeUtf8(b) ?? this.fail();
  }
  strs(max = 65536): string[] | null {
    const n = this.u32();
    if (n === null || n > max) return this.fail();
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const s = this.str();
      if (s === null) return null;
      out.push(s);
    }
    return out;
  }
  private fail(): null {
    this.bad = true;
    return null;
  }
}

export function encodeStrings(list: readonly string[]): Uint8Array {
  return new WireWriter().strs(list).finish();
}

export function utf8(s: string): Uint8Array {
  return encodeUtf8(s);
}

/** Decodes UTF-8 strictly; null when the bytes are not valid UTF-8. */
export function fromUtf8(b: Uint8Array): string | null {
  return decodeUtf8(b);
}
