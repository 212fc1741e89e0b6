// POSIX regular expressions, basic (BRE) and extended (ERE) with the GNU extensions grep and
// sed accept, translated into JavaScript RegExp source. The translation is needed because the
// dialects disagree: in a BRE `\(` groups and `(` is literal; `*` at the start is literal;
// bracket expressions take `]` first and POSIX classes (`[[:alpha:]]`) and treat `\` as an
// ordinary character; `\<` `\>` are word edges; `a{,3}` means `a{0,3}`.
//
// Pure: unit-tested on the host (regex.test.ts).

export type Dialect = 'basic' | 'extended';

const CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z', digit: '0-9', alnum: '0-9a-zA-Z', upper: 'A-Z', lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v', blank: ' \\t', punct: '!-\\/:-@\\[-`{-~', print: ' -~',
  graph: '!-~', cntrl: '\\x00-\\x1f\\x7f', xdigit: '0-9A-Fa-f', word: '0-9A-Za-z_',
};

/** A bracket expression starting at re[i] === '['; returns [JS class, index after it]. */
function bracket(re: string, i: number): [string, number] {
  let j = i + 1;
  let out = '[';
  if (re[j] === '^') {
    out += '^';
    j++;
  }
  let first = true;
  for (; j < re.length; j++) {
    const c = re[j]!;
    if (c === ']' && !first) return [out + ']', j + 1];
    first = false;
    if (c === '[' && (re[j + 1] === ':' || re[j + 1] === '=' || re[j + 1] === '.')) {
      const kind = re[j + 1]!;
      const end = re.indexOf(kind + ']', j + 2);
      if (end < 0) throw new SyntaxError('unterminated character class');
      const name = re.slice(j + 2, end);
      if (kind === ':') {
        const cls = CLASSES[name];
        if (cls === undefined) throw new SyntaxError(`invalid character class '${name}'`);
        out += cls;
      } else {
        out += escapeInClass(name);
      }
      j = end + 1;
      continue;
    }
    out += c === '-' ? '-' : escapeInClass(c);
  }
  throw new SyntaxError('Unmatched [, [^, [:, [., or [=');
}

function escapeInClass(s: string): string {
  return s.replace(/[\\\]\[^-]/g, '\\$&');
}

function escapeLiteral(c: string): string {
  return /[\\^$.*+?()[\]{}|\/]/.test(c) ? '\\' + c : c;
}

/** Translates a POSIX RE to JS RegExp source. */
export function translate(re: string, dialect: Dialect): string {
  const ere = dialect === 'extended';
  let out = '';
  // True where a `*` would be literal (BRE: at the start, after `\(` or `\|` or `^`).
  let atStart = true;
  // ERE: a `)` with no group open is an ordinary character (GNU).
  let depth = 0;
  for (let i = 0; i < re.length; i++) {
    const c = re[i]!;
    const wasStart = atStart;
    atStart = false;
    if (c === '\\') {
      const n = re[i + 1];
      i++;
      if (n === undefined) throw new SyntaxError('trailing backslash (\\)');
      if (!ere && (n === '(' || n === ')' || n === '|')) {
        out += n;
        atStart = n !== ')';
      } else if (!ere && n === '{') {
        const end = re.indexOf('\\}', i);
        if (end < 0) throw new SyntaxError('unmatched \\{');
        out += interval(re.slice(i + 1, end));
        i = end + 1;
      } else if (!ere && (n === '+' || n === '?')) {
        out += n;
      } else if (n === '<') {
        out += '\\b(?=\\w)';
      } else if (n === '>') {
        out += '\\b(?<=\\w)';
      } else if (n === '`') {
        out += '^';
      } else if (n === "'") {
        out += '$';
      } else if (/[1-9wWsSbB]/.test(n)) {
        out += '\\' + n;
      } else if (n === 'n') {
        out += '\\n';
      } else if (n === 't') {
        out += '\\t';
      } else {
        out += escapeLiteral(n);
      }
      continue;
    }
    if (c === '[') {
      const [cls, next] = bracket(re, i);
      out += cls;
      i = next - 1;
      continue;
    }
    if (c === '*') {
      out += wasStart ? '\\*' : '*';
      continue;
    }
    if (c === '^') {
      if (ere || wasStart) {
        out += '^';
        atStart = !ere;
      } else {
        out += '\\^';
      }
      continue;
    }
    if (c === '$') {
      // In a BRE `$` anchors only at the end of the RE or before `\)` / `\|`.
      const rest = re.slice(i + 1);
      out += ere || rest === '' || rest.startsWith('\\)') || rest.startsWith('\\|') ? '$' : '\\$';
      continue;
    }
    if (ere) {
      if (c === '{') {
        const end = re.indexOf('}', i);
        if (end < 0 || !/^\d*(,\d*)?$/.test(re.slice(i + 1, end))) {
          out += '\\{';
          continue;
        }
        out += interval(re.slice(i + 1, end));
        i = end;
        continue;
      }
      if (c === '(') {
        atStart = true;
        depth++;
      }
      if (c === ')') {
        if (depth === 0) {
          out += '\\)';
          continue;
        }
        depth--;
      }
      if (c === '|') atStart = true;
      if ((c === '*' || c === '+' || c === '?') && wasStart) {
        out += '\\' + c;
        continue;
      }
      out += c === '/' ? '\\/' : c;
      continue;
    }
    out += /[+?(){}|\/]/.test(c) ? '\\' + c : c;
  }
  return out;
}

