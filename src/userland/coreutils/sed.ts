// sed: the stream editor's core as GNU sed has it — addresses (N, $, /RE/, \cREc, first~step,
// ranges A1,A2, negation !), blocks { }, and the commands s (flags g p N i), d, p, q, Q, =, y,
// a/i/c (one-line GNU form and the classic `a\` form), n, N, #. Options -n, -e, -f, -E/-r,
// -s, -i[SUFFIX]. Patterns go through regex.ts; `.` matches the newline N puts into the
// pattern space, as in POSIX.

import * as mh from 'libmh';
import { type Applet, getopts, Lines, openInput, closeInput, out, readInput, decode, UsageError, warn, errText } from './common.js';
import { translate, type Dialect } from './regex.js';

type Addr =
  | { kind: 'line'; n: number }
  | { kind: 'last' }
  | { kind: 're'; re: RegExp | null }
  | { kind: 'step'; first: number; step: number }
  /** Only as a range's end: `addr1,+N` (N more lines) and `addr1,~N` (to a multiple of N). */
  | { kind: 'plus'; n: number }
  | { kind: 'mult'; n: number };

interface Cmd {
  a1?: Addr;
  a2?: Addr;
  neg: boolean;
  name: string;
  /** s: the pattern (null: the last one used), replacement, flags. */
  re?: RegExp | null;
  repl?: string;
  global?: boolean;
  nth?: number;
  print?: boolean;
  text?: string;
  map?: Map<string, string>;
  /** s///w and w: the file written to. */
  wfile?: string;
  /** `{`: the index of its `}`. */
  end?: number;
  active?: boolean;
  rangeEnd?: number;
  zeroDone?: boolean;
}

class Parser {
  i = 0;
  constructor(readonly s: string, readonly dialect: Dialect) {}

  fail(msg: string): never {
    throw new UsageError(`-e expression #1, char ${this.i}: ${msg}`);
  }

  skipSpace(): void {
    while (this.i < this.s.length && /[ \t]/.test(this.s[this.i]!)) this.i++;
  }

  /** Text up to an unescaped `delim`; `\delim` becomes delim, other escapes are kept. */
  delimited(delim: string): string {
    let r = '';
    for (; this.i < this.s.length; this.i++) {
      const c = this.s[this.i]!;
      if (c === delim) {
        this.i++;
        return r;
      }
      if (c === '\\' && this.i + 1 < this.s.length) {
        const n = this.s[++this.i]!;
        r += n === delim ? delim : n === 'n' ? '\n' : '\\' + n;
        continue;
      }
      if (c === '\n' && delim !== '\n') this.fail(`unterminated address regex`);
      r += c;
    }
    this.fail(`unterminated \`s' command`);
  }

  regex(src: string, flags = ''): RegExp | null {
    if (src === '') return null;
    try {
      return new RegExp(translate(src, this.dialect), 's' + flags);
    } catch (e) {
      this.fail(errText(e));
    }
  }

  addr(): Addr | undefined {
    const s = this.s;
    const m = /^(\d+)~(\d+)/.exec(s.slice(this.i)) ?? /^\d+/.exec(s.slice(this.i));
    if (m) {
      this.i += m[0].length;
      return m[2] !== undefined && m.length > 2 ? { kind: 'step', first: Number(m[1]), step: Number(m[2]) } : { kind: 'line', n: Number(m[0]) };
    }
    if (s[this.i] === '$') {
      this.i++;
      return { kind: 'last' };
    }
    if (s[this.i] === '/' || s[this.i] === '\\') {
      const delim = s[this.i] === '\\' ? s[++this.i]! : '/';
      this.i++;
      const src = this.delimited(delim);
      let flags = '';
      while (s[this.i] === 'I' || s[this.i] === 'M') flags += s[this.i++] === 'I' ? 'i' : 'm';
      return { kind: 're', re: this.regex(src, flags) };
    }
    return undefined;
  }

