// The shell's lexer: source text -> tokens (raw words, operators, newlines), each with its
// line and column so that syntax errors can point at them.
//
// A word token keeps its raw text, quotes included; word.ts takes it apart later. The lexer
// only needs to know where a word ends, which means tracking quotes and the brackets that may
// contain spaces: `$(...)`, `@(...)`, `$((...))`, method calls `$len(...)`, array literals
// `[a b]` and braces `{...}`. Operators are Ion's: `|` `^|` `&|`, `&&` `||`, `;` `&` `&!`,
// and the redirections `>` `>>` `<` `<<<` `^>` `^>>` `&>` `&>>`, plus POSIX's `N>`, `N>>`,
// `N<` and `N>&M` (a digit written right before the operator).

export interface Pos {
  line: number;
  col: number;
  /** Offset into the source, so that a function's text can be kept. */
  offset: number;
}

export type Op =
  | '|' | '^|' | '&|' | '&&' | '||' | ';' | '&' | '&!'
  | '>' | '>>' | '<' | '<<<' | '^>' | '^>>' | '&>' | '&>>' | '>&';

export type Token =
  | { kind: 'word'; text: string; pos: Pos; end: number }
  /** `fd` is a descriptor number written right before a redirection (`2>`, `2>&1`). */
  | { kind: 'op'; op: Op; pos: Pos; end: number; fd?: number }
  | { kind: 'newline'; pos: Pos; end: number }
  | { kind: 'eof'; pos: Pos; end: number };

/** A syntax error at a position. `incomplete` means more input could complete it. */
export class ShSyntaxError extends Error {
  constructor(readonly reason: string, readonly pos: Pos, readonly incomplete = false) {
    super(`${pos.line}:${pos.col}: ${reason}`);
    this.name = 'ShSyntaxError';
  }
}

// Longest first, so that `>>` wins over `>`.
const OPS: Op[] = ['<<<', '^>>', '&>>', '&&', '||', '^|', '&|', '&!', '>>', '>&', '^>', '&>', '|', ';', '&', '>', '<'];

class BraceNotGroup extends Error {}

const CLOSER: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

export class Lexer {
  private i = 0;
  private line = 1;
  private col = 1;

  constructor(private readonly src: string, private readonly base: Pos = { line: 1, col: 1, offset: 0 }) {
    this.line = base.line;
    this.col = base.col;
  }

  tokens(): Token[] {
    const out: Token[] = [];
    for (;;) {
      const t = this.next();
      out.push(t);
      if (t.kind === 'eof') return out;
    }
  }

  private pos(): Pos {
    return { line: this.line, col: this.col, offset: this.base.offset + this.i };
  }

  private peek(k = 0): string {
    return this.src[this.i + k] ?? '';
  }

  private advance(): string {
    const c = this.src[this.i++] ?? '';
    if (c === '\n') {
      this.line++;
      this.col = 1;
    } else {
      this.col++;
    }
    return c;
  }

