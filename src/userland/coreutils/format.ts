// Pure formatting shared by the applets: human-readable sizes as GNU prints them (ls -h, du -h,
// df -h, free -h), mode strings (`drwxr-xr-x`), file type names, ls's dates, strftime for date
// and stat, and column padding. No libmh: unit-tested on the host beside this file.

const S_IFMT = 0o170000;

/**
 * GNU's human sizes: under 1024 the plain number; otherwise one decimal below 10 and none
 * above, always rounded up (so 1500 is 1.5K, 10752 is 11K), with K M G T P E suffixes.
 * `si` uses powers of 1000 (df -H).
 */
export function humanSize(n: number, si = false): string {
  const base = si ? 1000 : 1024;
  if (n < base) return String(Math.ceil(n));
  const units = si ? 'kMGTPE' : 'KMGTPE';
  let v = n;
  let u = -1;
  while (v >= base && u < units.length - 1) {
    v /= base;
    u++;
  }
  if (v < 10) {
    const r = Math.ceil(v * 10 - 1e-9) / 10;
    if (r >= 10) return `10${units[u]}`;
    return `${r.toFixed(1)}${units[u]}`;
  }
  const r = Math.ceil(v - 1e-9);
  if (r >= base && u < units.length - 1) return `1.0${units[u + 1]}`;
  return `${r}${units[u]}`;
}

/** The type letter ls -l shows first. */
export function typeChar(mode: number): string {
  switch (mode & S_IFMT) {
    case 0o040000: return 'd';
    case 0o120000: return 'l';
    case 0o020000: return 'c';
    case 0o060000: return 'b';
    case 0o010000: return 'p';
    case 0o140000: return 's';
    default: return '-';
  }
}

/** `drwxr-xr-x`, with setuid/setgid/sticky shown as s/S and t/T in the execute places. */
export function modeString(mode: number): string {
  const rwx = (bits: number, special: boolean, ch: string): string =>
    (bits & 4 ? 'r' : '-') + (bits & 2 ? 'w' : '-') + (special ? (bits & 1 ? ch : ch.toUpperCase()) : bits & 1 ? 'x' : '-');
  return typeChar(mode) + rwx((mode >> 6) & 7, !!(mode & 0o4000), 's') + rwx((mode >> 3) & 7, !!(mode & 0o2000), 's') + rwx(mode & 7, !!(mode & 0o1000), 't');
}

/** stat's %F. */
export function fileTypeName(mode: number, size = 0): string {
  switch (mode & S_IFMT) {
    case 0o040000: return 'directory';
    case 0o120000: return 'symbolic link';
    case 0o020000: return 'character special file';
    case 0o060000: return 'block special file';
    case 0o010000: return 'fifo';
    case 0o140000: return 'socket';
    default: return size === 0 ? 'regular empty file' : 'regular file';
  }
}

export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
export const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const p2 = (n: number): string => String(n).padStart(2, '0');

