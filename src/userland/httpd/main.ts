// httpd: serves a directory over HTTP/1.1 — files with their length, type and modification
// time, byte ranges (206, 416), directory index listings (or index.html), HEAD, persistent
// connections and pipelined requests.
//
//   httpd [-p PORT] [-q] [--ready FD] [DIR]      (port 80 and the current directory by default)
//
// One process serves every connection: the listener and the connections wait together on the
// event scheme, and a connection that becomes readable has one request read and answered.
// Request heads are small and arrive whole in practice; a client that sends half a head holds
// the server until it sends the rest (a known limit of this simple design).

import * as mh from 'libmh';
import { StreamReader } from '../../net/client/stream.js';
import { parseRange, readHead } from '../../net/client/http.js';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8', htm: 'text/html; charset=utf-8', txt: 'text/plain; charset=utf-8', md: 'text/plain; charset=utf-8',
  css: 'text/css', js: 'text/javascript', json: 'application/json', toml: 'text/plain; charset=utf-8', png: 'image/png',
  jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', svg: 'image/svg+xml', wasm: 'application/wasm', pdf: 'application/pdf',
};
const REASONS: Record<number, string> = {
  200: 'OK', 206: 'Partial Content', 301: 'Moved Permanently', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 416: 'Range Not Satisfiable', 500: 'Internal Server Error', 505: 'HTTP Version Not Supported',
};

interface Conn {
  fd: number;
  reader: StreamReader;
}

let root = '.';
let quiet = false;

