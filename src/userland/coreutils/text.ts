// Stream applets: cat, head, tail (with -f), wc, tee, hexdump. They read as they go, so
// `yes | head -n 1` ends at once, and write through the shared buffered output. Formats follow
// GNU (wc's column widths, head/tail's `==> name <==` headers) and util-linux (hexdump's
// default and -C layouts, with `*` for repeated lines).

import * as mh from 'libmh';
import { type Applet, closeInput, eachFd, eachInput, getopts, Lines, openInput, out, quote, UsageError, warn, errText } from './common.js';
import { intArg } from './getopt.js';
import { parseSize } from './format.js';
import { concatBytes } from '../../abi/bytes.js';

/** GNU head/tail accept the obsolete `-N` for `-n N`. */
function obsoleteCount(args: string[]): string[] {
  const a = args[0];
  if (a && /^-\d+$/.test(a)) return ['-n', a.slice(1), ...args.slice(1)];
  return args;
}

function header(name: string, first: boolean): void {
  out.write(`${first ? '' : '\n'}==> ${name === '-' ? 'standard input' : name} <==\n`);
}

function catRun(args: string[]): number {
  const p = getopts(args, { short: 'AbeEnstTuv', long: { 'show-all': 'A', 'number-nonblank': 'b', 'show-ends': 'E', number: 'n', 'squeeze-blank': 's', 'show-tabs': 'T', 'show-nonprinting': 'v' } });
  const has = (c: string): boolean => p.has(c) || (p.has('A') && 'vET'.includes(c)) || (p.has('e') && 'vE'.includes(c)) || (p.has('t') && 'vT'.includes(c));
  const plain = !['b', 'E', 'n', 's', 'T', 'v'].some(has);
  let lineNo = 0;
  let prevBlank = false;
  const buf = new Uint8Array(64 * 1024);
  const ok = eachInput(p.operands, (name) => {
    const fd = openInput(name);
    try {
      if (plain) {
        out.flush();
        for (let n = mh.read(fd, buf); n > 0; n = mh.read(fd, buf)) mh.write(1, buf.subarray(0, n));
        return;
      }
      const lines = new Lines(fd);
      for (let l = lines.next(); l !== null; l = lines.next()) {
        const nl = l.endsWith('\n');
        let body = nl ? l.slice(0, -1) : l;
        const blank = body === '';
        if (has('s') && blank && prevBlank) continue;
        prevBlank = blank;
        if (has('T')) body = body.replace(/\t/g, '^I');
        if (has('v')) body = body.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) => (c === '\x7f' ? '^?' : '^' + String.fromCharCode(c.charCodeAt(0) + 64)));
        const num = has('b') ? !blank : has('n');
        out.write((num ? `${String(++lineNo).padStart(6)}\t` : '') + body + (nl ? (has('E') ? '$\n' : '\n') : ''));
      }
    } finally {
      closeInput(fd);
    }
  });
  return ok ? 0 : 1;
}

function countArg(v: string, what: string): { n: number; sign: string } {
  const sign = v[0] === '+' || v[0] === '-' ? v[0] : '';
  const n = parseSize(sign ? v.slice(1) : v);
  if (n === null) throw new UsageError(`invalid number of ${what}: ${quote(v)}`);
  return { n, sign };
}