  /** a/i/c text: the rest of the line, `a\` + newline form included, with `\` continuations. */
  text(): string {
    this.skipSpace();
    if (this.s[this.i] === '\\') {
      this.i++;
      if (this.s[this.i] === '\n') this.i++;
    }
    let r = '';
    for (; this.i < this.s.length && this.s[this.i] !== '\n'; this.i++) {
      const c = this.s[this.i]!;
      if (c === '\\' && this.i + 1 < this.s.length) r += this.s[++this.i]!;
      else r += c;
    }
    return r;
  }

  parse(): Cmd[] {
    const cmds: Cmd[] = [];
    const open: number[] = [];
    const s = this.s;
    for (;;) {
      while (this.i < s.length && /[ \t\n;]/.test(s[this.i]!)) this.i++;
      if (this.i >= s.length) break;
      if (s[this.i] === '#') {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
        continue;
      }
      const cmd: Cmd = { neg: false, name: '' };
      cmd.a1 = this.addr();
      if (cmd.a1 && s[this.i] === ',') {
        this.i++;
        const rel = /^([+~])(\d+)/.exec(s.slice(this.i));
        if (rel) {
          this.i += rel[0].length;
          cmd.a2 = rel[1] === '+' ? { kind: 'plus', n: Number(rel[2]) } : { kind: 'mult', n: Number(rel[2]) };
        } else cmd.a2 = this.addr() ?? this.fail('unexpected `,\'');
      }
      if (cmd.a1?.kind === 'line' && cmd.a1.n === 0 && cmd.a2?.kind !== 're') this.fail('invalid usage of line address 0');
      {
      }
      this.skipSpace();
      while (s[this.i] === '!') {
        cmd.neg = true;
        this.i++;
        this.skipSpace();
      }
      const name = s[this.i++];
      if (name === undefined) this.fail('missing command');
      cmd.name = name;
      switch (name) {
        case '{':
          open.push(cmds.length);
          break;
        case '}':
          if (!open.length) this.fail('unexpected `}\'');
          cmds[open.pop()!]!.end = cmds.length;
          break;
        case 's': {
          const delim = s[this.i++];
          if (!delim || delim === '\n' || delim === '\\') this.fail('unterminated `s\' command');
          const src = this.delimited(delim);
          cmd.repl = this.delimited(delim);
          let flags = '';
          cmd.nth = 1;
          for (;;) {
            const f = s[this.i];
            if (f === 'g') cmd.global = true;
            else if (f === 'p') cmd.print = true;
            else if (f === 'i' || f === 'I') flags += 'i';
            else if (f === 'm' || f === 'M') flags += 'm';
            else if (f === 'w') {
              this.i++;
              cmd.wfile = this.text();
              break;
            }
            else if (f !== undefined && /\d/.test(f)) {
              const m = /^\d+/.exec(s.slice(this.i))!;
              cmd.nth = Number(m[0]);
              this.i += m[0].length - 1;
            } else break;
            this.i++;
          }
          cmd.re = this.regex(src, 'g' + flags);
          break;
        }
        case 'y': {
          const delim = s[this.i++]!;
          const from = [...this.delimited(delim).replace(/\\\\/g, '\\')];
          const to = [...this.delimited(delim).replace(/\\\\/g, '\\')];
          if (from.length !== to.length) this.fail('strings for `y\' command are different lengths');
          cmd.map = new Map(from.map((c, k) => [c, to[k]!]));
          break;
        }
        case 'a': case 'i': case 'c':
          cmd.text = this.text();
          break;
        case 'w':
          cmd.wfile = this.text();
          break;
        case 'd': case 'D': case 'p': case 'P': case 'q': case 'Q': case '=': case 'n': case 'N': case 'h': case 'H': case 'g': case 'G': case 'x':
          break;
        default:
          this.i--;
          this.fail(`unknown command: \`${name}'`);
      }
      cmds.push(cmd);
    }
    if (open.length) this.fail('unmatched `{\'');
    return cmds;
  }
}

/**
 * Expands a replacement for one match: & and \\1..\\9, \\n, escaped characters, and GNU's case
 * conversions \\U \\L (until \\E) and \\u \\l (the next character).
 */
