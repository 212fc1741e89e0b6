// ls: lists directories and files as GNU ls does when its output is not a terminal (one name
// per line), with -l's long format (columns aligned per listing, `total` in 1 KiB blocks),
// -a/-A, -h, -R, -d, -F, -i, -n, -r, -t, -S, -L. Names sort by their code units, as GNU does in
// the C locale. Errors on operands are reported and give status 2 (1 for a subdirectory that
// cannot be read), GNU's convention.

import * as mh from 'libmh';
import { type Applet, getopts, joinPath, out, quote, userName, groupName, warn, errText, terminalWidth } from './common.js';
import { humanSize, lsDate, modeString } from './format.js';

interface Entry {
  name: string;
  path: string;
  st: mh.Stat | null;
  /** For -L or a followed operand: what the name points to. */
  target?: string;
}

interface Opts {
  all: boolean;
  almostAll: boolean;
  long: boolean;
  human: boolean;
  recursive: boolean;
  dirAsFile: boolean;
  classify: boolean;
  inode: boolean;
  /** -s: each name's allocated size, in 1 KiB blocks (or human with -h). */
  blocks: boolean;
  numeric: boolean;
  reverse: boolean;
  sort: 'name' | 'time' | 'size' | 'none';
  follow: boolean;
  /** Columns across this width (-C, or a terminal), or null for one name per line. */
  width: number | null;
}

const IFMT = mh.S.IFMT;
const isDirMode = (m: number): boolean => (m & IFMT) === mh.S.IFDIR;

