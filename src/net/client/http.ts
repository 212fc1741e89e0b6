// HTTP/1.1 pieces shared by fetch and httpd (RFC 9110, 9112): URL splitting, reading a
// message head (start line and header fields), bodies framed by Content-Length, by chunked
// transfer coding or by the end of the connection, and Range header parsing (RFC 9110 14.2).

import type { StreamReader } from './stream.js';

export interface Url {
  scheme: 'http';
  /** A name or an address; an IPv6 one without its brackets. */
  host: string;
  port: number;
  /** Path and query, starting with '/'. */
  target: string;
}

export function parseUrl(text: string): Url | string {
  // The host is a name, an IPv4 address or an IPv6 one in brackets (RFC 3986 3.2.2).
  const m = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):\/\/)?(\[[0-9A-Fa-f:.]+(?:%25\w+)?\]|[^/:?#[\]]+)(?::(\d+))?([^#]*)/.exec(text);
  if (!m) return `bad URL '${text}'`;
  const scheme = (m[1] ?? 'http').toLowerCase();
  if (scheme !== 'http') return `${scheme}: URLs are not supported (http only)`;
  const port = m[3] ? Number(m[3]) : 80;
  if (!(port > 0 && port < 65536)) return `bad port in '${text}'`;
  const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1).replace('%25', '%') : m[2]!;
  return { scheme: 'http', host, port, target: m[4] ? (m[4].startsWith('/') ? m[4] : `/${m[4]}`) : '/' };
}

/** The Host field's value for a URL (RFC 9110 7.2): an IPv6 address in brackets, the port unless 80. */
export function hostField(url: Url): string {
  const h = url.host.includes(':') ? `[${url.host.replace(/%.*/, '')}]` : url.host;
  return url.port === 80 ? h : `${h}:${url.port}`;
}

/** Resolves a Location value against the URL it came from. */
export function resolveLocation(base: Url, location: string): Url | string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(location)) return parseUrl(location);
  if (location.startsWith('//')) return parseUrl(`http:${location}`);
  if (location.startsWith('/')) return { ...base, target: location };
  const dir = base.target.replace(/[?#].*$/, '').replace(/[^/]*$/, '');
  return { ...base, target: dir + location };
}

export interface Head {
  /** The start line's parts: [method, target, version] or [version, status, reason]. */
  start: string[];
  /** Field names in lower case; repeated fields joined with ', '. */
  fields: Map<string, string>;
}

/** Reads a message head; null at a clean end of stream before any byte. */
export function readHead(r: StreamReader): Head | null {
  let line = r.readLine();
  while (line === '') line = r.readLine(); // RFC 9112 2.2: ignore empty lines before a request
  if (line === null) return null;
  const sp1 = line.indexOf(' ');
  const sp2 = line.indexOf(' ', sp1 + 1);
  const start = sp1 < 0 ? [line] : sp2 < 0 ? [line.slice(0, sp1), line.slice(sp1 + 1)] : [line.slice(0, sp1), line.slice(sp1 + 1, sp2), line.slice(sp2 + 1)];
  const fields = new Map<string, string>();
  for (let f = r.readLine(); f !== null && f !== ''; f = r.readLine()) {
    const c = f.indexOf(':');
    if (c <= 0) continue;
    const name = f.slice(0, c).trim().toLowerCase();
    const value = f.slice(c + 1).trim();
    fields.set(name, fields.has(name) ? `${fields.get(name)}, ${value}` : value);
  }
  return { start, fields };
}

/**
 * Reads a body and hands it to `sink` piece by piece: chunked, Content-Length, or (for a
 * response) to the end of the stream. Returns the byte count; throws on a malformed chunk.
 */
export function readBody(r: StreamReader, fields: Map<string, string>, sink: (b: Uint8Array) => void, untilClose: boolean): number {
  let total = 0;
  if ((fields.get('transfer-encoding') ?? '').toLowerCase().split(/\s*,\s*/).includes('chunked')) {
    for (;;) {
      const sizeLine = r.readLine();
      if (sizeLine === null) throw new Error('connection closed inside a chunked body');
      const size = parseInt(sizeLine.split(';')[0]!.trim(), 16);
      if (!Number.isFinite(size) || size < 0) throw new Error(`bad chunk size '${sizeLine}'`);
      if (size === 0) {
        while (r.readLine()) {} // trailer fields, up to the empty line
        return total;
      }
      let left = size;
      while (left > 0) {
        const part = r.readSome(left);
        if (part.length === 0) throw new Error('connection closed inside a chunk');
        sink(part);
        left -= part.length;
        total += part.length;
      }
      r.readLine(); // the CRLF after the chunk data
    }
  }
  const cl = fields.get('content-length');
  if (cl !== undefined) {
    let left = Number(cl);
    if (!Number.isSafeInteger(left) || left < 0) throw new Error(`bad Content-Length '${cl}'`);
    while (left > 0) {
      const part = r.readSome(Math.min(left, 256 * 1024));
      if (part.length === 0) throw new Error(`connection closed with ${left} bytes of the body missing`);
      sink(part);
      left -= part.length;
      total += part.length;
    }
    return total;
  }
  if (!untilClose) return 0;
  for (let part = r.readSome(256 * 1024); part.length > 0; part = r.readSome(256 * 1024)) {
    sink(part);
    total += part.length;
  }
  return total;
}

/** A single byte range of a resource of `size` bytes: [start, end] inclusive. */
export type RangeResult = { start: number; end: number } | 'none' | 'unsatisfiable';

export function parseRange(value: string | undefined, size: number): RangeResult {
  if (!value) return 'none';
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  // Several ranges, or another unit: serve the whole resource, as RFC 9110 allows.
  if (!m || (m[1] === '' && m[2] === '')) return 'none';
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
