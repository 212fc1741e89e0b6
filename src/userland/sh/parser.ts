// The shell's parser: tokens -> statements (ast.ts), by recursive descent.
//
//   program  := list
//   list     := { sep | stmt }              until a terminator keyword (end, else, case)
//   stmt     := let | fn | andor
//   andor    := pipeline { (&& | ||) pipeline } [& | &!]
//   pipeline := [!] command { (| | ^| | &|) command }
//   command  := if | for | while | match | simple, each followed by redirections
//
// Keywords count only at the start of a command, unquoted. A block left open at the end of
// the input is an error marked `incomplete`, which tells an interactive shell to read on.

import type { AndOr, Command, Case, FnDef, Let, LetOp, Pipeline, PipeOp, Redirect, RedirOp, Simple, Stmt, Word } from './ast.js';
import { ShSyntaxError, tokenize, type Op, type Pos, type Token } from './lexer.js';
import { parseWord } from './word.js';

const REDIR_OPS = new Set<Op>(['>', '>>', '<', '<<<', '^>', '^>>', '&>', '&>>', '>&']);
const PIPE_OPS = new Set<Op>(['|', '^|', '&|']);
const LET_OPS: LetOp[] = ['//=', '**=', '++=', '::=', '+=', '-=', '*=', '/=', '%=', '='];
const TYPE = /^(str|bool|int|float|\[str\]|\[bool\]|\[int\]|\[float\]|hmap\[\w+\]|bmap\[\w+\])$/;

/** Parses a whole text; `firstLine` numbers its first line (for input read piecemeal). */
export function parse(src: string, firstLine = 1): Stmt[] {
  return new Parser(src, firstLine).program();
}

class Parser {
  private readonly toks: Token[];
  private k = 0;

  constructor(private readonly src: string, firstLine: number) {
    this.toks = tokenize(src, { line: firstLine, col: 1, offset: 0 });
  }

  program(): Stmt[] {
    const body = this.list(new Set());
    const t = this.peek();
    if (t.kind !== 'eof') throw new ShSyntaxError(`unexpected '${this.show(t)}'`, t.pos);
    return body;
  }

  private peek(): Token {
    return this.toks[this.k]!;
  }

  private take(): Token {
    return this.toks[this.k++]!;
  }

  private show(t: Token): string {
    return t.kind === 'word' ? t.text : t.kind === 'op' ? t.op : t.kind === 'newline' ? 'newline' : 'end of input';
  }

  private isKeyword(t: Token, ...words: string[]): boolean {
    return t.kind === 'word' && words.includes(t.text);
  }

  private isSep(t: Token): boolean {
    return t.kind === 'newline' || (t.kind === 'op' && t.op === ';');
  }

  private skipNewlines(): void {
    while (this.peek().kind === 'newline') this.k++;
  }

  /** Statements until a terminator keyword (left for the caller) or the end of input. */
  private list(terms: Set<string>, opener?: { word: string; pos: Pos }): Stmt[] {
    const out: Stmt[] = [];
    for (;;) {
      const t = this.peek();
      if (this.isSep(t)) {
        this.k++;
        continue;
      }
      if (t.kind === 'eof') {
        if (opener) throw new ShSyntaxError(`'${opener.word}' at ${opener.pos.line}:${opener.pos.col} is missing its 'end'`, t.pos, true);
        return out;
      }
      if (t.kind === 'word' && terms.has(t.text)) return out;
      if (this.isKeyword(t, 'end', 'else', 'case')) throw new ShSyntaxError(`unexpected '${this.show(t)}'`, t.pos);
      const stmt = this.stmt();
      out.push(stmt);
      if (stmt.t === 'andor' && stmt.background !== 'fg') continue;
      const after = this.peek();
      if (!this.isSep(after) && after.kind !== 'eof') throw new ShSyntaxError(`unexpected '${this.show(after)}'`, after.pos);
    }
  }

  private stmt(): Stmt {
    const t = this.peek();
    if (this.isKeyword(t, 'let')) return this.let();
    if (this.isKeyword(t, 'fn') && this.toks[this.k + 1]?.kind === 'word') return this.fn();
    return this.andor();
  }

