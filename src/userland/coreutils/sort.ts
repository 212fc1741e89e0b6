// sort and uniq, as GNU does them in the C locale: sort keys (-k F[.C][opts][,F[.C][opts]]),
// field separators (-t; by default a field is its leading blanks plus the word), numeric (-n),
// human (-h), general (-g), month (-M), fold (-f), dictionary (-d), blank-skipping (-b),
// reverse (-r), unique (-u), stable (-s), check (-c/-C), output (-o); and when every key ties,
// the whole lines decide (GNU's last-resort comparison) unless -s or -u.

import * as mh from 'libmh';
import { type Applet, Failure, getopts, out, readLines, UsageError, warn, errText, quote } from './common.js';

export interface SortKey {
  sf: number;
  sc: number;
  ef: number;
  ec: number;
  /** Options letters for this key: b (start), B (end blanks), d f g h M n r. */
  opts: string;
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

/** Parses one -k KEYDEF. */
export function parseKey(def: string): SortKey {
  const m = /^(\d+)(?:\.(\d+))?([bdfghiMnrRV]*)(?:,(\d+)(?:\.(\d+))?([bdfghiMnrRV]*))?$/.exec(def);
  if (m && (Number(m[1]) === 0 || m[4] === '0')) throw new Failure(`field number is zero: invalid field specification ${quote(def)}`, 2);
  if (m && m[2] === '0') throw new Failure(`character offset is zero: invalid field specification ${quote(def)}`, 2);
  if (!m) throw new Failure(`invalid field specification ${quote(def)}`, 2);
  const endOpts = m[6] ?? '';
  return {
    sf: Number(m[1]),
    sc: m[2] ? Number(m[2]) : 1,
    ef: m[4] ? Number(m[4]) : Infinity,
    ec: m[5] ? Number(m[5]) : 0,
    opts: (m[3] ?? '') + endOpts.replace(/b/g, 'B'),
  };
}

/** The [start, end) of each field of `line`. */
function fields(line: string, sep: string | null): [number, number][] {
  const f: [number, number][] = [];
  if (sep !== null) {
    let start = 0;
    for (;;) {
      const i = line.indexOf(sep, start);
      if (i < 0) {
        f.push([start, line.length]);
        return f;
      }
      f.push([start, i]);
      start = i + sep.length;
    }
  }
  let i = 0;
  while (i < line.length) {
    const start = i;
    while (i < line.length && isBlank(line[i])) i++;
    while (i < line.length && !isBlank(line[i])) i++;
    f.push([start, i]);
  }
  return f;
}

export function keyText(line: string, k: SortKey, sep: string | null, globalOpts: string): string {
  const f = fields(line, sep);
  const opts = k.opts || globalOpts;
  let start: number;
  if (k.sf > f.length) start = line.length;
  else {
    start = f[k.sf - 1]![0];
    if (opts.includes('b')) while (start < line.length && isBlank(line[start])) start++;
    start = Math.min(line.length, start + k.sc - 1);
  }
  let end: number;
  if (k.ef === Infinity || k.ef > f.length) end = line.length;
  else if (k.ec === 0) end = f[k.ef - 1]![1];
  else {
    end = f[k.ef - 1]![0];
    if (opts.includes('B') || (k.opts === '' && globalOpts.includes('b'))) while (end < line.length && isBlank(line[end])) end++;
    end = Math.min(line.length, end + k.ec);
  }
  return line.slice(start, Math.max(start, end));
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

function numericValue(s: string, kind: string): number {
  const t = s.replace(/^[ \t]+/, '');
  if (kind === 'g') {
    const m = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(t);
    return m ? Number(m[0]) : -Infinity;
  }
  const m = /^-?(\d*)(\.\d*)?/.exec(t)!;
  if (m[1] === '' && (m[2] ?? '.') === '.') return 0;
  let v = Number(m[0] === '-' ? '0' : m[0].replace(/\.$/, ''));
  if (kind === 'h') {
    // GNU's SI suffixes are upper case, but for k: 1e2 is 1 with an unknown suffix.
    const suffix = t[m[0].length];
    const e = suffix ? 'KMGTPEZYRQ'.indexOf(suffix === 'k' ? 'K' : suffix) + 1 : 0;
    if (e > 0) v *= 1024 ** e;
  }
  return v;
}

function compareText(a: string, b: string, opts: string): number {
  if (opts.includes('d')) {
    a = a.replace(/[^ \t0-9A-Za-z]/g, '');
    b = b.replace(/[^ \t0-9A-Za-z]/g, '');
  }
  if (opts.includes('f')) {
    a = a.toUpperCase();
    b = b.toUpperCase();
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** -V: runs of digits compare as numbers, the rest as text (1.9 < 1.10, file2 < file10). */
export function compareVersion(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!, y = pb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x), dy = /^\d/.test(y);
    if (dx && dy) {
      const d = BigInt(x) - BigInt(y);
      if (d !== 0n) return d < 0n ? -1 : 1;
      continue;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

export function compareKey(a: string, b: string, opts: string): number {
  const kind = /[nhgMV]/.exec(opts)?.[0];
  let r: number;
  if (kind === 'V') {
    r = compareVersion(a, b);
  } else if (kind === 'M') {
    const m = (s: string) => MONTHS.indexOf(s.trim().slice(0, 3).toUpperCase()) + 1;
    r = m(a) - m(b);
  } else if (kind) {
    const x = numericValue(a, kind), y = numericValue(b, kind);
    r = x < y ? -1 : x > y ? 1 : 0;
  } else {
    r = compareText(opts.includes('b') ? a.replace(/^[ \t]+/, '') : a, opts.includes('b') ? b.replace(/^[ \t]+/, '') : b, opts);
  }
  return opts.includes('r') ? -r : r;
}

export interface SortOptions {
  keys: SortKey[];
  sep: string | null;
  global: string;
  stable: boolean;
  unique: boolean;
}

/** The comparison sort uses: keys in order, then (unless stable/unique) the whole line. */
export function lineComparator(o: SortOptions): (a: string, b: string) => number {
  const keys = o.keys.length ? o.keys : [{ sf: 1, sc: 1, ef: Infinity, ec: 0, opts: '' }];
  const wholeLine = o.keys.length === 0;
  return (a, b) => {
    for (const k of keys) {
      const opts = k.opts || o.global;
      const r = wholeLine ? compareKey(a, b, opts) : compareKey(keyText(a, k, o.sep, o.global), keyText(b, k, o.sep, o.global), opts);
      if (r !== 0) return r;
    }
    if (o.stable || o.unique) return 0;
    const r = a < b ? -1 : a > b ? 1 : 0;
    return o.global.includes('r') ? -r : r;
  };
}

function sortRun(args: string[]): number {
  const p = getopts(args, {
    short: 'bcCdfghk:Mno:rst:uV',
    long: {
      'ignore-leading-blanks': 'b', check: { key: 'c', arg: 'optional' }, 'dictionary-order': 'd', 'ignore-case': 'f',
      'general-numeric-sort': 'g', 'human-numeric-sort': 'h', key: 'k', 'month-sort': 'M', 'numeric-sort': 'n',
      output: 'o', reverse: 'r', stable: 's', 'field-separator': 't', unique: 'u', 'version-sort': 'V',
    },
  });
  const sep = p.get('t') ?? null;
  if (sep !== null && [...sep].length !== 1) throw new UsageError(`multi-character tab ${quote(sep)}`);
  const o: SortOptions = {
    keys: p.all('k').map(parseKey),
    sep,
    global: [...'bdfghMnrV'].filter((c) => p.has(c)).join(''),
    stable: p.has('s'),
    unique: p.has('u'),
  };
  const cmp = lineComparator(o);
  const lines: string[] = [];
  let status = 0;
  for (const f of p.operands.length ? p.operands : ['-']) {
    try {
      for (const l of readLines(f)) lines.push(l.endsWith('\n') ? l.slice(0, -1) : l);
    } catch (e) {
      warn(`cannot read: ${f}: ${errText(e)}`);
      return 2;
    }
  }
  if (p.has('c') || p.has('C')) {
    for (let i = 1; i < lines.length; i++) {
      const r = cmp(lines[i - 1]!, lines[i]!);
      if (r > 0 || (o.unique && r === 0)) {
        if (p.has('c')) warn(`${p.operands[0] ?? '-'}:${i + 1}: disorder: ${lines[i]}`);
        return 1;
      }
    }
    return 0;
  }
  const sorted = lines.slice().sort(cmp);
  const result = o.unique ? sorted.filter((l, i) => i === 0 || cmp(sorted[i - 1]!, l) !== 0) : sorted;
  const text = result.length ? result.join('\n') + '\n' : '';
  const target = p.get('o');
  if (target === undefined) {
    out.write(text);
    return status;
  }
  try {
    mh.writeFile(target, text);
  } catch (e) {
    warn(`open failed: ${target}: ${errText(e)}`);
    return 2;
  }
  return status;
}

function uniqRun(args: string[]): number {
  const p = getopts(args, {
    short: 'cdDf:is:uw:',
    long: { count: 'c', repeated: 'd', 'all-repeated': 'D', 'skip-fields': 'f', 'ignore-case': 'i', 'skip-chars': 's', unique: 'u', 'check-chars': 'w' },
  });
  const skipFields = Number(p.get('f') ?? 0);
  const skipChars = Number(p.get('s') ?? 0);
  const check = p.get('w') !== undefined ? Number(p.get('w')) : Infinity;
  const keyOf = (l: string): string => {
    let s = l;
    for (let i = 0; i < skipFields; i++) s = s.replace(/^[ \t]*[^ \t]*/, '');
    s = s.slice(skipChars, skipChars + check);
    return p.has('i') ? s.toLowerCase() : s;
  };
  if (p.operands.length > 2) throw new UsageError(`extra operand ${quote(p.operands[2]!)}`);
  let input: string[];
  try {
    input = readLines(p.operands[0] ?? '-');
  } catch (e) {
    throw new Failure(`${p.operands[0]}: ${errText(e)}`);
  }
  const lines = input.map((l) => (l.endsWith('\n') ? l.slice(0, -1) : l));
  const outLines: string[] = [];
  for (let i = 0; i < lines.length; ) {
    let j = i + 1;
    const k = keyOf(lines[i]!);
    while (j < lines.length && keyOf(lines[j]!) === k) j++;
    const n = j - i;
    if (p.has('D')) {
      if (n > 1) outLines.push(...lines.slice(i, j));
    } else if (!(p.has('d') && n < 2) && !(p.has('u') && n > 1)) {
      outLines.push(p.has('c') ? `${String(n).padStart(7)} ${lines[i]}` : lines[i]!);
    }
    i = j;
  }
  const text = outLines.map((l) => l + '\n').join('');
  if (p.operands[1] !== undefined) mh.writeFile(p.operands[1], text);
  else out.write(text);
  return 0;
}

export const sortApplets = {
  sort: { usage: '[-bcCdfghMnrsuV] [-k KEYDEF]... [-t SEP] [-o FILE] [FILE]...', usageStatus: 2, run: sortRun },
  uniq: { usage: '[-cdDiu] [-f N] [-s N] [-w N] [INPUT [OUTPUT]]', run: uniqRun },
} satisfies Record<string, Applet>;