function interval(body: string): string {
  const m = /^(\d*)(,(\d*))?$/.exec(body);
  if (!m) throw new SyntaxError('invalid content of \\{\\}');
  const lo = m[1] === '' ? '0' : m[1]!;
  if (m[2] === undefined) return `{${lo}}`;
  return `{${lo},${m[3] ?? ''}}`;
}

export interface MatchOptions {
  dialect: Dialect;
  ignoreCase?: boolean;
  /** Fixed strings (grep -F): every character literal. */
  fixed?: boolean;
  /** Whole words (grep -w) or whole lines (grep -x). */
  word?: boolean;
  line?: boolean;
}

/** Builds one RegExp matching any of `patterns` (grep -e a -e b), global so callers can scan. */
export function compile(patterns: string[], o: MatchOptions): RegExp {
  const parts = patterns.map((p) => (o.fixed ? [...p].map(escapeLiteral).join('') : translate(p, o.dialect)));
  let src = parts.length === 1 ? parts[0]! : parts.map((p) => `(?:${p})`).join('|');
  if (o.line) src = `^(?:${src})$`;
  else if (o.word) src = `(?<![\\w])(?:${src})(?![\\w])`;
  try {
    return new RegExp(src, o.ignoreCase ? 'gi' : 'g');
  } catch (e) {
    throw new SyntaxError(gnuRegexError(String((e as Error).message)));
  }
}

/** JavaScript's complaint about a translated pattern, in GNU regex's words. */
export function gnuRegexError(msg: string): string {
  if (/Unterminated group/.test(msg)) return 'Unmatched ( or \\(';
  if (/Unmatched '\)'/.test(msg)) return 'Unmatched ) or \\)';
  if (/Unterminated character class/.test(msg)) return 'Unmatched [, [^, [:, [., or [=';
  if (/Nothing to repeat/.test(msg)) return 'Invalid preceding regular expression';
  if (/numbers out of order/.test(msg)) return 'Invalid content of \\{\\}';
  if (/Invalid (escape|group)|\\ at end/.test(msg)) return 'Trailing backslash';
  return msg.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '');
}

/**
 * A shell glob (fnmatch without flags, as find -name uses it) as an anchored RegExp:
 * `*` any run, `?` one character, `[...]` / `[!...]` a set, `\x` the character x.
 */
export function globToRegExp(glob: string, ignoreCase = false): RegExp {
  let src = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') src += '[^]*';
    else if (c === '?') src += '[^]';
    else if (c === '\\' && i + 1 < glob.length) src += escapeLiteral(glob[++i]!);
    else if (c === '[') {
      const end = glob.indexOf(']', i + (glob[i + 1] === '!' || glob[i + 1] === '^' ? 3 : 2));
      if (end < 0) {
        src += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      const neg = body[0] === '!' || body[0] === '^';
      if (neg) body = body.slice(1);
      const [cls] = bracket(`[${neg ? '^' : ''}${body}]`, 0);
      src += cls;
      i = end;
    } else src += escapeLiteral(c);
  }
  return new RegExp(`^${src}$`, ignoreCase ? 'i' : '');
}
