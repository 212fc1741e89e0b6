// fetch: an HTTP/1.1 client (wget's and curl's everyday use). Downloads a URL to standard
// output or a file, following redirects (301, 302, 303, 307, 308; at most 10), reading bodies
// framed by Content-Length, chunked transfer coding, or the end of the connection.
//
//   fetch [-o FILE | -O] [-I] [-q] [-r START-END] [-H 'Name: value']... URL
//   -o FILE  write the body to FILE       -O  write it to the URL's last path segment
//   -I       print the response head only (a HEAD request)
//   -q       no progress line on standard error
//   -r       ask for a byte range (Range: bytes=START-END)
//
// Exit status: 0 for a 2xx answer, 1 for an HTTP error status, 2 for usage, 3 for network errors.

import * as mh from 'libmh';
import { connect, StreamReader } from '../../net/client/stream.js';
import { endpointText } from '../../net/client/names.js';
import { hostField, parseUrl, readBody, readHead, resolveLocation, type Url } from '../../net/client/http.js';

const usage = "usage: fetch [-o FILE | -O] [-I] [-q] [-r START-END] [-H 'Name: value']... URL";

export function main(argv: string[]): number {
  let out: string | null = null;
  let autoName = false;
  let headOnly = false;
  let quiet = false;
  let range: string | null = null;
  const extra: string[] = [];
  let urlText: string | null = null;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-o') out = argv[++i] ?? null;
    else if (a === '-O') autoName = true;
    else if (a === '-I') headOnly = true;
    else if (a === '-q') quiet = true;
    else if (a === '-r') range = argv[++i] ?? null;
    else if (a === '-H') extra.push(argv[++i] ?? '');
    else if (a.startsWith('-')) {
      mh.eprintln(usage);
      return 2;
    } else urlText = a;
  }
  if (!urlText) {
    mh.eprintln(usage);
    return 2;
  }
  let url = parseUrl(urlText);
  for (let hops = 0; ; hops++) {
    if (typeof url === 'string') {
      mh.eprintln(`fetch: ${url}`);
      return 2;
    }
    let fd: number;
    try {
      fd = connect(url.host, url.port);
    } catch (e) {
      mh.eprintln(`fetch: ${endpointText(url.host, url.port)}: ${e instanceof Error ? e.message : String(e)}`);
      return 3;
    }
    try {
      const req = [`${headOnly ? 'HEAD' : 'GET'} ${url.target} HTTP/1.1`, `Host: ${hostField(url)}`, 'User-Agent: MACROHARD-fetch/0.1', 'Accept: */*', 'Connection: close'];
      if (range) req.push(`Range: bytes=${range}`);
      req.push(...extra, '', '');
      mh.write(fd, req.join('\r\n'));
      const r = new StreamReader(fd);
      const head = readHead(r);
      if (!head || !/^HTTP\/1\.\d$/.test(head.start[0] ?? '')) throw new Error('not an HTTP response');
      const status = Number(head.start[1]);
      const location = head.fields.get('location');
      if ([301, 302, 303, 307, 308].includes(status) && location) {
        if (hops >= 10) throw new Error('too many redirects');
        if (!quiet) mh.eprintln(`fetch: ${status} -> ${location}`);
        url = resolveLocation(url, location);
        continue;
      }
      if (headOnly) {
        mh.println(`${head.start.join(' ')}`);
        for (const [k, v] of head.fields) mh.println(`${k}: ${v}`);
        return status < 300 ? 0 : 1;
      }
      const target = autoName ? nameFrom(url) : out;
      const dest = target ? mh.open(target, mh.O.WRONLY | mh.O.CREAT | mh.O.TRUNC, 0o644) : 1;
      const t0 = Date.now();
      const n = readBody(r, head.fields, (b) => void mh.write(dest, b), true);
      if (dest !== 1) mh.close(dest);
      if (!quiet) mh.eprintln(`fetch: ${status} ${head.start[2] ?? ''}, ${n} bytes in ${((Date.now() - t0) / 1000).toFixed(2)} s${target ? ` to ${target}` : ''}`);
      return status >= 200 && status < 300 ? 0 : 1;
    } catch (e) {
      mh.eprintln(`fetch: ${e instanceof Error ? e.message : String(e)}`);
      return 3;
    } finally {
      mh.close(fd);
    }
  }
}

function nameFrom(url: Url): string {
  const last = url.target.replace(/[?#].*$/, '').split('/').pop();
  return last ? decodeURIComponent(last) : 'index.html';
}