function replacement(repl: string, m: RegExpExecArray): string {
  let r = '';
  let mode: 'U' | 'L' | '' = '';
  let once: 'u' | 'l' | '' = '';
  const add = (t: string): void => {
    for (const ch of t) {
      let c = mode === 'U' ? ch.toUpperCase() : mode === 'L' ? ch.toLowerCase() : ch;
      if (once) {
        c = once === 'u' ? c.toUpperCase() : c.toLowerCase();
        once = '';
      }
      r += c;
    }
  };
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i]!;
    if (c === '&') add(m[0]);
    else if (c === '\\' && i + 1 < repl.length) {
      const n = repl[++i]!;
      if (/[0-9]/.test(n)) add(m[Number(n)] ?? '');
      else if (n === 'U' || n === 'L') mode = n;
      else if (n === 'E') mode = '';
      else if (n === 'u' || n === 'l') once = n;
      else add(n === 'n' ? '\n' : n === 't' ? '\t' : n);
    } else add(c);
  }
  return r;
}

/** One input stream across files, with the one-line lookahead `$` needs. */
class Input {
  private fi = 0;
  private cur: { fd: number; lines: Lines } | null = null;
  private peeked: string | null | undefined = undefined;
  lineNo = 0;
  /** Whether the line last returned ended with a newline (GNU keeps a missing one missing). */
  hadNewline = true;
  private peekedNl = true;
  constructor(private readonly files: string[], private readonly onError: (f: string, e: unknown) => void) {}

  private rawNl = true;

  private raw(): string | null {
    for (;;) {
      if (!this.cur) {
        if (this.fi >= this.files.length) return null;
        const f = this.files[this.fi++]!;
        try {
          const fd = openInput(f);
          this.cur = { fd, lines: new Lines(fd) };
        } catch (e) {
          this.onError(f, e);
          continue;
        }
      }
      const l = this.cur.lines.next();
      if (l !== null) {
        this.rawNl = l.endsWith('\n');
        return this.rawNl ? l.slice(0, -1) : l;
      }
      closeInput(this.cur.fd);
      this.cur = null;
    }
  }

  next(): string | null {
    let l: string | null;
    if (this.peeked !== undefined) {
      l = this.peeked;
      this.hadNewline = this.peekedNl;
    } else {
      l = this.raw();
      this.hadNewline = this.rawNl;
    }
    this.peeked = undefined;
    if (l !== null) this.lineNo++;
    return l;
  }

  isLast(): boolean {
    if (this.peeked === undefined) {
      this.peeked = this.raw();
      this.peekedNl = this.rawNl;
    }
    return this.peeked === null;
  }
}