function headRun(args: string[]): number {
  const p = getopts(obsoleteCount(args), { short: 'c:n:qv', long: { bytes: 'c', lines: 'n', quiet: 'q', silent: 'q', verbose: 'v' } });
  const byBytes = p.list.filter(([k]) => k === 'c' || k === 'n').pop()?.[0] === 'c';
  const { n, sign } = countArg((byBytes ? p.get('c') : p.get('n')) ?? '10', byBytes ? 'bytes' : 'lines');
  const files = p.operands.length ? p.operands : ['-'];
  const headers = p.has('v') || (files.length > 1 && !p.has('q'));
  let first = true;
  const ok = eachFd(files, (fd, name) => {
    {
      if (headers) header(name, first);
      first = false;
      if (byBytes) {
        if (sign === '-') {
          const all = mh.readAll(fd);
          out.write(all.subarray(0, Math.max(0, all.length - n)));
          return;
        }
        const buf = new Uint8Array(64 * 1024);
        let left = n;
        while (left > 0) {
          const got = mh.read(fd, buf.subarray(0, Math.min(left, buf.length)));
          if (got === 0) break;
          out.write(buf.slice(0, got));
          left -= got;
        }
        return;
      }
      const lines = new Lines(fd);
      if (sign === '-') {
        const all: string[] = [];
        for (let l = lines.next(); l !== null; l = lines.next()) all.push(l);
        out.write(all.slice(0, Math.max(0, all.length - n)).join(''));
        return;
      }
      for (let i = 0; i < n; i++) {
        const l = lines.next();
        if (l === null) break;
        out.write(l);
      }
    }
  });
  return ok ? 0 : 1;
}

/** The part of `data` tail prints: last N lines/bytes, or from the Nth on with `+N`. */
function tailSlice(data: Uint8Array, n: number, fromStart: boolean, byBytes: boolean): Uint8Array {
  if (byBytes) return fromStart ? data.subarray(Math.max(0, n - 1)) : data.subarray(Math.max(0, data.length - n));
  if (fromStart) {
    let pos = 0;
    for (let line = 1; line < n && pos < data.length; line++) {
      const nl = data.indexOf(10, pos);
      if (nl < 0) return data.subarray(data.length);
      pos = nl + 1;
    }
    return data.subarray(pos);
  }
  let end = data.length;
  if (end > 0 && data[end - 1] === 10) end--;
  let pos = end;
  for (let count = 0; count < n; count++) {
    const nl = data.lastIndexOf(10, pos - 1);
    if (nl < 0 || pos === 0) return data;
    pos = nl;
  }
  return data.subarray(n === 0 ? data.length : pos + 1);
}

function processAlive(pid: number): boolean {
  try {
    mh.kill(pid, 0);
    return true;
  } catch (e) {
    return !(e instanceof mh.MhError && e.code === 'ESRCH');
  }
}

function tailRun(args: string[]): number {
  const p = getopts(obsoleteCount(args), {
    short: 'c:n:fFqvs:',
    long: { bytes: 'c', lines: 'n', follow: 'f', quiet: 'q', silent: 'q', verbose: 'v', 'sleep-interval': 's', pid: { key: 'pid', arg: 'required' }, retry: 'retry' },
  });
  const byBytes = p.list.filter(([k]) => k === 'c' || k === 'n').pop()?.[0] === 'c';
  const { n, sign } = countArg((byBytes ? p.get('c') : p.get('n')) ?? '10', byBytes ? 'bytes' : 'lines');
  const follow = p.has('f') || p.has('F');
  const interval = Number(p.get('s') ?? '1') * 1000;
  const pid = p.get('pid') !== undefined ? intArg(p.get('pid')!, 'PID') : 0;
  const files = p.operands.length ? p.operands : ['-'];
  const headers = p.has('v') || (files.length > 1 && !p.has('q'));
  const followed: { name: string; fd: number }[] = [];
  let first = true;
  const ok = eachFd(files, (fd, name) => {
    if (headers) header(name, first);
    first = false;
    out.write(tailSlice(mh.readAll(fd), n, sign === '+', byBytes));
    // A pipe cannot grow once at its end: GNU ignores -f for standard input that is a pipe.
    // eachFd closes what it opened, so a followed file gets a descriptor of its own.
    if (follow && name !== '-') {
      const again = mh.open(name, mh.O.RDONLY);
      mh.seek(again, mh.fstat(fd).size);
      followed.push({ name, fd: again });
    }
  });
  if (!follow || followed.length === 0) return ok ? 0 : 1;
  out.flush();
  const buf = new Uint8Array(64 * 1024);
  let last = followed[followed.length - 1]!.name;
  for (;;) {
    let any = false;
    for (const f of followed) {
      for (let got = mh.read(f.fd, buf); got > 0; got = mh.read(f.fd, buf)) {
        if (headers && f.name !== last) header(f.name, false);
        last = f.name;
        out.write(buf.slice(0, got));
        any = true;
      }
    }
    if (any) out.flush();
    if (pid && !processAlive(pid)) return ok ? 0 : 1;
    mh.sleep(interval);
  }
}

