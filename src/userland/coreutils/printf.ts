// printf(1)'s engine and the backslash escapes echo -e shares: a format is applied to the
// arguments, and reused from the start while arguments remain (as POSIX specifies). Numeric
// arguments take C's forms (0x1F, 017, 'c for a character's code); a bad one is reported and
// counts as 0, and the exit status becomes 1, as GNU does.
//
// Pure: unit-tested on the host; the printf applet wires it to standard output.

// Octal and \x escapes name bytes, not characters: `printf '\377'` writes the byte 0xff. Such
// bytes travel in the text as bytes.ts's escapes, which standard output turns back into bytes.
import { rawByte } from './bytes.js';

export interface PrintfResult {
  text: string;
  errors: string[];
  /** \c was met: stop all output here. */
  stopped: boolean;
}

/**
 * Interprets backslash escapes. `echoStyle` is echo -e / %b: octal as \0NNN and \c stops.
 * Otherwise (the format string itself) octal is \NNN.
 */
export function unescape(s: string, echoStyle: boolean): { text: string; stopped: boolean } {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const n = s[++i]!;
    switch (n) {
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'e': out += '\x1b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case 'c':
        if (echoStyle) return { text: out, stopped: true };
        out += '\\c';
        break;
      case 'x': {
        const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 1));
        if (!m) {
          out += '\\x';
          break;
        }
        out += rawByte(parseInt(m[0], 16));
        i += m[0].length;
        break;
      }
      case 'u': case 'U': {
        const m = new RegExp(`^[0-9a-fA-F]{1,${n === 'u' ? 4 : 8}}`).exec(s.slice(i + 1));
        if (!m) {
          out += '\\' + n;
          break;
        }
        out += String.fromCodePoint(parseInt(m[0], 16));
        i += m[0].length;
        break;
      }
      default: {
        const octal = echoStyle ? (n === '0' ? /^[0-7]{0,3}/.exec(s.slice(i + 1)) : null) : /^[0-7]{1,3}/.exec(s.slice(i));
        if (octal) {
          out += rawByte(parseInt(octal[0] || '0', 8) & 0xff);
          i += echoStyle ? octal[0].length : octal[0].length - 1;
        } else if (!echoStyle && n === '"') {
          out += '"';
        } else {
          out += '\\' + n;
        }
      }
    }
  }
  return { text: out, stopped: false };
}

/** A numeric argument as C's strtod/strtol would take it; NaN when it is not one. */
function numberArg(a: string, integer: boolean): { value: number; ok: boolean } {
  if (a === '') return { value: 0, ok: true };
  if (a[0] === "'" || a[0] === '"') return { value: a.length > 1 ? a.codePointAt(1)! : 0, ok: true };
  const t = a.trim();
  let v: number;
  if (/^[-+]?0[xX][0-9a-fA-F]+$/.test(t)) v = (t[0] === '-' ? -1 : 1) * parseInt(t.replace(/^[-+]/, ''), 16);
  else if (integer && /^[-+]?0[0-7]+$/.test(t)) v = (t[0] === '-' ? -1 : 1) * parseInt(t.replace(/^[-+]/, ''), 8);
  else if (integer && /^[-+]?\d+$/.test(t)) v = Number(t);
  else if (!integer && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) v = Number(t);
  else if (!integer && /^[-+]?(inf|infinity|nan)$/i.test(t)) v = /nan/i.test(t) ? NaN : t[0] === '-' ? -Infinity : Infinity;
  else return { value: parseFloat(t) || 0, ok: false };
  return { value: v, ok: true };
}

function pad(s: string, width: number, left: boolean, zero: boolean): string {
  if (s.length >= width) return s;
  if (left) return s.padEnd(width);
  if (zero) {
    const sign = /^[-+ ]/.test(s) ? s[0]! : '';
    const prefix = /^[-+ ]?0[xX]/.test(s) ? s.slice(0, sign.length + 2) : sign;
    return prefix + s.slice(prefix.length).padStart(width - prefix.length, '0');
  }
  return s.padStart(width);
}

/**
 * toFixed with C's rounding: JavaScript breaks an exact tie upwards (2.25 -> 2.3), C's printf
 * to the even digit (2.2). Other values are already correctly rounded by toFixed.
 */
export function fixed(v: number, prec: number): string {
  const wide = Math.abs(v).toFixed(Math.min(100, prec + 30));
  const dot = wide.indexOf('.');
  const tail = wide.slice(dot + 1 + prec);
  if (!/^50*$/.test(tail)) return v.toFixed(prec);
  const kept = wide.slice(0, dot + 1 + prec).replace(/\.$/, '');
  const lastDigit = Number(kept[kept.length - 1]);
  const down = lastDigit % 2 === 0;
  const mag = down ? kept : (Math.abs(v) + 0.5 * 10 ** -prec).toFixed(prec);
  return (v < 0 ? '-' : '') + mag;
}

/** C's %e mantissa/exponent form with at least two exponent digits. */
function expForm(v: number, prec: number, upper: boolean): string {
  const s = v.toExponential(prec).replace(/e([-+])(\d)$/, 'e$10$2');
  return upper ? s.toUpperCase() : s;
}

