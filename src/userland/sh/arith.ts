// Arithmetic for `$((...))` and `let x += n`: integers and floats, by precedence climbing.
//
//   ||  &&  (lowest)   |  ^  &   == != < <= > >=   << >>   + -   * / // %   ** (right)
//   unary - + ! ~      ( )       numbers (12, 0x1f, 1.5)    names and $names (variables)
//
// As in Ion, `/` divides exactly (7 / 2 is 3.5) and `//` is floor division. Comparisons and
// logic give 1 or 0. A name that is not set counts as 0; one that is not a number is an error.

export class ArithError extends Error {}

type Tok = { k: 'num'; v: number } | { k: 'op'; v: string } | { k: 'name'; v: string };

const OPS = ['**', '//', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '+', '-', '*', '/', '%', '(', ')', '<', '>', '!', '~', '&', '|', '^'];

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(0x[0-9a-fA-F]+|0b[01]+|0o[0-7]+|[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|\.[0-9]+)/.exec(src.slice(i));
    if (num) {
      out.push({ k: 'num', v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const name = /^\$?\{?([A-Za-z_][A-Za-z0-9_]*)\}?/.exec(src.slice(i));
    if (name) {
      out.push({ k: 'name', v: name[1]! });
      i += name[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ArithError(`unexpected '${c}' in arithmetic`);
    out.push({ k: 'op', v: op });
    i += op.length;
  }
  return out;
}

const BINARY: Record<string, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '<=': 7, '>': 7, '>=': 7,
  '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '//': 10, '%': 10, '**': 11,
};

export function toNumber(s: string, what: string): number {
  const t = s.trim();
  if (t === '') return 0;
  const n = Number(t);
  if (Number.isNaN(n)) throw new ArithError(`${what}: '${s}' is not a number`);
  return n;
}

export function evalArith(src: string, lookup: (name: string) => string | undefined): number {
  const toks = lex(src);
  let k = 0;
  const peek = (): Tok | undefined => toks[k];

  const primary = (): number => {
    const t = toks[k++];
    if (!t) throw new ArithError('arithmetic expression ends too early');
    if (t.k === 'num') return t.v;
    if (t.k === 'name') return toNumber(lookup(t.v) ?? '', t.v);
    switch (t.v) {
      case '(': {
        const v = expr(0);
        const c = toks[k++];
        if (!c || c.v !== ')') throw new ArithError("missing ')' in arithmetic");
        return v;
      }
      case '-': return -primary();
      case '+': return primary();
      case '!': return primary() ? 0 : 1;
      case '~': return ~primary();
    }
    throw new ArithError(`unexpected '${t.v}' in arithmetic`);
  };

  const expr = (min: number): number => {
    let left = primary();
    for (;;) {
      const t = peek();
      if (!t || t.k !== 'op' || !(t.v in BINARY)) return left;
      const prec = BINARY[t.v]!;
      if (prec < min) return left;
      k++;
      const right = expr(t.v === '**' ? prec : prec + 1);
      left = apply(t.v, left, right);
    }
  };

  if (toks.length === 0) return 0;
  const v = expr(0);
  if (k < toks.length) throw new ArithError(`unexpected '${toks[k]!.v}' in arithmetic`);
  return v;
}

export function apply(op: string, a: number, b: number): number {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/':
      if (b === 0) throw new ArithError('division by zero');
      return a / b;
    case '//':
      if (b === 0) throw new ArithError('division by zero');
      return Math.floor(a / b);
    case '%':
      if (b === 0) throw new ArithError('division by zero');
      return a % b;
    case '**': return a ** b;
    case '<<': return a << b;
    case '>>': return a >> b;
    case '&': return a & b;
    case '|': return a | b;
    case '^': return a ^ b;
    case '==': return a === b ? 1 : 0;
    case '!=': return a !== b ? 1 : 0;
    case '<': return a < b ? 1 : 0;
    case '<=': return a <= b ? 1 : 0;
    case '>': return a > b ? 1 : 0;
    case '>=': return a >= b ? 1 : 0;
    case '&&': return a && b ? 1 : 0;
    case '||': return a || b ? 1 : 0;
  }
  throw new ArithError(`unknown operator '${op}'`);
}

/** Numbers as the shell prints them: integers without a decimal point. */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(15)));
}