  private next(): Token {
    // Blanks, comments and escaped newlines separate tokens.
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r') this.advance();
      else if (c === '\\' && this.peek(1) === '\n') {
        this.advance();
        this.advance();
      } else if (c === '#') {
        while (this.i < this.src.length && this.peek() !== '\n') this.advance();
      } else break;
    }
    const pos = this.pos();
    if (this.i >= this.src.length) return { kind: 'eof', pos, end: pos.offset };
    if (this.peek() === '\n') {
      this.advance();
      return { kind: 'newline', pos, end: this.base.offset + this.i };
    }
    // POSIX descriptor redirections, for hands used to them: `2>file`, `2>>file`, `2>&1`, `0<file`.
    const numbered = /^([0-9])(?=>|<(?!<<))/.exec(this.src.slice(this.i, this.i + 2));
    if (numbered) {
      this.advance();
      const op = OPS.find((o) => this.src.startsWith(o, this.i) && (o === '>' || o === '>>' || o === '>&' || o === '<'))!;
      for (let k = 0; k < op.length; k++) this.advance();
      return { kind: 'op', op, pos, end: this.base.offset + this.i, fd: Number(numbered[1]) };
    }
    for (const op of OPS) {
      if (this.src.startsWith(op, this.i)) {
        for (let k = 0; k < op.length; k++) this.advance();
        return { kind: 'op', op, pos, end: this.base.offset + this.i };
      }
    }
    if (this.peek() === ')' || this.peek() === ']') throw new ShSyntaxError(`unexpected '${this.peek()}'`, pos);
    const start = this.i;
    this.scanWord();
    return { kind: 'word', text: this.src.slice(start, this.i), pos, end: this.base.offset + this.i };
  }

  /** Scans one word: stops at a blank, a newline or an operator outside quotes and brackets. */
  private scanWord(): void {
    while (this.i < this.src.length) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ';' || c === '|' || c === '<' || c === '>') return;
      if (c === '&') return;
      if (c === '^' && (this.peek(1) === '>' || this.peek(1) === '|')) return;
      if (c === ')' || c === ']') throw new ShSyntaxError(`unexpected '${c}'`, this.pos());
      this.scanUnit();
    }
  }

  /** One character, or one quoted string or bracketed group with everything inside it. */
  private scanUnit(): void {
    const c = this.peek();
    const pos = this.pos();
    if (c === '\\') {
      this.advance();
      if (this.i >= this.src.length) throw new ShSyntaxError('backslash at end of input', pos, true);
      this.advance();
    } else if (c === "'") {
      this.advance();
      while (this.peek() !== "'") {
        if (this.i >= this.src.length) throw new ShSyntaxError('unterminated single quote', pos, true);
        this.advance();
      }
      this.advance();
    } else if (c === '"') {
      this.advance();
      while (this.peek() !== '"') {
        if (this.i >= this.src.length) throw new ShSyntaxError('unterminated double quote', pos, true);
        const d = this.peek();
        if (d === '\\') {
          this.advance();
          this.advance();
        } else if ((d === '$' || d === '@') && this.peek(1) === '(') {
          this.advance();
          this.scanGroup();
        } else if (d === '$' && this.peek(1) === '{') {
          this.advance();
          this.scanGroup();
        } else {
          this.advance();
        }
      }
      this.advance();
    } else if (c === '(' || c === '[') {
      this.scanGroup();
    } else if (c === '{') {
      // Braces group only when closed before any blank: `{a,b}` but a lone `{` is literal.
      const saved = [this.i, this.line, this.col] as const;
      try {
        this.scanGroup(true);
      } catch (e) {
        if (!(e instanceof BraceNotGroup)) throw e;
        [this.i, this.line, this.col] = saved;
        this.advance();
      }
    } else {
      this.advance();
    }
  }

  /** A bracketed group, nested and with quotes inside, through its closing bracket. */
  private scanGroup(brace = false): void {
    const pos = this.pos();
    const open = this.advance();
    const close = CLOSER[open]!;
    for (;;) {
      const c = this.peek();
      if (brace && (this.i >= this.src.length || c === ' ' || c === '\t' || c === '\n')) throw new BraceNotGroup();
      if (this.i >= this.src.length) throw new ShSyntaxError(`'${open}' is never closed`, pos, true);
      if (c === close) {
        this.advance();
        return;
      }
      if (c === ')' || c === ']' || c === '}') throw new ShSyntaxError(`'${c}' does not match '${open}'`, this.pos());
      if (c === '#' && open !== '{') {
        // A comment inside $( ... ) runs to the end of its line.
        const prev = this.src[this.i - 1];
        if (prev === ' ' || prev === '\t' || prev === '\n') {
          while (this.i < this.src.length && this.peek() !== '\n') this.advance();
          continue;
        }
      }
      this.scanUnit();
    }
  }
}

export function tokenize(src: string, base?: Pos): Token[] {
  return new Lexer(src, base).tokens();
}
