// Words: takes a raw word token apart into parts (ast.ts Part) — quotes, variables `$x`,
// arrays `@a` and `@a[i]`, command substitution `$(..)`/`@(..)`, arithmetic `$((..))`,
// methods `$len(..)`, braces `{a,b}` and ranges `{1..10}`, array literals `[a b]`, `~`.
//
// Quoting, as in Ion: single quotes are literal; in double quotes `$` and `@` expansions
// still happen and a backslash escapes only `$ @ " \` and a newline; outside quotes a
// backslash makes the next character literal.

import type { Part, Word } from './ast.js';
import { ShSyntaxError, tokenize, type Pos } from './lexer.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const CLOSE: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** The index of the bracket closing the one at s[i], minding quotes and nesting; -1 if none. */
export function findClose(s: string, i: number): number {
  const stack = [CLOSE[s[i]!]!];
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j]!;
    if (c === '\\') j++;
    else if (c === "'") {
      const e = s.indexOf("'", j + 1);
      if (e < 0) return -1;
      j = e;
    } else if (c === '"') {
      for (j++; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\') j++;
        else if ((s[j] === '$' || s[j] === '@') && s[j + 1] === '(') {
          const e = findClose(s, j + 1);
          if (e < 0) return -1;
          j = e;
        }
      }
    } else if (c in CLOSE) stack.push(CLOSE[c]!);
    else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return j;
    }
  }
  return -1;
}

function at(pos: Pos, raw: string, i: number): Pos {
  // Positions inside a word: words rarely span lines, so count columns from the word's start.
  const before = raw.slice(0, i);
  const nl = before.lastIndexOf('\n');
  if (nl < 0) return { line: pos.line, col: pos.col + i, offset: pos.offset + i };
  return { line: pos.line + before.split('\n').length - 1, col: i - nl, offset: pos.offset + i };
}

/** The words inside a bracketed list (array literal, method arguments, index). */
export function parseWordList(src: string, pos: Pos): Word[] {
  const out: Word[] = [];
  for (const t of tokenize(src, pos)) {
    if (t.kind === 'eof') break;
    if (t.kind === 'newline') continue;
    if (t.kind !== 'word') throw new ShSyntaxError(`unexpected '${t.op}' in a list`, t.pos);
    out.push(parseWord(t.text, t.pos));
  }
  return out;
}

export function parseWord(raw: string, pos: Pos): Word {
  if (raw.startsWith('[') && findClose(raw, 0) === raw.length - 1) {
    return { raw, pos, parts: [{ t: 'list', items: parseWordList(raw.slice(1, -1), at(pos, raw, 1)) }] };
  }
  const parts: Part[] = [];
  new WordParser(raw, pos, parts).run(0, raw.length, false);
  return { raw, pos, parts };
}

class WordParser {
  constructor(private readonly raw: string, private readonly pos: Pos, private readonly parts: Part[]) {}

  private lit(s: string, quoted: boolean): void {
    const last = this.parts[this.parts.length - 1];
    if (last && last.t === 'lit' && last.quoted === quoted) last.s += s;
    else this.parts.push({ t: 'lit', s, quoted });
  }

  private close(i: number): number {
    const e = findClose(this.raw, i);
    if (e < 0) throw new ShSyntaxError(`'${this.raw[i]}' is never closed`, at(this.pos, this.raw, i), true);
    return e;
  }

  /** Parses raw[i, end); `quoted` inside double quotes. */
  run(i: number, end: number, quoted: boolean): void {
    const s = this.raw;
    while (i < end) {
      const c = s[i]!;
      if (c === '\\') {
        const n = s[i + 1] ?? '';
        if (n === '\n') { /* a continued line */ } else if (!quoted) this.lit(n, true);
        else if ('$@"\\'.includes(n)) this.lit(n, true);
        else this.lit('\\' + n, true);
        i += 2;
      } else if (c === "'" && !quoted) {
        const e = s.indexOf("'", i + 1);
        if (e < 0) throw new ShSyntaxError('unterminated single quote', at(this.pos, s, i), true);
        this.lit(s.slice(i + 1, e), true);
        if (e === i + 1) this.lit('', true);
        i = e + 1;
      } else if (c === '"' && !quoted) {
        let e = i + 1;
        while (e < end && s[e] !== '"') {
          if (s[e] === '\\') e += 2;
          else if ((s[e] === '$' || s[e] === '@') && (s[e + 1] === '(' || s[e + 1] === '{')) e = this.close(e + 1) + 1;
          else e++;
        }
        if (e >= end) throw new ShSyntaxError('unterminated double quote', at(this.pos, s, i), true);
        const before = this.parts.length;
        this.run(i + 1, e, true);
        if (this.parts.length === before) this.lit('', true);
        i = e + 1;
      } else if (c === '$' || (c === '@' && (i === 0 || !/[A-Za-z0-9_.-]/.test(s[i - 1]!)))) {
        i = this.sigil(i, quoted);
      } else if (c === '{' && !quoted) {
        i = this.brace(i);
      } else if (c === '~' && i === 0 && !quoted) {
        const m = /^~([A-Za-z0-9_.-]*)/.exec(s)!;
        const next = s[m[0].length];
        if (next === undefined || next === '/' || m[0].length === end) {
          this.parts.push({ t: 'tilde', user: m[1]! });
          i = m[0].length;
        } else {
          this.lit('~', false);
          i++;
        }
      } else {
        this.lit(c, quoted);
        i++;
      }
    }
  }