  private andor(): AndOr {
    const start = this.peek();
    const first = this.pipeline();
    const rest: AndOr['rest'] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || (t.op !== '&&' && t.op !== '||')) break;
      this.k++;
      this.skipNewlines();
      rest.push({ op: t.op, p: this.pipeline() });
    }
    let background: AndOr['background'] = 'fg';
    const t = this.peek();
    const end = this.toks[this.k - 1]!.end;
    if (t.kind === 'op' && (t.op === '&' || t.op === '&!')) {
      this.k++;
      background = t.op === '&' ? 'bg' : 'disown';
    }
    return { t: 'andor', first, rest, background, pos: start.pos, text: this.src.slice(start.pos.offset, end) };
  }

  private pipeline(): Pipeline {
    const start = this.peek();
    let negate = false;
    if (this.isKeyword(start, '!')) {
      this.k++;
      negate = true;
    }
    const cmds: Command[] = [this.command()];
    const pipes: PipeOp[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || !PIPE_OPS.has(t.op)) break;
      this.k++;
      this.skipNewlines();
      pipes.push(t.op as PipeOp);
      cmds.push(this.command());
    }
    const end = this.toks[this.k - 1]!.end;
    return { t: 'pipeline', negate, cmds, pipes, pos: start.pos, text: this.src.slice(start.pos.offset, end) };
  }

  private command(): Command {
    const t = this.peek();
    let cmd: Command;
    if (this.isKeyword(t, 'if')) cmd = this.if();
    else if (this.isKeyword(t, 'for')) cmd = this.for();
    else if (this.isKeyword(t, 'while')) cmd = this.while();
    else if (this.isKeyword(t, 'match')) cmd = this.match();
    else return this.simple();
    this.redirections(cmd.redirs);
    cmd.text = this.src.slice(t.pos.offset, this.toks[this.k - 1]!.end);
    return cmd;
  }

  private redirections(into: Redirect[]): void {
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || !REDIR_OPS.has(t.op)) return;
      into.push(this.redirect());
    }
  }

  private redirect(): Redirect {
    const op = this.take() as Extract<Token, { kind: 'op' }>;
    const target = this.take();
    if (target.kind !== 'word') throw new ShSyntaxError(`expected a file name after '${op.op}'`, target.pos, target.kind === 'eof');
    return { op: op.op as RedirOp, fd: op.fd ?? null, target: parseWord(target.text, target.pos), pos: op.pos };
  }

  private simple(): Simple {
    const start = this.peek();
    const words: Word[] = [];
    const redirs: Redirect[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'word') {
        this.k++;
        words.push(parseWord(t.text, t.pos));
      } else if (t.kind === 'op' && REDIR_OPS.has(t.op)) {
        redirs.push(this.redirect());
      } else break;
    }
    if (words.length === 0 && redirs.length === 0) {
      throw new ShSyntaxError(start.kind === 'eof' ? 'expected a command' : `expected a command before '${this.show(start)}'`, start.pos, start.kind === 'eof');
    }
    return { t: 'simple', words, redirs, pos: start.pos, text: this.src.slice(start.pos.offset, this.toks[this.k - 1]!.end) };
  }

  /** Words up to the end of the line (or `;`). */
  private lineWords(): Token[] {
    const out: Token[] = [];
    while (this.peek().kind === 'word') out.push(this.take());
    const t = this.peek();
    if (!this.isSep(t) && t.kind !== 'eof') throw new ShSyntaxError(`unexpected '${this.show(t)}'`, t.pos);
    return out;
  }

  private endBlock(opener: { word: string; pos: Pos }): Token {
    const t = this.take();
    if (!this.isKeyword(t, 'end')) throw new ShSyntaxError(`expected 'end' for '${opener.word}' at ${opener.pos.line}:${opener.pos.col}`, t.pos, t.kind === 'eof');
    return t;
  }

  private if(): Command {
    const opener = { word: 'if', pos: this.take().pos };
    const branches: { cond: AndOr; body: Stmt[] }[] = [];
    let otherwise: Stmt[] | null = null;
    for (;;) {
      const cond = this.andor();
      const body = this.list(new Set(['else', 'end']), opener);
      branches.push({ cond, body });
      if (this.isKeyword(this.peek(), 'else')) {
        this.k++;
        if (this.isKeyword(this.peek(), 'if')) {
          this.k++;
          continue;
        }
        otherwise = this.list(new Set(['end']), opener);
      }
      break;
    }
    this.endBlock(opener);
    return { text: '', t: 'if', branches, otherwise, redirs: [], pos: opener.pos };
  }

  private for(): Command {
    const opener = { word: 'for', pos: this.take().pos };
    const names: string[] = [];
    for (;;) {
      const t = this.take();
      if (t.kind !== 'word') throw new ShSyntaxError("expected 'in' after the loop variable", t.pos, t.kind === 'eof');
      if (t.text === 'in') break;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(t.text)) throw new ShSyntaxError(`bad loop variable '${t.text}'`, t.pos);
      names.push(t.text);
    }
    if (names.length === 0) throw new ShSyntaxError('expected a loop variable', opener.pos);
    const items = this.lineWords().map((t) => parseWord((t as { text: string }).text, t.pos));
    const body = this.list(new Set(['end']), opener);
    this.endBlock(opener);
    return { text: '', t: 'for', names, items, body, redirs: [], pos: opener.pos };
  }

  private while(): Command {
    const opener = { word: 'while', pos: this.take().pos };
    const cond = this.andor();
    const body = this.list(new Set(['end']), opener);
    this.endBlock(opener);
    return { text: '', t: 'while', cond, body, redirs: [], pos: opener.pos };
  }

  private match(): Command {
    const opener = { word: 'match', pos: this.take().pos };
    const s = this.take();
    if (s.kind !== 'word') throw new ShSyntaxError('expected a value to match', s.pos, s.kind === 'eof');
    const subject = parseWord(s.text, s.pos);
    const cases: Case[] = [];
    for (;;) {
      this.skipSeps();
      const t = this.peek();
      if (this.isKeyword(t, 'end')) break;
      if (!this.isKeyword(t, 'case')) throw new ShSyntaxError(t.kind === 'eof' ? `'match' at ${opener.pos.line}:${opener.pos.col} is missing its 'end'` : `expected 'case' or 'end', found '${this.show(t)}'`, t.pos, t.kind === 'eof');
      this.k++;
      const patterns: Word[] = [];
      let guard: AndOr | null = null;
      while (this.peek().kind === 'word') {
        const w = this.take() as Extract<Token, { kind: 'word' }>;
        if (w.text === 'if') {
          guard = this.andor();
          break;
        }
        if (w.text !== '_') patterns.push(parseWord(w.text, w.pos));
      }
      const body = this.list(new Set(['case', 'end']), opener);
      cases.push({ patterns, guard, body });
    }
    this.endBlock(opener);
    return { text: '', t: 'match', subject, cases, redirs: [], pos: opener.pos };
  }

  private skipSeps(): void {
    while (this.isSep(this.peek())) this.k++;
  }

  private fn(): FnDef {
    const kw = this.take();
    const opener = { word: 'fn', pos: kw.pos };
    const nameTok = this.take();
    if (nameTok.kind !== 'word' || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(nameTok.text)) {
      throw new ShSyntaxError('expected a function name after fn', nameTok.pos, nameTok.kind === 'eof');
    }
    const params: FnDef['params'] = [];
    let description = '';
    const words = this.lineWords();
    for (let i = 0; i < words.length; i++) {
      const w = words[i]! as Extract<Token, { kind: 'word' }>;
      if (w.text === '--') {
        description = words.slice(i + 1).map((x) => (x as { text: string }).text).join(' ');
        break;
      }
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::(.+))?$/.exec(w.text);
      if (!m || (m[2] !== undefined && !TYPE.test(m[2]))) throw new ShSyntaxError(`bad parameter '${w.text}'`, w.pos);
      params.push({ name: m[1]!, type: m[2] ?? null });
    }
    const body = this.list(new Set(['end']), opener);
    const end = this.endBlock(opener);
    return { t: 'fn', name: nameTok.text, params, description, body, source: this.src.slice(kw.pos.offset, end.end), pos: kw.pos };
  }

  private let(): Let {
    const kw = this.take();
    const names: Let['names'] = [];
    const values: Word[] = [];
    let op: LetOp | null = null;
    while (this.peek().kind === 'word') {
      const t = this.take() as Extract<Token, { kind: 'word' }>;
      if (op) {
        values.push(parseWord(t.text, t.pos));
        continue;
      }
      const bare = LET_OPS.find((o) => o === t.text);
      if (bare) {
        op = bare;
        continue;
      }
      // `name=value`, `name+=value`, `name:int=3`, or a name alone.
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::([^=+\-*/%]+))?((?:\/\/|\*\*|\+\+|::|[+\-*/%])?=)?(.*)$/s.exec(t.text);
      if (!m || (m[3] === undefined && m[4] !== '')) throw new ShSyntaxError(`bad variable name '${t.text}'`, t.pos);
      if (m[2] !== undefined && !TYPE.test(m[2])) throw new ShSyntaxError(`unknown type '${m[2]}'`, t.pos);
      names.push({ name: m[1]!, type: m[2] ?? null });
      if (m[3] !== undefined) {
        op = m[3] as LetOp;
        const off = t.text.length - m[4]!.length;
        if (m[4] !== '') values.push(parseWord(m[4]!, { line: t.pos.line, col: t.pos.col + off, offset: t.pos.offset + off }));
      }
    }
    const t = this.peek();
    if (!this.isSep(t) && t.kind !== 'eof') throw new ShSyntaxError(`unexpected '${this.show(t)}' in let`, t.pos);
    if (names.length > 0 && !op) throw new ShSyntaxError("expected '=' in let", t.pos);
    if (op && names.length === 0) throw new ShSyntaxError("expected a variable name before '='", kw.pos);
    return { t: 'let', names, op: op ?? '=', values, pos: kw.pos };
  }
}
