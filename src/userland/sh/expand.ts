// Expansion: a Word -> the strings it stands for, as Ion does it.
//
// Ion does not split words on blanks: `$x` is always one argument, whatever it holds. Arrays
// make several: a word that is only `@a`, `@(cmd)`, `[a b]`, `@split(..)`, a brace `{a,b}` or
// a range `{1..3}` yields one argument per element (braces and ranges combine with the text
// around them, `x{a,b}` -> `xa xb`); an array inside other text is joined with spaces.
// Unquoted `*`, `?` and `[..]` glob; a pattern that matches nothing stays as written.
//
// What expansion needs from the running shell (variables, running `$(cmd)`, the filesystem)
// comes through the ExpandEnv interface, so this module is tested in plain Node.

import type { Part, Word } from './ast.js';
import { evalArith, formatNumber } from './arith.js';
import { glob, hasGlob, unescapeGlob, type GlobFs } from './glob.js';
import type { Pos } from './lexer.js';
import { callMethod, type Value } from './methods.js';
import { parseWord } from './word.js';

export type { Value };

export interface ExpandEnv {
  get(name: string): Value | undefined;
  /** Runs a command line and returns its standard output. */
  capture(src: string, pos: Pos): string;
  home(user: string): string | undefined;
  fs: GlobFs;
}

export class ExpandError extends Error {
  constructor(message: string, readonly pos: Pos) {
    super(`${pos.line}:${pos.col}: ${message}`);
  }
}

/** One argument being built: pieces of text, each either active for globbing or not. */
type Seg = { s: string; glob: boolean };
type Field = Seg[];

const str = (v: Value | undefined): string => (v === undefined ? '' : Array.isArray(v) ? v.join(' ') : v);

function product(fields: Field[], alts: Field[]): Field[] {
  const out: Field[] = [];
  for (const f of fields) for (const a of alts) out.push([...f, ...a]);
  return out;
}

function range(from: string, to: string, inclusive: boolean, step: string | null): string[] {
  const letters = !/^-?[0-9]+$/.test(from);
  const a = letters ? from.codePointAt(0)! : Number(from);
  const b = letters ? to.codePointAt(0)! : Number(to);
  let st = step === null ? 1 : Math.abs(Number(step));
  if (st === 0) st = 1;
  const out: string[] = [];
  const emit = (n: number) => out.push(letters ? String.fromCodePoint(n) : String(n));
  if (a <= b) for (let n = a; inclusive ? n <= b : n < b; n += st) emit(n);
  else for (let n = a; inclusive ? n >= b : n > b; n -= st) emit(n);
  return out;
}

export function isArrayWord(w: Word): boolean {
  if (w.parts.length !== 1) return w.parts.some((p) => p.t === 'brace' || p.t === 'range');
  const p = w.parts[0]!;
  switch (p.t) {
    case 'arr': return !p.quoted && (p.index === null || isSliceIndex(p.index));
    case 'cmd': return p.array && !p.quoted;
    case 'method': return p.array && !p.quoted && (p.index === null || isSliceIndex(p.index));
    case 'list': case 'brace': case 'range': return true;
    default: return false;
  }
}

function isSliceIndex(w: Word): boolean {
  return w.raw.includes('..');
}

/** `@a[i]`: one element (negative counts from the end), or a slice `a..b`, `a..=b`, `a..`. */
export function index(arr: string[], idx: string, pos: Pos): string | string[] {
  const m = /^(-?[0-9]+)?\.\.(=)?(-?[0-9]+)?$/.exec(idx.trim());
  const at = (n: number) => (n < 0 ? arr.length + n : n);
  if (m) {
    const start = m[1] === undefined ? 0 : at(Number(m[1]));
    let end = m[3] === undefined ? arr.length : at(Number(m[3]));
    if (m[2] && m[3] !== undefined) end += 1;
    return arr.slice(Math.max(0, start), Math.max(0, end));
  }
  if (!/^-?[0-9]+$/.test(idx.trim())) throw new ExpandError(`bad index '${idx}'`, pos);
  return arr[at(Number(idx))] ?? '';
}