interface Counts {
  lines: number;
  words: number;
  bytes: number;
  chars: number;
  maxLine: number;
}

function countFd(fd: number): Counts {
  const c: Counts = { lines: 0, words: 0, bytes: 0, chars: 0, maxLine: 0 };
  const buf = new Uint8Array(64 * 1024);
  let inWord = false;
  let col = 0;
  for (let n = mh.read(fd, buf); n > 0; n = mh.read(fd, buf)) {
    c.bytes += n;
    for (let i = 0; i < n; i++) {
      const b = buf[i]!;
      // UTF-8 continuation bytes are not characters of their own.
      if ((b & 0xc0) !== 0x80) c.chars++;
      if (b === 10) {
        c.lines++;
        c.maxLine = Math.max(c.maxLine, col);
        col = 0;
      } else if (b === 9) col += 8 - (col % 8);
      else if ((b & 0xc0) !== 0x80 && b >= 32 && b !== 127) col++;
      const space = b === 32 || (b >= 9 && b <= 13);
      if (space) inWord = false;
      else if (!inWord) {
        inWord = true;
        c.words++;
      }
    }
  }
  c.maxLine = Math.max(c.maxLine, col);
  return c;
}

function wcRun(args: string[]): number {
  const p = getopts(args, { short: 'clLmw', long: { bytes: 'c', chars: 'm', lines: 'l', 'max-line-length': 'L', words: 'w' } });
  let fields = (['l', 'w', 'm', 'c', 'L'] as const).filter((k) => p.has(k));
  if (fields.length === 0) fields = ['l', 'w', 'c'];
  const files = p.operands.length ? p.operands : ['-'];
  // GNU sizes the columns from the regular files' total size, and to at least 7 when some
  // input is not a regular file (its size is unknown); one count of one file is not padded.
  let width = 1;
  if (fields.length > 1 || files.length > 1) {
    let total = 0;
    let irregular = false;
    for (const f of files) {
      try {
        const st = f === '-' ? mh.fstat(0) : mh.stat(f);
        if ((st.mode & mh.S.IFMT) === mh.S.IFREG) total += st.size;
        else irregular = true;
      } catch {
        // reported when it is read
      }
    }
    width = Math.max(String(total).length, irregular ? 7 : 1);
  }
  const sum: Counts = { lines: 0, words: 0, bytes: 0, chars: 0, maxLine: 0 };
  const show = (c: Counts, name: string): void => {
    const v = { l: c.lines, w: c.words, m: c.chars, c: c.bytes, L: c.maxLine };
    out.line(fields.map((f) => String(v[f]).padStart(width)).join(' ') + (name === '-' && !p.operands.length ? '' : ` ${name}`));
  };
  const ok = eachInput(files, (name) => {
    const fd = openInput(name);
    try {
      const c = countFd(fd);
      show(c, name);
      sum.lines += c.lines;
      sum.words += c.words;
      sum.bytes += c.bytes;
      sum.chars += c.chars;
      sum.maxLine = Math.max(sum.maxLine, c.maxLine);
    } catch (e) {
      if (e instanceof mh.MhError && e.code === 'EISDIR') show({ lines: 0, words: 0, bytes: 0, chars: 0, maxLine: 0 }, name);
      throw e;
    } finally {
      closeInput(fd);
    }
  });
  if (files.length > 1) show(sum, 'total');
  return ok ? 0 : 1;
}

