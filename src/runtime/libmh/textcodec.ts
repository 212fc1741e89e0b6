// TextEncoder and TextDecoder for the sandbox context, which has only ECMAScript's built-ins:
// programs use the web-standard names for UTF-8 and get libmh's codec behind them.

import { decodeUtf8, encodeUtf8 } from '../../abi/utf8.js';

class MhTextEncoder {
  readonly encoding = 'utf-8';
  encode(s = ''): Uint8Array {
    return encodeUtf8(s);
  }
}

class MhTextDecoder {
  readonly encoding: string;
  readonly fatal: boolean;
  constructor(label = 'utf-8', opts: { fatal?: boolean } = {}) {
    // UTF-8, and the single-byte Latin-1 family (as the web platform treats it, byte = code point).
    if (/^utf-?8$/i.test(label)) this.encoding = 'utf-8';
    else if (/^(latin1|iso-8859-1|ascii|us-ascii|windows-1252)$/i.test(label)) this.encoding = 'windows-1252';
    else throw new RangeError(`unsupported encoding ${label}`);
    this.fatal = !!opts.fatal;
  }
  decode(b?: ArrayBufferView | ArrayBuffer): string {
    if (!b) return '';
    const u = b instanceof Uint8Array ? b : ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b);
    if (this.encoding !== 'utf-8') {
      let out = '';
      for (let i = 0; i < u.length; i += 8192) out += String.fromCharCode(...u.subarray(i, i + 8192));
      return out;
    }
    const s = decodeUtf8(u, this.fatal);
    if (s === null) throw new TypeError('The encoded data was not valid for encoding utf-8');
    return s;
  }
}

export function installTextCodec(g: Record<string, unknown>): void {
  if (typeof g.TextEncoder === 'undefined') g.TextEncoder = MhTextEncoder;
  if (typeof g.TextDecoder === 'undefined') g.TextDecoder = MhTextDecoder;
}