export function main(argv: string[]): number {
  let port = 80;
  let ready = -1;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-p') port = Number(argv[++i]);
    else if (a === '-q') quiet = true;
    else if (a === '--ready') ready = Number(argv[++i]);
    else if (a.startsWith('-')) {
      mh.eprintln('usage: httpd [-p PORT] [-q] [--ready FD] [DIR]');
      return 2;
    } else root = a;
  }
  root = root.replace(/\/+$/, '') || '/';
  let listener: number;
  try {
    listener = mh.open(`/scheme/tcp/${port}`, mh.O.RDWR);
  } catch (e) {
    mh.eprintln(`httpd: port ${port}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  if (!quiet) mh.eprintln(`httpd: serving ${root} on port ${port}`);
  if (ready >= 0) {
    mh.write(ready, 'r');
    mh.close(ready);
  }
  const ev = mh.open('/scheme/event', mh.O.RDWR);
  const watch = (fd: number, on: boolean) => mh.write(ev, new Uint8Array(new Float64Array([fd, on ? 1 : 0, fd]).buffer));
  watch(listener, true);
  const conns = new Map<number, Conn>();
  const evbuf = new Float64Array(3 * 64);
  for (;;) {
    const n = mh.read(ev, new Uint8Array(evbuf.buffer)) / 24;
    for (let i = 0; i < n; i++) {
      const fd = evbuf[i * 3 + 2]!;
      if (fd === listener) {
        let c: number;
        try {
          c = mh.dup(listener, 'accept');
        } catch (e) {
          // The network daemon is gone (EIO): nothing more will come. Anything else concerns
          // that one connection.
          if (e instanceof mh.MhError && e.errno === mh.Errno.EIO) {
            mh.eprintln('httpd: the network daemon went away');
            return 1;
          }
          continue;
        }
        conns.set(c, { fd: c, reader: new StreamReader(c) });
        watch(c, true);
        continue;
      }
      const c = conns.get(fd);
      if (!c) continue;
      let keep: boolean;
      try {
        // Serve every request already buffered (pipelining), then wait for more.
        do keep = serve(c);
        while (keep && c.reader.buffered > 0);
      } catch {
        keep = false;
      }
      if (!keep) {
        watch(fd, false);
        conns.delete(fd);
        mh.close(fd);
      }
    }
  }
}

/** Reads and answers one request; false when the connection should close. */
function serve(c: Conn): boolean {
  const head = readHead(c.reader);
  if (!head) return false;
  const [method, target, version] = head.start;
  if (!method || !target || !version || !/^HTTP\/1\.\d$/.test(version)) {
    respond(c, 400, 'HEAD', { 'Connection': 'close' }, 'bad request\n');
    return false;
  }
  const connHdr = (head.fields.get('connection') ?? '').toLowerCase();
  const keep = version === 'HTTP/1.1' ? !connHdr.includes('close') : connHdr.includes('keep-alive');
  const base: Record<string, string> = keep ? {} : { 'Connection': 'close' };
  if (method !== 'GET' && method !== 'HEAD') {
    respond(c, 405, method, { ...base, 'Allow': 'GET, HEAD' }, 'method not allowed\n');
    return keep;
  }
  let path: string;
  try {
    path = decodeURIComponent(target.replace(/[?#].*$/, ''));
  } catch {
    respond(c, 400, method, base, 'bad request\n');
    return keep;
  }
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    respond(c, 403, method, base, 'forbidden\n');
    return keep;
  }
  const file = root === '/' ? `/${parts.join('/')}` : [root, ...parts].join('/');
  let st: mh.Stat;
  try {
    st = mh.stat(file);
  } catch {
    respond(c, 404, method, base, 'not found\n');
    log(method, target, 404);
    return keep;
  }
  if ((st.mode & mh.S.IFMT) === mh.S.IFDIR) {
    if (!path.endsWith('/')) {
      respond(c, 301, method, { ...base, 'Location': `${encodePath(path)}/` }, 'moved\n');
      return keep;
    }
    if (mh.exists(`${file}/index.html`)) return sendFile(c, method, `${file}/index.html`, mh.stat(`${file}/index.html`), head.fields, base, keep, target);
    respond(c, 200, method, { ...base, 'Content-Type': 'text/html; charset=utf-8' }, listing(file, path));
    log(method, target, 200);
    return keep;
  }
  return sendFile(c, method, file, st, head.fields, base, keep, target);
}

function sendFile(c: Conn, method: string, file: string, st: mh.Stat, fields: Map<string, string>, base: Record<string, string>, keep: boolean, target: string): boolean {
  const size = st.size;
  const ext = /\.([a-zA-Z0-9]+)$/.exec(file)?.[1]?.toLowerCase() ?? '';
  const hdrs: Record<string, string> = { ...base, 'Content-Type': TYPES[ext] ?? 'application/octet-stream', 'Accept-Ranges': 'bytes', 'Last-Modified': new Date(st.mtimeMs).toUTCString() };
  const range = parseRange(fields.get('range'), size);
  if (range === 'unsatisfiable') {
    respond(c, 416, method, { ...hdrs, 'Content-Range': `bytes */${size}` }, '');
    log(method, target, 416);
    return keep;
  }
  const [start, end, status] = range === 'none' ? [0, size - 1, 200] : [range.start, range.end, 206];
  if (status === 206) hdrs['Content-Range'] = `bytes ${start}-${end}/${size}`;
  let fd: number;
  try {
    fd = mh.open(file);
  } catch {
    respond(c, 403, method, base, 'forbidden\n');
    return keep;
  }
  try {
    // The head goes out with the first piece of the body in one write: written apart, the body
    // would wait for the head's ACK (Nagle), which a delayed-ACK peer holds back 40 ms.
    const head = headBytes(status, { ...hdrs, 'Content-Length': String(end - start + 1) });
    const buf = new Uint8Array(head.length + 128 * 1024);
    buf.set(head);
    let fill = head.length;
    for (let off = start; method === 'GET' && off <= end; ) {
      const n = mh.read(fd, buf.subarray(fill, fill + Math.min(buf.length - fill, end + 1 - off)), off);
      if (n === 0) break;
      off += n;
      fill += n;
      if (fill === buf.length || off > end) {
        mh.write(c.fd, buf.subarray(0, fill));
        fill = 0;
      }
    }
    if (fill > 0) mh.write(c.fd, buf.subarray(0, fill));
  } finally {
    mh.close(fd);
  }
  log(method, target, status);
  return keep;
}

function headBytes(status: number, hdrs: Record<string, string>): Uint8Array {
  const lines = [`HTTP/1.1 ${status} ${REASONS[status] ?? ''}`, `Date: ${new Date().toUTCString()}`, 'Server: MACROHARD-httpd/0.1'];
  for (const [k, v] of Object.entries(hdrs)) lines.push(`${k}: ${v}`);
  return new TextEncoder().encode(lines.join('\r\n') + '\r\n\r\n');
}

function respond(c: Conn, status: number, method: string, hdrs: Record<string, string>, body: string): void {
  const b = method === 'HEAD' ? new Uint8Array(0) : new TextEncoder().encode(body);
  const head = headBytes(status, { 'Content-Type': 'text/plain; charset=utf-8', ...hdrs, 'Content-Length': String(new TextEncoder().encode(body).length) });
  const all = new Uint8Array(head.length + b.length);
  all.set(head);
  all.set(b, head.length);
  mh.write(c.fd, all);
}

function listing(dir: string, path: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const entries = mh.readdir(dir).filter((e) => e.name !== '.' && e.name !== '..').sort((a, b) => a.name.localeCompare(b.name));
  const rows = entries.map((e) => {
    const isDir = e.type === 4;
    const name = e.name + (isDir ? '/' : '');
    return `<li><a href="${esc(encodeURIComponent(e.name))}${isDir ? '/' : ''}">${esc(name)}</a></li>`;
  });
  const up = path === '/' ? '' : '<li><a href="../">../</a></li>';
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Index of ${esc(path)}</title></head>\n<body><h1>Index of ${esc(path)}</h1>\n<ul>\n${up}${rows.join('\n')}\n</ul></body></html>\n`;
}

function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}

function log(method: string, target: string, status: number): void {
  if (!quiet) mh.eprintln(`httpd: ${method} ${target} ${status}`);
}