function run(cmds: Cmd[], input: Input, quiet: boolean, sink: (s: string) => void): void {
  // A last line without a newline is printed without one, unless more output follows it.
  let missing = false;
  const emit = (s: string): void => {
    if (missing) sink('\n');
    missing = false;
    sink(s);
  };
  const emitPS = (ps: string): void => {
    if (input.hadNewline) emit(ps + '\n');
    else {
      emit(ps);
      missing = true;
    }
  };
  let lastRe: RegExp | null = null;
  const useRe = (re: RegExp | null | undefined): RegExp => {
    const r = re ?? lastRe;
    if (!r) throw new UsageError('no previous regular expression');
    lastRe = r;
    return r;
  };
  const hit = (a: Addr, ps: string): boolean => {
    switch (a.kind) {
      case 'line': return input.lineNo === a.n;
      case 'plus': case 'mult': return false;
      case 'last': return input.isLast();
      case 'step': return a.step <= 0 ? input.lineNo === a.first : input.lineNo >= a.first && (input.lineNo - a.first) % a.step === 0;
      case 're': {
        const re = useRe(a.re);
        re.lastIndex = 0;
        return re.test(ps);
      }
    }
  };
  const selects = (c: Cmd, ps: string): boolean => {
    if (!c.a1) return true;
    if (!c.a2) return hit(c.a1, ps);
    const a2 = c.a2;
    if (c.active) {
      let ended: boolean;
      if (a2.kind === 'line') ended = input.lineNo >= a2.n;
      else if (a2.kind === 'plus') ended = input.lineNo >= c.rangeEnd!;
      else if (a2.kind === 'mult') ended = a2.n <= 0 || input.lineNo % a2.n === 0;
      else ended = hit(a2, ps);
      if (ended) c.active = false;
      return true;
    }
    // 0,/re/: the range is open before the first line, so /re/ may end it on line 1.
    const zero = c.a1.kind === 'line' && c.a1.n === 0 && !c.zeroDone;
    if (zero) {
      c.zeroDone = true;
      c.active = !hit(a2, ps);
      return true;
    }
    if (!hit(c.a1, ps)) return false;
    // A range whose end is a line number already passed covers just this line.
    if (a2.kind === 'line') c.active = a2.n > input.lineNo;
    else if (a2.kind === 'plus') {
      c.rangeEnd = input.lineNo + a2.n;
      c.active = a2.n > 0;
    } else if (a2.kind === 'mult') c.active = a2.n > 0 && input.lineNo % a2.n !== 0;
    else c.active = !(a2.kind === 'last' && input.isLast());
    return true;
  };
  const wfds = new Map<string, number>();
  const writeTo = (file: string, text: string): void => {
    if (file === '/dev/stdout') return emit(text);
    if (file === '/dev/stderr') return void mh.write(2, text);
    let fd = wfds.get(file);
    if (fd === undefined) {
      fd = mh.open(file, mh.O.WRONLY | mh.O.CREAT | mh.O.TRUNC, 0o666);
      wfds.set(file, fd);
    }
    mh.write(fd, text);
  };
  try {
    cycles(cmds, input, quiet, { emit, emitPS, writeTo, useRe, selects });
  } finally {
    for (const fd of wfds.values()) mh.close(fd);
  }
}

interface Engine {
  emit(s: string): void;
  emitPS(ps: string): void;
  writeTo(file: string, text: string): void;
  useRe(re: RegExp | null | undefined): RegExp;
  selects(c: Cmd, ps: string): boolean;
}

function cycles(cmds: Cmd[], input: Input, quiet: boolean, e: Engine): void {
  const { emit, emitPS, writeTo, useRe, selects } = e;
  let hold = '';
  for (let ps = input.next(); ps !== null; ) {
    const append: string[] = [];
    let print = !quiet;
    let quit = false;
    let next: string | null | undefined;
    cycle: for (let pc = 0; pc < cmds.length; pc++) {
      const c = cmds[pc]!;
      if (c.name === '}') continue;
      if (selects(c, ps) === c.neg) {
        if (c.name === '{') pc = c.end!;
        continue;
      }
      switch (c.name) {
        case '{': break;
        case 's': {
          const re = useRe(c.re);
          re.lastIndex = 0;
          let count = 0;
          let result = '';
          let pos = 0;
          let done = false;
          let prevEnd = -1;
          for (let m = re.exec(ps); m; m = re.exec(ps)) {
            // An empty match just where a non-empty one ended is no match (POSIX, GNU).
            if (m[0] === '' && m.index === prevEnd) {
              re.lastIndex++;
              prevEnd = -1;
              continue;
            }
            prevEnd = m[0] === '' ? -1 : m.index + m[0].length;
            count++;
            if (count >= c.nth! && (c.global || count === c.nth)) {
              result += ps.slice(pos, m.index) + replacement(c.repl!, m);
              pos = m.index + m[0].length;
              done = true;
            }
            if (m[0] === '') re.lastIndex++;
            if (!c.global && count >= c.nth!) break;
          }
          if (done) {
            ps = result + ps.slice(pos);
            if (c.print) emitPS(ps);
            if (c.wfile) writeTo(c.wfile, ps + '\n');
          }
          break;
        }
        case 'd': print = false; break cycle;
        case 'D': {
          const nl = ps.indexOf('\n');
          if (nl < 0) {
            print = false;
            break cycle;
          }
          ps = ps.slice(nl + 1);
          pc = -1;
          continue;
        }
        case 'p': emitPS(ps); break;
        case 'w': writeTo(c.wfile!, ps + '\n'); break;
        case 'P': emit(ps.split('\n')[0] + '\n'); break;
        case '=': emit(`${input.lineNo}\n`); break;
        case 'a': append.push(c.text! + '\n'); break;
        case 'i': emit(c.text! + '\n'); break;
        case 'c':
          if (!c.a2 || !c.active) emit(c.text! + '\n');
          print = false;
          break cycle;
        case 'y': ps = [...ps].map((ch) => c.map!.get(ch) ?? ch).join(''); break;
        case 'h': hold = ps; break;
        case 'H': hold += '\n' + ps; break;
        case 'g': ps = hold; break;
        case 'G': ps += '\n' + hold; break;
        case 'x': [ps, hold] = [hold, ps]; break;
        case 'q': quit = true; break cycle;
        case 'Q': quit = true; print = false; break cycle;
        case 'n':
          if (!quiet) emitPS(ps);
          for (const t of append.splice(0)) emit(t);
          next = input.next();
          if (next === null) {
            print = false;
            quit = true;
            break cycle;
          }
          ps = next;
          break;
        case 'N': {
          const more = input.next();
          if (more === null) {
            quit = true;
            break cycle;
          }
          ps += '\n' + more;
          break;
        }
      }
    }
    if (print) emitPS(ps);
    for (const t of append) emit(t);
    if (quit) return;
    ps = input.next();
  }
}

