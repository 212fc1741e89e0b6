// UTF-8 encoding and decoding that works everywhere MACROHARD code runs — including a
// program's sandbox context, which has no TextEncoder/TextDecoder (they are host objects,
// not ECMAScript). Where the host provides them they are used, being faster.

const NativeEncoder = (globalThis as { TextEncoder?: typeof TextEncoder }).TextEncoder;
const NativeDecoder = (globalThis as { TextDecoder?: typeof TextDecoder }).TextDecoder;
const nativeEnc = NativeEncoder ? new NativeEncoder() : null;
const nativeDec = NativeDecoder ? new NativeDecoder('utf-8', { fatal: true }) : null;
const nativeLossy = NativeDecoder ? new NativeDecoder('utf-8') : null;

export function encodeUtf8(s: string): Uint8Array {
  if (nativeEnc) return nativeEnc.encode(s);
  const out = new Uint8Array(s.length * 3);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
    if (c < 0x80) out[n++] = c;
    else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 63);
    } else if (c < 0x10000) {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    } else {
      out[n++] = 0xf0 | (c >> 18);
      out[n++] = 0x80 | ((c >> 12) & 63);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    }
  }
  return out.slice(0, n);
}

/**
 * Encodes `s` into `dst` at `at`; the bytes written, or -1 when they do not fit (nothing is
 * then promised about `dst`). Spares the array `encodeUtf8` makes when the bytes go straight
 * into a buffer that exists.
 */
export function encodeUtf8Into(s: string, dst: Uint8Array, at: number): number {
  if (nativeEnc) {
    const { read, written } = nativeEnc.encodeInto(s, dst.subarray(at));
    return read === s.length ? written : -1;
  }
  const b = encodeUtf8(s);
  if (at + b.length > dst.length) return -1;
  dst.set(b, at);
  return b.length;
}

/** Decodes; null on invalid UTF-8 when `fatal`, U+FFFD replacements otherwise. */
export function decodeUtf8(b: Uint8Array, fatal = true): string | null {
  if (nativeDec && nativeLossy) {
    if (!fatal) return nativeLossy.decode(b);
    try {
      return nativeDec.decode(b);
    } catch {
      return null;
    }
  }
  // Paths and names are mostly short and ASCII: one call makes the string.
  if (b.length <= 1024) {
    let ascii = true;
    for (let i = 0; i < b.length; i++) {
      if (b[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, b as unknown as number[]);
  }
  let s = '';
  let chunk: number[] = [];
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    let cp = -1;
    let len = 1;
    if (c < 0x80) cp = c;
    else if (c >= 0xc2 && c < 0xe0 && i + 1 < b.length && (b[i + 1]! & 0xc0) === 0x80) {
      cp = ((c & 31) << 6) | (b[i + 1]! & 63);
      len = 2;
    } else if (c >= 0xe0 && c < 0xf0 && i + 2 < b.length && (b[i + 1]! & 0xc0) === 0x80 && (b[i + 2]! & 0xc0) === 0x80) {
      cp = ((c & 15) << 12) | ((b[i + 1]! & 63) << 6) | (b[i + 2]! & 63);
      len = 3;
      if (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000)) cp = -1;
    } else if (c >= 0xf0 && c < 0xf5 && i + 3 < b.length && (b[i + 1]! & 0xc0) === 0x80 && (b[i + 2]! & 0xc0) === 0x80 && (b[i + 3]! & 0xc0) === 0x80) {
      cp = ((c & 7) << 18) | ((b[i + 1]! & 63) << 12) | ((b[i + 2]! & 63) << 6) | (b[i + 3]! & 63);
      len = 4;
      if (cp < 0x10000 || cp > 0x10ffff) cp = -1;
    }
    if (cp < 0) {
      if (fatal) return null;
      cp = 0xfffd;
      len = 1;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      chunk.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 1023));
    } else chunk.push(cp);
    i += len;
    if (chunk.length > 8192) {
      s += String.fromCharCode(...chunk);
      chunk = [];
    }
  }
  return s + String.fromCharCode(...chunk);
}