function teeRun(args: string[]): number {
  const p = getopts(args, { short: 'ai', long: { append: 'a', 'ignore-interrupts': 'i' } });
  if (p.has('i')) mh.signal(mh.Sig.SIGINT, 'ignore');
  let status = 0;
  const fds: number[] = [];
  for (const f of p.operands) {
    try {
      fds.push(mh.open(f, mh.O.WRONLY | mh.O.CREAT | (p.has('a') ? mh.O.APPEND : mh.O.TRUNC), 0o666));
    } catch (e) {
      warn(`${f}: ${errText(e)}`);
      status = 1;
    }
  }
  const buf = new Uint8Array(64 * 1024);
  for (let n = mh.read(0, buf); n > 0; n = mh.read(0, buf)) {
    const chunk = buf.subarray(0, n);
    mh.write(1, chunk);
    for (const fd of fds) mh.write(fd, chunk);
  }
  for (const fd of fds) mh.close(fd);
  return status;
}

const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');

function hexdumpRun(args: string[]): number {
  const p = getopts(args, { short: 'Cn:s:v', long: { canonical: 'C', length: 'n', skip: 's', 'no-squeezing': 'v' } });
  const canonical = p.has('C');
  const limit = p.get('n') !== undefined ? (parseSize(p.get('n')!) ?? intArg(p.get('n')!, 'length')) : Infinity;
  const skip = p.get('s') !== undefined ? (parseSize(p.get('s')!) ?? intArg(p.get('s')!, 'offset')) : 0;
  const chunks: Uint8Array[] = [];
  const ok = eachInput(p.operands, (name) => {
    const fd = openInput(name);
    try {
      chunks.push(mh.readAll(fd));
    } finally {
      closeInput(fd);
    }
  });
  const all = concatBytes(chunks);
  const data = all.subarray(Math.min(skip, all.length), Math.min(all.length, skip + limit));
  let prev: string | null = null;
  let starred = false;
  for (let pos = 0; pos < data.length; pos += 16) {
    const row = data.subarray(pos, pos + 16);
    const key = row.length === 16 ? row.join(',') : null;
    if (!p.has('v') && key !== null && key === prev) {
      if (!starred) out.line('*');
      starred = true;
      continue;
    }
    prev = key;
    starred = false;
    const at = skip + pos;
    if (canonical) {
      let line = hex(at, 8) + ' ';
      for (let i = 0; i < 16; i++) line += (i === 8 ? ' ' : '') + (i < row.length ? ' ' + hex(row[i]!, 2) : '   ');
      let text = '';
      for (const b of row) text += b >= 32 && b < 127 ? String.fromCharCode(b) : '.';
      out.line(`${line}  |${text}|`);
    } else {
      let line = hex(at, 7);
      for (let i = 0; i < 16; i += 2) line += i < row.length ? ' ' + hex(row[i]! | ((row[i + 1] ?? 0) << 8), 4) : '     ';
      out.line(line);
    }
  }
  if (data.length > 0) out.line(hex(skip + data.length, canonical ? 8 : 7));
  if (!ok && chunks.length === 0) warn('all input file arguments failed');
  return ok ? 0 : 1;
}

export const textApplets = {
  cat: { usage: '[-AbeEnstTv] [FILE]...', run: catRun },
  head: { usage: '[-n [-]N | -c [-]N] [-qv] [FILE]...', run: headRun },
  tail: { usage: '[-n [+]N | -c [+]N] [-f] [-s SECS] [--pid=PID] [-qv] [FILE]...', run: tailRun },
  wc: { usage: '[-clmwL] [FILE]...', run: wcRun },
  tee: { usage: '[-ai] [FILE]...', run: teeRun },
  hexdump: { usage: '[-Cv] [-n LENGTH] [-s OFFSET] [FILE]...', run: hexdumpRun },
} satisfies Record<string, Applet>;

