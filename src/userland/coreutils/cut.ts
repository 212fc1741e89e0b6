// cut and tr. cut selects bytes (-b), characters (-c) or delimited fields (-f, -d, -s,
// --output-delimiter, --complement) by a list of ranges (N, N-, N-M, -M). tr translates,
// deletes (-d) and squeezes (-s) characters of SET1, optionally its complement (-c), with
// ranges, escapes, POSIX classes and [c*n] repeats; SET2 is padded with its last character.
// Character-wise, not byte-wise: MACROHARD's text is UTF-8.

import { type Applet, closeInput, eachInput, getopts, Lines, openInput, out, UsageError, quote } from './common.js';
import { unescape } from './printf.js';
import { decodeBytes, encodeText } from './bytes.js';

export type Ranges = [number, number][];

/** Parses a cut list ("1,3-5,7-") into sorted 1-based inclusive ranges. */
export function parseList(list: string, what = 'fields'): Ranges {
  const r: Ranges = [];
  for (const part of list.split(',')) {
    const m = /^(\d*)(-(\d*))?$/.exec(part);
    if (!m || (m[1] === '' && (m[3] ?? '') === '')) throw new UsageError(`invalid byte, character or field list`);
    const lo = m[1] === '' ? 1 : Number(m[1]);
    const hi = m[2] === undefined ? lo : m[3] === '' ? Infinity : Number(m[3]);
    if (lo === 0) throw new UsageError(`${what} are numbered from 1`);
    if (hi < lo) throw new UsageError('invalid decreasing range');
    r.push([lo, hi]);
  }
  return r.sort((a, b) => a[0] - b[0]);
}

const inRanges = (r: Ranges, i: number): boolean => r.some(([lo, hi]) => i >= lo && i <= hi);

function cutRun(args: string[]): number {
  const p = getopts(args, {
    short: 'b:c:d:f:ns',
    long: { bytes: 'b', characters: 'c', delimiter: 'd', fields: 'f', 'only-delimited': 's', complement: 'complement', 'output-delimiter': { key: 'output-delimiter', arg: 'required' } },
  });
  const modes = ['b', 'c', 'f'].filter((k) => p.has(k));
  if (modes.length !== 1) throw new UsageError(modes.length ? 'only one type of list may be specified' : 'you must specify a list of bytes, characters, or fields');
  const mode = modes[0]!;
  const ranges = parseList(p.get(mode)!, mode === 'f' ? 'fields' : 'byte/character positions');
  const comp = p.has('complement');
  const pick = (i: number): boolean => inRanges(ranges, i) !== comp;
  const delim = p.get('d') ?? '\t';
  if (p.has('d') && mode !== 'f') throw new UsageError('an input delimiter may be specified only when operating on fields');
  if ([...delim].length !== 1) throw new UsageError('the delimiter must be a single character');
  const outDelim = p.get('output-delimiter');
  // -b counts bytes: back to the bytes the text stands for, and the picked ones to text again.
  const enc = { encode: encodeText };
  const dec = { decode: decodeBytes };
  const cutLine = (line: string): string | null => {
    if (mode === 'f') {
      const parts = line.split(delim);
      if (parts.length === 1) return p.has('s') ? null : line;
      return parts.filter((_, i) => pick(i + 1)).join(outDelim ?? delim);
    }
    const units = mode === 'b' ? [...enc.encode(line)] : [...line];
    const sep = outDelim ?? '';
    // With --output-delimiter, separate the selected ranges (runs), as GNU does.
    let s = '';
    let prevPicked = false;
    const bytes: number[] = [];
    units.forEach((u, i) => {
      const on = pick(i + 1);
      if (on) {
        if (!prevPicked && sep && (s !== '' || bytes.length)) {
          if (mode === 'b') bytes.push(...enc.encode(sep));
          else s += sep;
        }
        if (mode === 'b') bytes.push(u as number);
        else s += u as string;
      }
      prevPicked = on;
    });
    return mode === 'b' ? dec.decode(Uint8Array.from(bytes)) : s;
  };
  const ok = eachInput(p.operands, (name) => {
    const fd = openInput(name);
    try {
      const lines = new Lines(fd);
      for (let l = lines.next(); l !== null; l = lines.next()) {
        const body = l.endsWith('\n') ? l.slice(0, -1) : l;
        const r = cutLine(body);
        if (r !== null) out.write(r + '\n');
      }
    } finally {
      closeInput(fd);
    }
  });
  return ok ? 0 : 1;
}

const TR_CLASSES: Record<string, () => string[]> = {
  alpha: () => chars('A', 'Z').concat(chars('a', 'z')),
  upper: () => chars('A', 'Z'),
  lower: () => chars('a', 'z'),
  digit: () => chars('0', '9'),
  alnum: () => chars('0', '9').concat(chars('A', 'Z'), chars('a', 'z')),
  space: () => [...' \t\n\r\f\v'].sort(),
  blank: () => [' ', '\t'].sort(),
  punct: () => chars('!', '~').filter((c) => !/[0-9A-Za-z]/.test(c)),
  xdigit: () => chars('0', '9').concat(chars('A', 'F'), chars('a', 'f')),
  cntrl: () => chars('\x00', '\x1f').concat('\x7f'),
  print: () => chars(' ', '~'),
  graph: () => chars('!', '~'),
};