/** C's %g: %e or %f by the exponent, trailing zeros removed unless `alt`. */
function gForm(v: number, prec: number, upper: boolean, alt: boolean): string {
  const p = prec === 0 ? 1 : prec;
  if (v === 0) return alt ? (0).toFixed(p - 1) : '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(v.toExponential(p - 1)))));
  let s = exp < -4 || exp >= p ? expForm(v, p - 1, upper) : fixed(v, Math.max(0, p - 1 - exp));
  if (!alt) {
    // Trailing zeros of the fraction go, and the point with them if nothing is left.
    const [mant, exp2] = s.split(/(?=[eE])/);
    s = (mant!.includes('.') ? mant!.replace(/0+$/, '').replace(/\.$/, '') : mant!) + (exp2 ?? '');
  }
  return s;
}

function formatNumber(conv: string, v: number, flags: string, prec: number | null): string {
  const plus = flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  const alt = flags.includes('#');
  if (!Number.isFinite(v)) {
    const s = Number.isNaN(v) ? 'nan' : v < 0 ? '-inf' : plus + 'inf';
    return /[EFG]/.test(conv) ? s.toUpperCase() : s;
  }
  switch (conv) {
    case 'd': case 'i': {
      const n = Math.trunc(v);
      let digits = String(Math.abs(n));
      if (prec !== null) digits = prec === 0 && n === 0 ? '' : digits.padStart(prec, '0');
      return (n < 0 ? '-' : plus) + digits;
    }
    case 'u': case 'o': case 'x': case 'X': {
      let n = Math.trunc(v);
      if (n < 0) n = Number(BigInt.asUintN(64, BigInt(n)));
      const base = conv === 'o' ? 8 : conv === 'u' ? 10 : 16;
      let digits = n.toString(base);
      if (conv === 'X') digits = digits.toUpperCase();
      if (prec !== null) digits = prec === 0 && n === 0 ? '' : digits.padStart(prec, '0');
      if (alt && conv === 'o' && !digits.startsWith('0')) digits = '0' + digits;
      if (alt && n !== 0 && (conv === 'x' || conv === 'X')) digits = (conv === 'x' ? '0x' : '0X') + digits;
      return digits;
    }
    case 'f': case 'F': return (v < 0 || Object.is(v, -0) ? '' : plus) + fixed(v, prec ?? 6);
    case 'e': case 'E': return (v < 0 ? '' : plus) + expForm(v, prec ?? 6, conv === 'E');
    case 'g': case 'G': return (v < 0 ? '' : plus) + gForm(v, prec ?? 6, conv === 'G', alt);
    default: return '';
  }
}

/** %q: the argument quoted for reuse as shell input (GNU's plain form: single quotes). */
export function shellQuote(a: string): string {
  if (a === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,.\/-]+$/.test(a)) return a;
  if (a.includes("'") && !/["$`\\!]/.test(a)) return `"${a}"`;
  return `'${a.replace(/'/g, "'\\''")}'`;
}

/** Applies `format` to `args`, repeating it while arguments remain. */
export function printf(format: string, args: string[]): PrintfResult {
  const errors: string[] = [];
  let text = '';
  let ai = 0;
  const next = (): string | undefined => args[ai++];
  for (;;) {
    const startAi = ai;
    for (let i = 0; i < format.length; i++) {
      const c = format[i]!;
      if (c === '\\') {
        const m = /^\\([0-7]{1,3}|x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|.)/s.exec(format.slice(i));
        if (m) {
          if (m[0] === '\\c') return { text, errors, stopped: true };
          text += unescape(m[0], false).text;
          i += m[0].length - 1;
          continue;
        }
      }
      if (c !== '%') {
        text += c;
        continue;
      }
      const m = /^%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?([diouxXfFeEgGcsbq%])/.exec(format.slice(i));
      if (!m) {
        errors.push(`${format.slice(i, i + 2)}: invalid conversion specification`);
        return { text, errors, stopped: true };
      }
      i += m[0].length - 1;
      const flags = m[1]!;
      const conv = m[4]!;
      if (conv === '%') {
        text += '%';
        continue;
      }
      const starNum = (): number => {
        const a = next() ?? '0';
        const r = numberArg(a, true);
        if (!r.ok) errors.push(`'${a}': expected a numeric value`);
        return r.value;
      };
      let width = m[2] === '*' ? starNum() : m[2] ? Number(m[2]) : 0;
      let left = flags.includes('-');
      if (width < 0) {
        left = true;
        width = -width;
      }
      const prec = m[3] === undefined ? null : m[3] === '*' ? starNum() : Number(m[3] || '0');
      const arg = next();
      let s: string;
      if (conv === 's') {
        s = arg ?? '';
        if (prec !== null) s = s.slice(0, prec);
      } else if (conv === 'b') {
        const u = unescape(arg ?? '', true);
        s = prec !== null ? u.text.slice(0, prec) : u.text;
        if (u.stopped) return { text: text + pad(s, width, left, false), errors, stopped: true };
      } else if (conv === 'q') {
        s = shellQuote(arg ?? '');
      } else if (conv === 'c') {
        // An empty (or missing) argument is the NUL character, as C's printf("%c", "") gives.
        s = [...(arg ?? '')][0] ?? '\0';
      } else {
        const integer = /[diouxX]/.test(conv);
        const r = numberArg(arg ?? '', integer);
        if (!r.ok) errors.push(`'${arg}': ${integer && /^[-+]?\d*\.\d*$/.test(arg!.trim()) ? 'value not completely converted' : 'expected a numeric value'}`);
        s = formatNumber(conv, r.value, flags, prec);
      }
      const zero = flags.includes('0') && !left && !/[scbq]/.test(conv) && (prec === null || !/[diouxX]/.test(conv));
      text += pad(s, width, left, zero);
    }
    if (ai >= args.length || ai === startAi) break;
  }
  return { text, errors, stopped: false };
}
