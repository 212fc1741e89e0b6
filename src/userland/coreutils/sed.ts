// sed: the stream editor's core as GNU sed has it — addresses (N, $, /RE/, \cREc, first~step,
// ranges A1,A2, negation !), blocks { }, and the commands s (flags g p N i), d, p, q, Q, =, y,
// a/i/c (one-line GNU form and the classic `a\` form), n, N, #. Options -n, -e, -f, -E/-r,
// -s, -i[SUFFIX]. The script is parsed by sed-script.ts; this file runs it over the input,
// one cycle per line. Patterns go through regex.ts; `.` matches the newline N puts into the
// pattern space, as in POSIX.

import * as mh from 'libmh';
import { type Applet, Failure, getopts, Lines, openInput, closeInput, out, readInput, decode, UsageError, warn, errText } from './common.js';
import type { Dialect } from './regex.js';
import { Parser, replacement, type Addr, type Cmd } from './sed-script.js';

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
  const emitPS = (ps: string, nl: boolean): void => {
    if (nl) emit(ps + '\n');
    else {
      emit(ps);
      missing = true;
    }
  };
  let lastRe: RegExp | null = null;
  const useRe = (re: RegExp | null | undefined): RegExp => {
    const r = re ?? lastRe;
    if (!r) throw new Failure('no previous regular expression');
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
  /** Prints the pattern space, with a newline unless `nl` says its last line had none. */
  emitPS(ps: string, nl: boolean): void;
  writeTo(file: string, text: string): void;
  useRe(re: RegExp | null | undefined): RegExp;
  selects(c: Cmd, ps: string): boolean;
}

function cycles(cmds: Cmd[], input: Input, quiet: boolean, e: Engine): void {
  const { emit, writeTo, useRe, selects } = e;
  // Each buffer remembers whether its text's last line ended with a newline, and h/H/g/G/x
  // carry that along with the text: GNU sed's rule for a last line without a newline.
  let hold = '';
  let holdNl = true;
  let psNl = true;
  const emitPS = (ps: string): void => e.emitPS(ps, psNl);
  for (let ps = input.next(); ps !== null; ) {
    psNl = input.hadNewline;
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
        case 'P':
          if (ps.includes('\n')) emit(ps.slice(0, ps.indexOf('\n') + 1));
          else emitPS(ps);
          break;
        case '=': emit(`${input.lineNo}\n`); break;
        case 'a': append.push(c.text! + '\n'); break;
        case 'i': emit(c.text! + '\n'); break;
        case 'c':
          if (!c.a2 || !c.active) emit(c.text! + '\n');
          print = false;
          break cycle;
        case 'y': ps = [...ps].map((ch) => c.map!.get(ch) ?? ch).join(''); break;
        case 'h': hold = ps; holdNl = psNl; break;
        case 'H': hold += '\n' + ps; holdNl = psNl; break;
        case 'g': ps = hold; psNl = holdNl; break;
        case 'G': ps += '\n' + hold; psNl = holdNl; break;
        case 'x': [ps, hold, psNl, holdNl] = [hold, ps, holdNl, psNl]; break;
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
          psNl = input.hadNewline;
          break;
        case 'N': {
          const more = input.next();
          if (more === null) {
            quit = true;
            break cycle;
          }
          ps += '\n' + more;
          psNl = input.hadNewline;
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
    short: 'e:f:Ei:nrs',
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
