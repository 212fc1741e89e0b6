// sed's script language, parsed: addresses (N, $, /RE/, \cREc, first~step, and as a range's
// end +N and ~N), negation, blocks, and the commands with their arguments; and the expansion of
// an s/// replacement. Execution is sed.ts's. Pure (no libmh): GNU sed's error messages are
// thrown as Failure, which common.ts defines without touching the system.

import { Failure } from './failure.js';
import { gnuRegexError, translate, type Dialect } from './regex.js';

export type Addr =
  | { kind: 'line'; n: number }
  | { kind: 'last' }
  | { kind: 're'; re: RegExp | null }
  | { kind: 'step'; first: number; step: number }
  /** Only as a range's end: `addr1,+N` (N more lines) and `addr1,~N` (to a multiple of N). */
  | { kind: 'plus'; n: number }
  | { kind: 'mult'; n: number };

export interface Cmd {
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

export class Parser {
  i = 0;
  constructor(readonly s: string, readonly dialect: Dialect) {}

  fail(msg: string): never {
    throw new Failure(`-e expression #1, char ${this.i}: ${msg}`);
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
      this.fail(gnuRegexError(e instanceof Error ? e.message : String(e)));
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
export function replacement(repl: string, m: RegExpExecArray): string {
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