function byName(a: Entry, b: Entry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function sortEntries(list: Entry[], o: Opts): Entry[] {
  if (o.sort === 'none') return list;
  const cmp =
    o.sort === 'time'
      ? (a: Entry, b: Entry) => (b.st?.mtimeMs ?? 0) - (a.st?.mtimeMs ?? 0) || byName(a, b)
      : o.sort === 'size'
        ? (a: Entry, b: Entry) => (b.st?.size ?? 0) - (a.st?.size ?? 0) || byName(a, b)
        : byName;
  list.sort(cmp);
  if (o.reverse) list.reverse();
  return list;
}

function classifyChar(mode: number): string {
  switch (mode & IFMT) {
    case mh.S.IFDIR: return '/';
    case mh.S.IFLNK: return '@';
    case mh.S.IFIFO: return '|';
    case mh.S.IFSOCK: return '=';
    default: return mode & 0o111 ? '*' : '';
  }
}

function exists(path: string): boolean {
  try {
    mh.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * /scheme itself is no directory the kernel serves, but a user expects `ls /scheme` to show
 * the schemes (as on Redox): list the names this process can reach, as directories.
 */
function schemeRoot(path: string): string[] | null {
  if (path.replace(/\/+$/, '') !== '/scheme') return null;
  const ns = mh.getns();
  if (ns) return ns.slice().sort();
  try {
    return new TextDecoder().decode(mh.readFile('/scheme/sys/schemes')).split('\n').filter(Boolean);
  } catch {
    return null;
  }
}

function statOf(path: string, follow: boolean): mh.Stat {
  if (!follow) return mh.lstat(path);
  try {
    return mh.stat(path);
  } catch {
    return mh.lstat(path); // a dangling link is listed as the link itself
  }
}

/**
 * GNU ls's columns: names fill down each column; the most columns whose line stays narrower
 * than the width win, each column as wide as its longest name plus two spaces (the last
 * column without them). Padding uses tabs where a tab stop (every 8) allows, as GNU does.
 */
export function columnize(names: string[], width: number): string[] {
  const n = names.length;
  if (n === 0) return [];
  const maxCols = Math.max(1, Math.min(n, Math.floor(width / 3)));
  let best = 1;
  let bestWidths: number[] = [Math.max(...names.map((x) => x.length))];
  for (let cols = 2; cols <= maxCols; cols++) {
    const rows = Math.ceil(n / cols);
    const widths = new Array<number>(cols).fill(0);
    names.forEach((name, i) => {
      const c = Math.floor(i / rows);
      widths[c] = Math.max(widths[c]!, name.length + (c === cols - 1 ? 0 : 2));
    });
    if (widths.reduce((a, b) => a + b, 0) < width) {
      best = cols;
      bestWidths = widths;
    }
  }
  const rows = Math.ceil(n / best);
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    let line = '';
    let pos = 0;
    for (let i = r, c = 0; i < n; i += rows, c++) {
      line += names[i]!;
      if (i + rows >= n) break;
      let from = pos + names[i]!.length;
      const to = pos + bestWidths[c]!;
      while (from < to) {
        if (Math.floor(to / 8) > Math.floor((from + 1) / 8)) {
          line += '\t';
          from += 8 - (from % 8);
        } else {
          line += ' ';
          from++;
        }
      }
      pos = to;
    }
    lines.push(line);
  }
  return lines;
}

/** Prints entries: names, or long lines with columns sized to this group. */
function printEntries(entries: Entry[], o: Opts, withTotal: boolean): void {
  const sizeOf = (st: mh.Stat | null): string => (st ? (o.human ? humanSize(st.blocks * 512) : String(Math.ceil(st.blocks / 2))) : '?');
  const sizeWidth = o.blocks ? Math.max(0, ...entries.map((e) => sizeOf(e.st).length)) : 0;
  const sizeCol = (st: mh.Stat | null): string => (o.blocks ? sizeOf(st).padStart(sizeWidth) + ' ' : '');
  if (o.blocks && withTotal && !o.long) {
    let blocks = 0;
    for (const e of entries) blocks += e.st?.blocks ?? 0;
    out.line(`total ${o.human ? humanSize(blocks * 512) : Math.ceil(blocks / 2)}`);
  }
  if (!o.long) {
    const names = entries.map((e) => (o.inode ? `${e.st?.ino ?? '?'} ` : '') + sizeCol(e.st) + e.name + (o.classify && e.st ? classifyChar(e.st.mode) : ''));
    if (o.width === null) for (const n of names) out.line(n);
    else for (const l of columnize(names, o.width)) out.line(l);
    return;
  }
  if (withTotal) {
    let blocks = 0;
    for (const e of entries) blocks += e.st?.blocks ?? 0;
    out.line(`total ${o.human ? humanSize(blocks * 512) : Math.ceil(blocks / 2)}`);
  }
  const now = mh.now();
  const rows = entries.map((e) => {
    const st = e.st!;
    let name = e.name;
    if ((st.mode & IFMT) === mh.S.IFLNK) {
      try {
        name += ` -> ${mh.readlink(e.path)}`;
      } catch {
        // unreadable target: the name alone
      }
    } else if (o.classify) {
      name += classifyChar(st.mode);
    }
    return [
      o.inode ? String(st.ino) : '',
      modeString(st.mode),
      String(st.nlink),
      o.numeric ? String(st.uid) : userName(st.uid),
      o.numeric ? String(st.gid) : groupName(st.gid),
      o.human ? humanSize(st.size) : String(st.size),
      lsDate(st.mtimeMs, now),
      name,
      sizeCol(st),
    ];
  });
  const w = [0, 0, 0, 0, 0, 0];
  for (const r of rows) for (let i = 0; i < 6; i++) w[i] = Math.max(w[i]!, r[i]!.length);
  for (const r of rows) {
    const ino = (o.inode ? r[0]!.padStart(w[0]!) + ' ' : '') + r[8]!;
    out.line(`${ino}${r[1]} ${r[2]!.padStart(w[2]!)} ${r[3]!.padEnd(w[3]!)} ${r[4]!.padEnd(w[4]!)} ${r[5]!.padStart(w[5]!)} ${r[6]} ${r[7]}`);
  }
}

/** Lists one directory; returns false when it (or, with -R, one below) could not be read. */
function listDirectory(path: string, o: Opts, header: boolean, first: { v: boolean }): boolean {
  let names: string[];
  try {
    names = mh.readdir(path).map((d) => d.name);
  } catch (e) {
    warn(`cannot open directory ${quote(path)}: ${errText(e)}`);
    return false;
  }
  if (o.all) {
    // Some schemes list neither '.' nor '..'; show them when they can be reached.
    for (const dot of ['..', '.']) if (!names.includes(dot) && exists(joinPath(path, dot))) names.unshift(dot);
  } else {
    names = names.filter((n) => !n.startsWith('.') || (o.almostAll && n !== '.' && n !== '..'));
  }
  const entries: Entry[] = [];
  const needStat = o.long || o.classify || o.inode || o.blocks || o.sort !== 'name' || o.recursive;
  for (const name of names) {
    const p = joinPath(path, name);
    let st: mh.Stat | null = null;
    if (needStat) {
      try {
        st = statOf(p, o.follow);
      } catch (e) {
        warn(`cannot access ${quote(p)}: ${errText(e)}`);
        continue;
      }
    }
    entries.push({ name, path: p, st });
  }
  sortEntries(entries, o);
  if (header) {
    if (!first.v) out.line('');
    out.line(`${path}:`);
  }
  first.v = false;
  printEntries(entries, o, true);
  let ok = true;
  if (o.recursive) {
    for (const e of entries) {
      if (e.name === '.' || e.name === '..' || !e.st || !isDirMode(e.st.mode)) continue;
      ok = listDirectory(e.path, o, true, first) && ok;
    }
  }
  return ok;
}

export const lsApplets = {
  ls: {
    usage: '[-1aACdFhiLlnRrsSt] [FILE]...',
    usageStatus: 2,
    run(args) {
      const p = getopts(args, {
        short: '1aACdFhiLlnRrsStU',
        long: {
          all: 'a', 'almost-all': 'A', directory: 'd', classify: 'F', 'human-readable': 'h', inode: 'i',
          dereference: 'L', 'numeric-uid-gid': 'n', recursive: 'R', reverse: 'r', size: 's', color: { key: 'color', arg: 'optional' },
        },
      });
      const o: Opts = {
        all: p.has('a'),
        almostAll: p.has('A'),
        long: p.has('l') || p.has('n'),
        human: p.has('h'),
        recursive: p.has('R'),
        dirAsFile: p.has('d'),
        classify: p.has('F'),
        inode: p.has('i'),
        blocks: p.has('s'),
        numeric: p.has('n'),
        reverse: p.has('r'),
        sort: 'name',
        follow: p.has('L'),
        width: null,
      };
      // Columns with -C, or on a terminal unless -1 (the last of -1 and -C wins).
      const tty = terminalWidth(1);
      let layout: string = tty !== null ? 'C' : '1';
      for (const [k] of p.list) if (k === '1' || k === 'C') layout = k;
      if (layout === 'C' && !o.long) o.width = tty ?? (Number(mh.getenv('COLUMNS')) || 80);
      // The last of -t, -S, -U wins, as in GNU ls.
      for (const [k] of p.list) if (k === 't' || k === 'S' || k === 'U') o.sort = k === 't' ? 'time' : k === 'S' ? 'size' : 'none';
      const operands = p.operands.length ? p.operands : ['.'];
      let status = 0;
      const files: Entry[] = [];
      const dirs: Entry[] = [];
      for (const name of operands) {
        let st: mh.Stat;
        try {
          // Operands are followed unless -l, -d or -F asks about the link itself (GNU's rule).
          st = statOf(name, o.follow || !(o.long || o.dirAsFile || o.classify));
        } catch (e) {
          const schemes = schemeRoot(name);
          if (schemes && !o.dirAsFile) {
            if (operands.length > 1) out.line(`${name}:`);
            for (const n of schemes) out.line(n + (o.classify ? '/' : ''));
            continue;
          }
          warn(`cannot access ${quote(name)}: ${errText(e)}`);
          status = 2;
          continue;
        }
        if (isDirMode(st.mode) && !o.dirAsFile) dirs.push({ name, path: name, st });
        else files.push({ name, path: name, st });
      }
      sortEntries(files, o);
      sortEntries(dirs, o);
      printEntries(files, o, false);
      const first = { v: files.length === 0 };
      const header = operands.length > 1 || o.recursive;
      for (const d of dirs) if (!listDirectory(d.path, o, header, first) && status === 0) status = 1;
      return status;
    },
  },
} satisfies Record<string, Applet>;