/** ls -l's date: `Nov 25 15:03` within six months of now, `Nov 25  2025` otherwise (UTC). */
export function lsDate(ms: number, nowMs: number): string {
  const d = new Date(ms);
  const recent = Math.abs(nowMs - ms) < 182.5 * 86400e3;
  const tail = recent ? `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}` : ` ${d.getUTCFullYear()}`;
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${tail}`;
}

/**
 * strftime over UTC (MACROHARD has no time zone database yet): the conversions date(1)
 * documents, with GNU's `-` (no padding), `_` (space padding) and `0` flags. `nanos` gives
 * %N its digits.
 */
export function strftime(fmt: string, ms: number, nanos?: number): string {
  const d = new Date(ms);
  const Y = d.getUTCFullYear(), m = d.getUTCMonth(), D = d.getUTCDate(), w = d.getUTCDay();
  const H = d.getUTCHours(), M = d.getUTCMinutes(), S = d.getUTCSeconds();
  const yday = Math.floor((Date.UTC(Y, m, D) - Date.UTC(Y, 0, 1)) / 86400e3) + 1;
  const ns = nanos ?? (((ms % 1000) + 1000) % 1000) * 1e6;
  let outStr = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c !== '%' || i + 1 >= fmt.length) {
      outStr += c;
      continue;
    }
    let flag = '';
    let k = fmt[++i]!;
    if ((k === '-' || k === '_' || k === '0' || k === '^') && i + 1 < fmt.length) {
      flag = k;
      k = fmt[++i]!;
    }
    const num = (n: number, width: number, pad = '0'): string => {
      if (flag === '-') return String(n);
      return String(n).padStart(width, flag === '_' ? ' ' : flag === '0' ? '0' : pad);
    };
    let v: string;
    switch (k) {
      case '%': v = '%'; break;
      case 'a': v = DAYS[w]!; break;
      case 'A': v = LONG_DAYS[w]!; break;
      case 'b': case 'h': v = MONTHS[m]!; break;
      case 'B': v = LONG_MONTHS[m]!; break;
      case 'c': v = strftime('%a %b %e %H:%M:%S %Y', ms); break;
      case 'C': v = num(Math.floor(Y / 100), 2); break;
      case 'd': v = num(D, 2); break;
      case 'D': v = strftime('%m/%d/%y', ms); break;
      case 'e': v = num(D, 2, ' '); break;
      case 'F': v = strftime('%Y-%m-%d', ms); break;
      case 'H': v = num(H, 2); break;
      case 'I': v = num(H % 12 || 12, 2); break;
      case 'j': v = num(yday, 3); break;
      case 'k': v = num(H, 2, ' '); break;
      case 'l': v = num(H % 12 || 12, 2, ' '); break;
      case 'm': v = num(m + 1, 2); break;
      case 'M': v = num(M, 2); break;
      case 'n': v = '\n'; break;
      case 'N': v = String(Math.floor(ns)).padStart(9, '0'); break;
      case 'p': v = H < 12 ? 'AM' : 'PM'; break;
      case 'P': v = H < 12 ? 'am' : 'pm'; break;
      case 'r': v = strftime('%I:%M:%S %p', ms); break;
      case 'R': v = strftime('%H:%M', ms); break;
      case 's': v = String(Math.floor(ms / 1000)); break;
      case 'S': v = num(S, 2); break;
      case 't': v = '\t'; break;
      case 'T': v = strftime('%H:%M:%S', ms); break;
      case 'u': v = String(w || 7); break;
      case 'w': v = String(w); break;
      case 'x': v = strftime('%m/%d/%y', ms); break;
      case 'X': v = strftime('%H:%M:%S', ms); break;
      case 'y': v = num(Y % 100, 2); break;
      case 'Y': v = String(Y); break;
      case 'z': v = '+0000'; break;
      case ':': v = fmt[i + 1] === 'z' ? (i++, '+00:00') : '%:'; break;
      case 'Z': v = 'UTC'; break;
      default: v = `%${flag}${k}`;
    }
    outStr += flag === '^' ? v.toUpperCase() : v;
  }
  return outStr;
}

/** Right-aligns each column of `rows` to its widest cell; `left` lists left-aligned columns. */
export function columns(rows: string[][], left: number[] = [], sep = ' '): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) =>
    r.map((c, i) => (i === r.length - 1 && left.includes(i) ? c : left.includes(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(sep),
  );
}

/** Parses sizes with GNU suffixes (K, M, G, KB, KiB... and b = 512) for head -c, du -B and the like. */
export function parseSize(s: string): number | null {
  const m = /^(\d+)([bkKMGTPE]?)(i?B?)$/.exec(s.trim());
  if (!m) return null;
  const n = Number(m[1]);
  if (m[2] === '') return m[3] ? null : n;
  if (m[2] === 'b') return m[3] ? null : n * 512;
  const base = m[3] === 'B' ? 1000 : 1024;
  const exp = 'KMGTPE'.indexOf(m[2]!.toUpperCase()) + 1;
  return n * base ** exp;
}

/**
 * Parses the date strings date -d and touch -d accept: `@SECONDS`, ISO forms (`2024-01-02`,
 * `2024-01-02 03:04:05`, `...T...Z`, with an offset), `now`, `today`, `yesterday`, `tomorrow`,
 * relative items (`2 days ago`, `+3 hours`, `-1 week`), a bare `HH:MM[:SS]` (today). UTC
 * unless an offset is written. Returns ms since the epoch, or NaN.
 */
export function parseDate(text: string, nowMs: number): number {
  let s = text.trim().toLowerCase();
  if (s.startsWith('@')) return /^@-?\d+(\.\d+)?$/.test(s) ? Number(s.slice(1)) * 1000 : NaN;
  let base = nowMs;
  const day = (ms: number): number => ms - (((ms % 86400e3) + 86400e3) % 86400e3);
  const words: Record<string, number> = { now: nowMs, today: nowMs, yesterday: nowMs - 86400e3, tomorrow: nowMs + 86400e3 };
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(z|utc|[-+]\d{2}:?\d{2})?/.exec(s);
  const clockOnly = /^(\d{1,2}):(\d{2})(?::(\d{2}))?/.exec(s);
  if (iso) {
    const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', tz] = iso;
    base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec)) + Math.round(Number(frac || 0) * 1000);
    if (tz && tz !== 'z' && tz !== 'utc') {
      const sign = tz[0] === '-' ? -1 : 1;
      const digits = tz.slice(1).replace(':', '');
      base -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60e3;
    }
    s = s.slice(iso[0].length).trim();
  } else if (clockOnly) {
    base = day(nowMs) + (Number(clockOnly[1]) * 3600 + Number(clockOnly[2]) * 60 + Number(clockOnly[3] ?? 0)) * 1000;
    s = s.slice(clockOnly[0].length).trim();
  } else {
    const w = /^(now|today|yesterday|tomorrow)\b/.exec(s);
    if (w) {
      base = words[w[1]!]!;
      s = s.slice(w[0].length).trim();
    }
  }
  const units: Record<string, number> = { sec: 1e3, second: 1e3, min: 60e3, minute: 60e3, hour: 3600e3, day: 86400e3, week: 604800e3, fortnight: 1209600e3 };
  const rel = /^([-+]?\s*\d+)?\s*(sec|second|min|minute|hour|day|week|fortnight|month|year)s?\b(\s+ago)?/;
  for (let m = rel.exec(s); m && s; m = rel.exec(s)) {
    const n = Number((m[1] ?? '1').replace(/\s+/g, '')) * (m[3] ? -1 : 1);
    if (m[2] === 'month' || m[2] === 'year') {
      const d = new Date(base);
      if (m[2] === 'month') d.setUTCMonth(d.getUTCMonth() + n);
      else d.setUTCFullYear(d.getUTCFullYear() + n);
      base = d.getTime();
    } else base += n * units[m[2]!]!;
    s = s.slice(m[0].length).trim();
  }
  if (s === '') return base;
  const fallback = Date.parse(text);
  return Number.isNaN(fallback) ? NaN : fallback;
}