function sedRun(args: string[]): number {
  const p = getopts(args, {
    short: 'e:f:Ei:nrsz',
    long: { expression: 'e', file: 'f', 'regexp-extended': 'E', 'in-place': { key: 'i', arg: 'optional' }, quiet: 'n', silent: 'n', separate: 's', posix: 'posix' },
  });
  // -i takes its suffix only when attached (-i.bak); a separate word is a script or file.
  const ops = p.operands.slice();
  const parts: string[] = [];
  for (const [k, v] of p.list) {
    if (k === 'e') parts.push(v);
    if (k === 'f') parts.push(decode(readInput(v)).replace(/\n$/, ''));
  }
  const inPlace = p.list.find(([k]) => k === 'i');
  if (inPlace && inPlace[1] !== '' && args.includes('-i') ) ops.unshift(inPlace[1]);
  if (parts.length === 0) {
    if (ops.length === 0) throw new UsageError('no script specified');
    parts.push(ops.shift()!);
  }
  const dialect: Dialect = p.has('E') || p.has('r') ? 'extended' : 'basic';
  const script = parts.join('\n');
  const quiet = p.has('n');
  let status = 0;
  const onError = (f: string, e: unknown): void => {
    warn(`can't read ${f}: ${errText(e)}`);
    status = 2;
  };
  if (inPlace) {
    const suffix = args.includes('-i') ? '' : inPlace[1];
    if (ops.length === 0) throw new UsageError('no input files');
    for (const f of ops) {
      let text = '';
      run(new Parser(script, dialect).parse(), new Input([f], onError), quiet, (s) => (text += s));
      if (status) continue;
      if (suffix) mh.writeFile(suffix.includes('*') ? suffix.replace(/\*/g, f) : f + suffix, readInput(f));
      mh.writeFile(f, text);
    }
    return status;
  }
  const cmds = new Parser(script, dialect).parse();
  const files = ops.length ? ops : ['-'];
  if (p.has('s')) for (const f of files) run(cmds.map((c) => ({ ...c, active: false })), new Input([f], onError), quiet, (s) => out.write(s));
  else run(cmds, new Input(files, onError), quiet, (s) => out.write(s));
  return status;
}

export const sedApplets = {
  sed: { usage: '[-nErs] [-i[SUFFIX]] [-e SCRIPT]... [-f FILE] [SCRIPT] [FILE]...', run: sedRun },
} satisfies Record<string, Applet>;