function chars(a: string, b: string): string[] {
  const out: string[] = [];
  for (let c = a.codePointAt(0)!; c <= b.codePointAt(0)!; c++) out.push(String.fromCodePoint(c));
  return out;
}

/** Expands a tr SET into its characters, in order. */
export function expandSet(set: string): string[] {
  const s = [...set];
  const res: string[] = [];
  // One character, with backslash escapes resolved; returns [char, next index].
  const one = (i: number): [string, number] => {
    if (s[i] === '\\' && i + 1 < s.length) {
      const oct = /^[0-7]{1,3}/.exec(s.slice(i + 1, i + 4).join(''));
      if (oct) return [String.fromCharCode(parseInt(oct[0], 8)), i + 1 + oct[0].length];
      return [unescape('\\' + s[i + 1], false).text.replace(/^\\(.)$/, '$1'), i + 2];
    }
    return [s[i]!, i + 1];
  };
  for (let i = 0; i < s.length; ) {
    const cls = s[i] === '[' ? /^\[:(\w+):\]/.exec(s.slice(i, i + 12).join('')) : null;
    if (cls && TR_CLASSES[cls[1]!]) {
      res.push(...TR_CLASSES[cls[1]!]!());
      i += cls[0].length;
      continue;
    }
    if (s[i] === '[' && i + 2 < s.length && s[i + 2] === '*') {
      const close = s.indexOf(']', i + 3);
      const count = close >= 0 ? s.slice(i + 3, close).join('') : null;
      if (count !== null && /^\d*$/.test(count)) {
        const n = count === '' ? 0 : count.startsWith('0') ? parseInt(count, 8) : Number(count);
        // [c*] (n = 0) fills SET2 to SET1's length; the caller expands the marker.
        res.push(...(n === 0 ? ['\u0000*' + s[i + 1]] : new Array<string>(n).fill(s[i + 1]!)));
        i = close + 1;
        continue;
      }
    }
    const [c, next] = one(i);
    if (s[next] === '-' && next + 1 < s.length) {
      const [d, after] = one(next + 1);
      if (d < c) throw new UsageError(`range-endpoints of '${c}-${d}' are in reverse collating sequence order`);
      res.push(...chars(c, d));
      i = after;
      continue;
    }
    res.push(c);
    i = next;
  }
  return res;
}

function trRun(args: string[]): number {
  const p = getopts(args, { short: 'cCdst', long: { complement: 'c', delete: 'd', 'squeeze-repeats': 's', 'truncate-set1': 't' } });
  const ops = p.operands;
  const del = p.has('d');
  const squeeze = p.has('s');
  const complement = p.has('c') || p.has('C');
  const need = del ? (squeeze ? 2 : 1) : squeeze ? 1 : 2;
  if (ops.length < need) throw new UsageError(ops.length ? `missing operand after ${quote(ops[ops.length - 1]!)}` : 'missing operand');
  if (ops.length > need && !(squeeze && ops.length === 2)) throw new UsageError(`extra operand ${quote(ops[need]!)}`);
  const set1 = expandSet(ops[0]!);
  const in1 = new Set(set1);
  const has1 = (c: string): boolean => in1.has(c) !== complement;
  let set2 = ops[1] !== undefined ? expandSet(ops[1]) : [];
  const fill = set2.findIndex((c) => c.startsWith('\u0000*'));
  if (fill >= 0) set2.splice(fill, 1, ...new Array<string>(Math.max(0, set1.length - set2.length + 1)).fill(set2[fill]!.slice(2)));
  const translating = !del && ops.length >= 2;
  const map = new Map<string, string>();
  if (translating) {
    if (set2.length === 0) throw new UsageError('when not truncating set1, string2 must be non-empty');
    if (complement) {
      // Every character outside SET1 maps to SET2's last character (GNU's practice).
      for (const c of set1) map.set(c, c);
    } else {
      if (p.has('t')) set1.length = Math.min(set1.length, set2.length);
      set1.forEach((c, i) => map.set(c, set2[Math.min(i, set2.length - 1)]!));
    }
  }
  const squeezeSet = new Set(squeeze ? (translating || del ? set2 : set1) : []);
  const inSqueeze = (c: string): boolean => (squeeze && !translating && !del ? has1(c) : squeezeSet.has(c));
  const last2 = set2[set2.length - 1] ?? '';
  const ok = eachInput([], (name) => {
    const fd = openInput(name);
    try {
      const lines = new Lines(fd);
      let prev = '';
      for (let l = lines.next(); l !== null; l = lines.next()) {
        let s = '';
        for (const ch of l) {
          let c = ch;
          if (del && has1(c)) continue;
          if (translating) c = complement ? (in1.has(c) ? c : last2) : (map.get(c) ?? c);
          if (squeeze && c === prev && inSqueeze(c)) continue;
          s += c;
          prev = c;
        }
        out.write(s);
      }
    } finally {
      closeInput(fd);
    }
  });
  return ok ? 0 : 1;
}

export const cutApplets = {
  cut: { usage: '-b LIST | -c LIST | -f LIST [-d DELIM] [-s] [--complement] [--output-delimiter=STR] [FILE]...', run: cutRun },
  tr: { usage: '[-cdst] SET1 [SET2]', run: trRun },
} satisfies Record<string, Applet>;