export class Expander {
  constructor(private readonly env: ExpandEnv) {}

  /** The arguments a word stands for. */
  words(ws: Word[]): string[] {
    const out: string[] = [];
    for (const w of ws) out.push(...this.word(w));
    return out;
  }

  word(w: Word): string[] {
    const out: string[] = [];
    for (const f of this.fields(w)) {
      const pattern = f.map((s) => (s.glob ? s.s : s.s.replace(/[\\*?[\]]/g, '\\$&'))).join('');
      if (f.some((s) => s.glob && hasGlob(s.s))) {
        const hits = glob(pattern, this.env.fs);
        if (hits.length > 0) {
          out.push(...hits);
          continue;
        }
      }
      out.push(f.map((s) => s.s).join(''));
    }
    return out;
  }

  /** A word as one string (redirection targets, case patterns, `$x` contexts). */
  string(w: Word): string {
    return this.fields(w).map((f) => f.map((s) => s.s).join('')).join(' ');
  }

  /** A `let` value: an array for array words, else a string. */
  value(w: Word): Value {
    if (isArrayWord(w)) return this.word(w);
    return this.string(w);
  }

  private fields(w: Word): Field[] {
    const whole = w.parts.length === 1;
    let fields: Field[] = [[]];
    const add = (s: string, glob = false) => {
      for (const f of fields) f.push({ s, glob });
    };
    const many = (items: string[]) => {
      if (whole) fields = items.map((s) => [{ s, glob: false }]);
      else add(items.join(' '));
    };
    for (const p of w.parts) {
      switch (p.t) {
        case 'lit':
          add(p.s, !p.quoted);
          break;
        case 'tilde': {
          const h = this.env.home(p.user);
          add(h ?? '~' + p.user);
          break;
        }
        case 'var':
          add(str(this.env.get(p.name)));
          break;
        case 'arr': {
          const v = this.env.get(p.name);
          const arr = v === undefined ? [] : Array.isArray(v) ? v : [v];
          const sel = p.index ? index(arr, this.string(p.index), w.pos) : arr;
          if (typeof sel === 'string') add(sel);
          else if (p.quoted) add(sel.join(' '));
          else many(sel);
          break;
        }
        case 'cmd': {
          const out = this.env.capture(p.src, p.pos);
          if (p.array && !p.quoted) many(out.split(/\s+/).filter(Boolean));
          else add(out.replace(/\n+$/, ''));
          break;
        }
        case 'arith':
          add(this.arith(p));
          break;
        case 'method': {
          const args = p.args.map((a) => this.value(a));
          let r: Value;
          try {
            r = callMethod(p.name, p.array, args);
          } catch (e) {
            throw new ExpandError((e as Error).message, p.pos);
          }
          if (p.index && Array.isArray(r)) r = index(r, this.string(p.index), p.pos);
          if (Array.isArray(r) && !p.quoted) many(r);
          else add(str(r));
          break;
        }
        case 'list':
          many(this.words(p.items));
          break;
        case 'brace': {
          const alts: Field[] = [];
          for (const a of p.alts) alts.push(...this.fields(a));
          fields = product(fields, alts);
          break;
        }
        case 'range':
          fields = product(fields, range(p.from, p.to, p.inclusive, p.step).map((s) => [{ s, glob: false }]));
          break;
      }
    }
    return fields;
  }

  private arith(p: Extract<Part, { t: 'arith' }>): string {
    try {
      // Variables may be written bare or with `$`; `$(...)` inside is expanded first.
      const src = /[$@][A-Za-z_]*\(/.test(p.src) ? this.string(parseWord(`"${p.src.replace(/"/g, '')}"`, p.pos)) : p.src;
      return formatNumber(evalArith(src, (n) => str(this.env.get(n))));
    } catch (e) {
      if (e instanceof ExpandError) throw e;
      throw new ExpandError((e as Error).message, p.pos);
    }
  }
}

export { unescapeGlob };
