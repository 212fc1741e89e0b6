// stat: file status in GNU's default layout, or through a format (-c/--format, --printf with
// escapes) using GNU's directives; -L follows links, -t is the terse form. Times print in UTC
// with nanoseconds (MACROHARD keeps milliseconds, so the last six digits are zero).

import * as mh from 'libmh';
import { type Applet, getopts, out, quote, userName, groupName, UsageError, warnFile } from './common.js';
import { fileTypeName, modeString, strftime } from './format.js';
import { unescape } from './printf.js';

function timeText(ms: number): string {
  return strftime('%Y-%m-%d %H:%M:%S.%N +0000', ms);
}

function major(dev: number): number {
  return Math.floor(dev / 256) & 0xfff;
}
function minor(dev: number): number {
  return dev & 0xff;
}

/** One directive's value; null when it is not a known directive. */
function directive(c: string, name: string, st: mh.Stat): string | null {
  const secs = (ms: number): string => String(Math.floor(ms / 1000));
  switch (c) {
    case 'a': return (st.mode & 0o7777).toString(8);
    case 'A': return modeString(st.mode);
    case 'b': return String(st.blocks);
    case 'B': return '512';
    case 'd': return String(st.dev);
    case 'D': return st.dev.toString(16);
    case 'f': return st.mode.toString(16);
    case 'F': return fileTypeName(st.mode, st.size);
    case 'g': return String(st.gid);
    case 'G': return groupName(st.gid);
    case 'h': return String(st.nlink);
    case 'i': return String(st.ino);
    case 'n': return name;
    case 'N': {
      if ((st.mode & mh.S.IFMT) !== mh.S.IFLNK) return quote(name);
      try {
        return `${quote(name)} -> ${quote(mh.readlink(name))}`;
      } catch {
        return quote(name);
      }
    }
    case 'o': return String(st.blksize);
    case 's': return String(st.size);
    case 'u': return String(st.uid);
    case 'U': return userName(st.uid);
    case 'w': return '-';
    case 'W': return '0';
    case 'x': return timeText(st.atimeMs);
    case 'X': return secs(st.atimeMs);
    case 'y': return timeText(st.mtimeMs);
    case 'Y': return secs(st.mtimeMs);
    case 'z': return timeText(st.ctimeMs);
    case 'Z': return secs(st.ctimeMs);
    case 't': return major(st.rdev).toString(16);
    case 'T': return minor(st.rdev).toString(16);
    case 'm': return '/';
    default: return null;
  }
}

/** Expands a stat format: %[-#0 width.prec]X directives, %% and (for --printf) escapes. */
export function expandFormat(fmt: string, name: string, st: mh.Stat): string {
  let r = '';
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt[i]!;
    if (ch !== '%') {
      r += ch;
      continue;
    }
    const m = /^%([-#0 +]*)(\d*)(?:\.(\d+))?(.)?/.exec(fmt.slice(i))!;
    i += m[0].length - 1;
    const c = m[4];
    if (c === undefined) {
      r += '%';
      continue;
    }
    if (c === '%') {
      r += '%';
      continue;
    }
    let v = directive(c, name, st);
    if (v === null) {
      r += m[0];
      continue;
    }
    if (m[3] !== undefined && /[xyz]/.test(c)) v = v.replace(/\.(\d+)/, (_, d: string) => (Number(m[3]) ? '.' + d.slice(0, Number(m[3])) : ''));
    const width = Number(m[2] || 0);
    if (m[1]!.includes('-')) v = v.padEnd(width);
    else v = v.padStart(width, m[1]!.includes('0') && /^\d+$/.test(v) ? '0' : ' ');
    r += v;
  }
  return r;
}

function defaultFormat(name: string, st: mh.Stat): string {
  const isDev = (st.mode & mh.S.IFMT) === mh.S.IFCHR || (st.mode & mh.S.IFMT) === mh.S.IFBLK;
  const lines = [
    `  File: ${(st.mode & mh.S.IFMT) === mh.S.IFLNK ? expandFormat('%N', name, st) : name}`,
    expandFormat('  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F', name, st),
    `Device: ${major(st.dev)},${minor(st.dev)}\tInode: ${String(st.ino).padEnd(11)} Links: ${st.nlink}` +
      (isDev ? `     Device type: ${major(st.rdev)},${minor(st.rdev)}` : ''),
    expandFormat('Access: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)', name, st),
    `Access: ${timeText(st.atimeMs)}`,
    `Modify: ${timeText(st.mtimeMs)}`,
    `Change: ${timeText(st.ctimeMs)}`,
    ' Birth: -',
  ];
  return lines.join('\n') + '\n';
}

function fsFormat(name: string): string {
  const s = mh.statvfs(name);
  return [
    `  File: "${name}"`,
    `    ID: 0        Namelen: ${s.namemax}     Type: mhfs`,
    `Block size: ${String(s.bsize).padEnd(10)} Fundamental block size: ${s.bsize}`,
    `Blocks: Total: ${String(s.blocks).padEnd(10)} Free: ${String(s.bfree).padEnd(10)} Available: ${s.bfree}`,
    `Inodes: Total: ${String(s.files).padEnd(10)} Free: ${s.ffree}`,
  ].join('\n') + '\n';
}

export const statApplets = {
  stat: {
    usage: '[-Lft] [-c FORMAT | --printf=FORMAT] FILE...',
    run(args) {
      const p = getopts(args, { short: 'c:fLt', long: { format: 'c', printf: { key: 'printf', arg: 'required' }, dereference: 'L', 'file-system': 'f', terse: 't' } });
      if (p.operands.length === 0) throw new UsageError('missing operand');
      let ok = true;
      for (const name of p.operands) {
        try {
          if (p.has('f')) {
            out.write(fsFormat(name));
            continue;
          }
          const st = p.has('L') ? mh.stat(name) : mh.lstat(name);
          if (p.get('printf') !== undefined) out.write(expandFormat(unescape(p.get('printf')!, false).text, name, st));
          else if (p.get('c') !== undefined) out.write(expandFormat(p.get('c')!, name, st) + '\n');
          else if (p.has('t')) out.write(expandFormat('%n %s %b %f %u %g %D %i %h %t %T %X %Y %Z %W %o', name, st) + '\n');
          else out.write(defaultFormat(name, st));
        } catch (e) {
          warnFile('cannot stat', name, e);
          ok = false;
        }
      }
      return ok ? 0 : 1;
    },
  },
} satisfies Record<string, Applet>;
