// Text that keeps every byte. The applets work on JavaScript strings, but files need not be
// UTF-8, and GNU's tools pass any byte through. So decoding maps each byte of an invalid
// sequence to a lone low surrogate U+DC80..U+DCFF (Python's "surrogateescape"), which valid
// UTF-8 can never produce, and encoding turns those back into the bytes they stood for.
// printf's \NNN and \xHH escapes use the same mapping to write single bytes.
//
// Pure: unit-tested on the host (bytes.test.ts).

const strict = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();
const ESCAPED = /[\udc80-\udcff]/;

/** The character standing for byte `b`: itself below 0x80, an escape above. */
export function rawByte(b: number): string {
  return String.fromCharCode(b < 0x80 ? b : 0xdc00 + b);
}

/** Bytes to text, losing nothing: invalid UTF-8 bytes become escapes. */
export function decodeBytes(b: Uint8Array): string {
  try {
    return strict.decode(b);
  } catch {
    // fall through to the byte-by-byte path
  }
  const parts: string[] = [];
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const n = c < 0x80 ? 1 : (c & 0xe0) === 0xc0 ? 2 : (c & 0xf0) === 0xe0 ? 3 : (c & 0xf8) === 0xf0 ? 4 : 0;
    if (n === 1) {
      parts.push(String.fromCharCode(c));
      i++;
      continue;
    }
    if (n > 1 && i + n <= b.length) {
      try {
        parts.push(strict.decode(b.subarray(i, i + n)));
        i += n;
        continue;
      } catch {
        // not a valid sequence: this byte alone is escaped
      }
    }
    parts.push(rawByte(c));
    i++;
  }
  return parts.join('');
}

/** Text to bytes: UTF-8, with escapes turned back into their bytes. */
export function encodeText(text: string): Uint8Array {
  if (!ESCAPED.test(text)) return encoder.encode(text);
  const out: number[] = [];
  let start = 0;
  const flush = (end: number): void => {
    if (end > start) for (const x of encoder.encode(text.slice(start, end))) out.push(x);
  };
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    // A low surrogate after a high one is half of a real character, not an escape.
    if (u >= 0xdc80 && u <= 0xdcff && !(i > 0 && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff)) {
      flush(i);
      out.push(u - 0xdc00);
      start = i + 1;
    }
  }
  flush(text.length);
  return Uint8Array.from(out);
}