  private sigil(i: number, quoted: boolean): number {
    const s = this.raw;
    const array = s[i] === '@';
    const p = at(this.pos, s, i);
    const rest = s.slice(i + 1);
    if (rest.startsWith('((') && !array) {
      const e = this.close(i + 1);
      if (s[e - 1] !== ')') throw new ShSyntaxError('arithmetic must end with "))"', p);
      this.parts.push({ t: 'arith', src: s.slice(i + 3, e - 1), pos: at(this.pos, s, i + 3), quoted });
      return e + 1;
    }
    if (rest.startsWith('(')) {
      const e = this.close(i + 1);
      this.parts.push({ t: 'cmd', src: s.slice(i + 2, e), pos: at(this.pos, s, i + 2), array, quoted });
      return e + 1;
    }
    if (rest.startsWith('{')) {
      const e = this.close(i + 1);
      const name = s.slice(i + 2, e);
      if (!NAME.test(name) && !/^([0-9]+|[?$#!])$/.test(name)) throw new ShSyntaxError(`bad variable name '${name}'`, p);
      if (array) this.parts.push({ t: 'arr', name, index: this.index(e + 1), quoted });
      else this.parts.push({ t: 'var', name, quoted });
      return this.afterIndex(e + 1);
    }
    const m = NAME.exec(rest);
    if (m) {
      const name = m[0];
      let j = i + 1 + name.length;
      if (s[j] === '(') {
        const e = this.close(j);
        const args = parseWordList(s.slice(j + 1, e), at(this.pos, s, j + 1));
        const index = array ? this.index(e + 1) : null;
        this.parts.push({ t: 'method', name, args, array, quoted, pos: p, index });
        return this.afterIndex(e + 1);
      }
      if (array) {
        this.parts.push({ t: 'arr', name, index: this.index(j), quoted });
        return this.afterIndex(j);
      }
      this.parts.push({ t: 'var', name, quoted });
      return j;
    }
    if (!array) {
      const special = /^([?$#!]|[0-9]+)/.exec(rest);
      if (special) {
        this.parts.push({ t: 'var', name: special[0], quoted });
        return i + 1 + special[0].length;
      }
    }
    this.lit(s[i]!, quoted);
    return i + 1;
  }

  private index(j: number): Word | null {
    if (this.raw[j] !== '[') return null;
    const e = this.close(j);
    return parseWord(this.raw.slice(j + 1, e), at(this.pos, this.raw, j + 1));
  }

  private afterIndex(j: number): number {
    return this.raw[j] === '[' ? this.close(j) + 1 : j;
  }

  /** `{a,b}` alternatives or a `{1..10}` range; anything else is literal text. */
  private brace(i: number): number {
    const s = this.raw;
    const e = findClose(s, i);
    if (e < 0) {
      this.lit('{', false);
      return i + 1;
    }
    const inner = s.slice(i + 1, e);
    const range = /^(-?[0-9]+|[A-Za-z])\.\.(=)?(-?[0-9]+|[A-Za-z])(?:\.\.(-?[0-9]+))?$/.exec(inner);
    if (range) {
      this.parts.push({ t: 'range', from: range[1]!, to: range[3]!, inclusive: range[2] === '=', step: range[4] ?? null });
      return e + 1;
    }
    const alts = splitTop(inner, ',');
    if (alts.length < 2) {
      this.lit(s.slice(i, e + 1), false);
      return e + 1;
    }
    let off = i + 1;
    const words: Word[] = [];
    for (const a of alts) {
      words.push(parseWord(a, at(this.pos, s, off)));
      off += a.length + 1;
    }
    this.parts.push({ t: 'brace', alts: words });
    return e + 1;
  }
}

/** Splits at `sep` where it is outside quotes and brackets. */
function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let j = 0; j < s.length; j++) {
    const c = s[j]!;
    if (c === '\\') j++;
    else if (c === "'" ) j = Math.max(j, s.indexOf("'", j + 1));
    else if (c in CLOSE) {
      const e = findClose(s, j);
      if (e > 0) j = e;
    } else if (c === '"') {
      const e = s.indexOf('"', j + 1);
      if (e > 0) j = e;
    } else if (c === sep) {
      out.push(s.slice(start, j));
      start = j + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}
