// Applets that change the file tree: cp (-r -f -n -p -v), mv (-f -n -v; copies and removes
// across schemes, where rename says EXDEV), rm (-r -f -d -v), mkdir (-p -m -v), rmdir (-p -v),
// touch (-a -m -c -d -r), ln (-s -f -v), readlink (-f). Messages and statuses are GNU's:
// `rm: cannot remove 'x': No such file or directory`, status 1 when any operand failed.

import * as mh from 'libmh';
import { type Applet, baseName, getopts, isDir, joinPath, Lines, listDir, out, prog, quote, UsageError, warn, warnFile, errText, errCode } from './common.js';
import { dirName } from './simple.js';
import { parseDate } from './system.js';

const kind = (st: mh.Stat): number => st.mode & mh.S.IFMT;

function lstatOrNull(p: string): mh.Stat | null {
  try {
    return mh.lstat(p);
  } catch {
    return null;
  }
}

/** The destination for each source: into DEST when it is a directory (or there are several). */
function targets(ops: string[], noTargetDir: boolean): [string, string][] {
  if (ops.length < 2) throw new UsageError(ops.length ? `missing destination file operand after ${quote(ops[0]!)}` : 'missing file operand');
  const dest = ops[ops.length - 1]!;
  const srcs = ops.slice(0, -1);
  if (!noTargetDir && isDir(dest)) return srcs.map((s) => [s, joinPath(dest, baseName(s))]);
  if (srcs.length > 1) throw new UsageError(`target ${quote(dest)} is not a directory`);
  return [[srcs[0]!, dest]];
}

interface CopyOpts {
  recursive: boolean;
  force: boolean;
  noClobber: boolean;
  preserve: boolean;
  verbose: boolean;
  /** The last of -L, -H, -P, or ''. */
  deref: string;
}

/** Copies one tree; reports failures itself and returns false if any. */
function copy(src: string, dst: string, o: CopyOpts, top: boolean): boolean {
  let st: mh.Stat;
  try {
    // -L follows every link, -H those named on the command line, -P none; by default a
    // named link is followed unless copying recursively (GNU).
    const follow = o.deref === 'L' || (top && (o.deref === 'H' || (o.deref === '' && !o.recursive)));
    st = follow ? mh.stat(src) : mh.lstat(src);
  } catch (e) {
    warnFile('cannot stat', src, e);
    return false;
  }
  const existing = lstatOrNull(dst);
  if (existing && existing.ino === st.ino && existing.dev === st.dev) {
    warn(`${quote(src)} and ${quote(dst)} are the same file`);
    return false;
  }
  if (kind(st) === mh.S.IFDIR) {
    if (!o.recursive) {
      warn(`-r not specified; omitting directory ${quote(src)}`);
      return false;
    }
    if (existing && kind(existing) !== mh.S.IFDIR) {
      warn(`cannot overwrite non-directory ${quote(dst)} with directory ${quote(src)}`);
      return false;
    }
    try {
      if (!existing) mh.mkdir(dst, (st.mode & 0o7777) | 0o700);
    } catch (e) {
      warnFile('cannot create directory', dst, e);
      return false;
    }
    if (o.verbose) out.line(`${quote(src)} -> ${quote(dst)}`);
    let ok = true;
    let entries: mh.Dirent[];
    try {
      entries = listDir(src);
    } catch (e) {
      warnFile('cannot access', src, e);
      return false;
    }
    for (const e of entries) ok = copy(joinPath(src, e.name), joinPath(dst, e.name), o, false) && ok;
    if (o.preserve || !existing) {
      try {
        mh.chmod(dst, st.mode & 0o7777);
        if (o.preserve) mh.utimens(dst, st.atimeMs, st.mtimeMs);
      } catch {
        // best effort, as cp does for attributes
      }
    }
    return ok;
  }
  if (existing && o.noClobber) return true;
  try {
    if (kind(st) === mh.S.IFLNK) {
      if (existing) mh.unlink(dst);
      mh.symlink(mh.readlink(src), dst);
    } else {
      const data = mh.readFile(src);
      try {
        mh.writeFile(dst, data, st.mode & 0o777);
      } catch (e) {
        if (!o.force || !existing) throw e;
        mh.unlink(dst);
        mh.writeFile(dst, data, st.mode & 0o777);
      }
      if (o.preserve) {
        try {
          mh.chown(dst, st.uid, st.gid); // only root may give files away; others keep theirs
        } catch {
          // as GNU cp -p: ownership is preserved when permitted
        }
        mh.chmod(dst, st.mode & 0o7777);
        mh.utimens(dst, st.atimeMs, st.mtimeMs);
      }
    }
  } catch (e) {
    warnFile(kind(st) === mh.S.IFLNK ? 'cannot create symbolic link' : 'cannot create regular file', dst, e);
    return false;
  }
  if (o.verbose) out.line(`${quote(src)} -> ${quote(dst)}`);
  return true;
}

let answers: Lines | null = null;

/** Asks `PROG: question? ` on stderr and reads the answer from stdin: yes if it starts with y. */
function ask(question: string): boolean {
  out.flush();
  mh.write(2, `${prog()}: ${question}? `);
  answers ??= new Lines(0);
  const a = answers.next();
  return a !== null && /^[yY]/.test(a);
}

function kindName(st: mh.Stat): string {
  const k = kind(st);
  if (k === mh.S.IFDIR) return 'directory';
  if (k === mh.S.IFLNK) return 'symbolic link';
  return st.size === 0 ? 'regular empty file' : 'regular file';
}

/** Removes a tree; returns false if anything could not be removed (each failure reported). */
function remove(path: string, o: { recursive: boolean; force: boolean; dirs: boolean; verbose: boolean; interactive?: boolean }): boolean {
  const st = lstatOrNull(path);
  if (!st) {
    if (o.force) return true;
    warnFile('cannot remove', path, new mh.MhError(2, 'lstat', path));
    return false;
  }
  const isDirectory = kind(st) === mh.S.IFDIR;
  let descended = false;
  if (o.interactive && isDirectory && o.recursive && listDir(path).length > 0) {
    if (!ask(`descend into directory ${quote(path)}`)) return true;
    descended = true;
  } else if (o.interactive && !(isDirectory && !o.recursive && !o.dirs)) {
    if (!ask(`remove ${kindName(st)} ${quote(path)}`)) return true;
  }
  if (kind(st) === mh.S.IFDIR) {
    if (!o.recursive && !o.dirs) {
      warn(`cannot remove ${quote(path)}: Is a directory`);
      return false;
    }
    let ok = true;
    if (o.recursive) {
      try {
        for (const e of listDir(path)) ok = remove(joinPath(path, e.name), o) && ok;
      } catch (e) {
        warnFile('cannot remove', path, e);
        return false;
      }
    }
    if (!ok) return false;
    if (o.interactive && o.recursive && descended && !ask(`remove directory ${quote(path)}`)) return true;
    try {
      mh.rmdir(path);
    } catch (e) {
      warnFile('cannot remove', path, e);
      return false;
    }
    if (o.verbose) out.line(`removed directory ${quote(path)}`);
    return true;
  }
  try {
    mh.unlink(path);
  } catch (e) {
    warnFile('cannot remove', path, e);
    return false;
  }
  if (o.verbose) out.line(`removed ${quote(path)}`);
  return true;
}

function mkdirP(path: string, mode: number, verbose: boolean): void {
  const parts = path.split('/');
  let cur = path.startsWith('/') ? '/' : '';
  for (const part of parts) {
    if (part === '') continue;
    cur = cur === '' ? part : joinPath(cur, part);
    if (isDir(cur)) continue;
    try {
      mh.mkdir(cur, cur === path.replace(/\/+$/, '') ? mode : 0o777);
      if (verbose) out.line(`mkdir: created directory ${quote(cur)}`);
    } catch (e) {
      if (errCode(e) !== 'EEXIST' || !isDir(cur)) throw e;
    }
  }
}

export const fileApplets = {
  cp: {
    usage: '[-afHLnPprRTv] SOURCE... DEST',
    run(args) {
      const p = getopts(args, { short: 'afHLnPprRTv', long: { archive: 'a', force: 'f', dereference: 'L', 'no-clobber': 'n', 'no-dereference': 'P', preserve: { key: 'p', arg: 'optional' }, recursive: 'r', 'no-target-directory': 'T', verbose: 'v' } });
      const o: CopyOpts = {
        recursive: p.has('r') || p.has('R') || p.has('a'),
        force: p.has('f'),
        noClobber: p.has('n'),
        preserve: p.has('p') || p.has('a'),
        verbose: p.has('v'),
        deref: p.list.filter(([k]) => k === 'L' || k === 'H' || k === 'P').pop()?.[0] ?? (p.has('a') ? 'P' : ''),
      };
      let ok = true;
      for (const [s, d] of targets(p.operands, p.has('T'))) {
        const from = absolute(s);
        if (o.recursive && (absolute(d) + '/').startsWith(from + '/') && isDir(s)) {
          warn(`cannot copy a directory, ${quote(s)}, into itself, ${quote(d)}`);
          ok = false;
          continue;
        }
        ok = copy(s, d, o, true) && ok;
      }
      return ok ? 0 : 1;
    },
  },

  mv: {
    usage: '[-finTv] SOURCE... DEST',
    run(args) {
      const p = getopts(args, { short: 'finTv', long: { force: 'f', interactive: 'i', 'no-clobber': 'n', 'no-target-directory': 'T', verbose: 'v' } });
      let ok = true;
      for (const [s, d] of targets(p.operands, p.has('T'))) {
        if (!lstatOrNull(s)) {
          warnFile('cannot stat', s, new mh.MhError(2, 'lstat', s));
          ok = false;
          continue;
        }
        let mode = '';
        for (const [k] of p.list) if (k === 'f' || k === 'i' || k === 'n') mode = k;
        if (mode === 'n' && lstatOrNull(d)) continue;
        if (mode === 'i' && lstatOrNull(d) && !ask(`overwrite ${quote(d)}`)) continue;
        try {
          mh.rename(s, d);
        } catch (e) {
          if (errCode(e) !== 'EXDEV') {
            warn(`cannot move ${quote(s)} to ${quote(d)}: ${errText(e)}`);
            ok = false;
            continue;
          }
          // Another scheme: copy everything, then remove the source.
          const copied = copy(s, d, { recursive: true, force: true, noClobber: false, preserve: true, verbose: false, deref: 'P' }, true);
          if (!copied || !remove(s, { recursive: true, force: true, dirs: true, verbose: false })) {
            ok = false;
            continue;
          }
        }
        if (p.has('v')) out.line(`renamed ${quote(s)} -> ${quote(d)}`);
      }
      return ok ? 0 : 1;
    },
  },

  rm: {
    usage: '[-dfiIrRv] FILE...',
    run(args) {
      const p = getopts(args, { short: 'dfiIrRv', long: { dir: 'd', force: 'f', interactive: { key: 'i' }, recursive: 'r', verbose: 'v' } });
      // The last of -f, -i and -I decides whether to ask (GNU).
      let mode = '';
      for (const [k] of p.list) if (k === 'f' || k === 'i' || k === 'I') mode = k;
      const o = { recursive: p.has('r') || p.has('R'), force: mode === 'f', dirs: p.has('d'), verbose: p.has('v'), interactive: mode === 'i' };
      if (p.operands.length === 0) {
        if (o.force) return 0;
        throw new UsageError('missing operand');
      }
      if (mode === 'I' && (p.operands.length > 3 || o.recursive)) {
        const n = p.operands.length;
        const what = o.recursive ? `remove ${n} argument${n > 1 ? 's' : ''} recursively` : `remove ${n} arguments`;
        if (!ask(what)) return 0;
      }
      let ok = true;
      for (const f of p.operands) {
        const b = baseName(f);
        if (b === '.' || b === '..') {
          warn(`refusing to remove '.' or '..' directory: skipping ${quote(f)}`);
          ok = false;
          continue;
        }
        if (f.replace(/\/+$/, '') === '' && o.recursive) {
          warn(`it is dangerous to operate recursively on '/'`);
          ok = false;
          continue;
        }
        ok = remove(f, o) && ok;
      }
      return ok ? 0 : 1;
    },
  },

  mkdir: {
    usage: '[-pv] [-m MODE] DIRECTORY...',
    run(args) {
      const p = getopts(args, { short: 'm:pv', long: { mode: 'm', parents: 'p', verbose: 'v' } });
      if (p.operands.length === 0) throw new UsageError('missing operand');
      const mode = p.get('m') !== undefined ? parseInt(p.get('m')!, 8) : 0o777;
      if (Number.isNaN(mode)) throw new UsageError(`invalid mode ${quote(p.get('m')!)}`);
      let ok = true;
      for (const d of p.operands) {
        try {
          if (p.has('p')) mkdirP(d, mode, p.has('v'));
          else {
            mh.mkdir(d, mode);
            if (p.has('v')) out.line(`mkdir: created directory ${quote(d)}`);
          }
          if (p.has('m')) mh.chmod(d, mode);
        } catch (e) {
          warnFile('cannot create directory', d, e);
          ok = false;
        }
      }
      return ok ? 0 : 1;
    },
  },

  rmdir: {
    usage: '[-pv] DIRECTORY...',
    run(args) {
      const p = getopts(args, { short: 'pv', long: { parents: 'p', verbose: 'v', 'ignore-fail-on-non-empty': 'ignore' } });
      if (p.operands.length === 0) throw new UsageError('missing operand');
      let ok = true;
      for (const d of p.operands) {
        let cur = d.replace(/\/+$/, '');
        for (;;) {
          try {
            mh.rmdir(cur);
            if (p.has('v')) out.line(`rmdir: removing directory, ${quote(cur)}`);
          } catch (e) {
            if (!(p.has('ignore') && errCode(e) === 'ENOTEMPTY')) {
              warnFile(cur === d.replace(/\/+$/, '') ? 'failed to remove' : 'failed to remove directory', cur, e);
              ok = false;
            }
            break;
          }
          if (!p.has('p')) break;
          const up = dirName(cur);
          if (up === cur || up === '.' || up === '/') break;
          cur = up;
        }
      }
      return ok ? 0 : 1;
    },
  },

  touch: {
    usage: '[-acm] [-d DATE] [-r FILE] FILE...',
    run(args) {
      const p = getopts(args, { short: 'acd:mr:t:', long: { 'no-create': 'c', date: 'd', reference: 'r', time: { key: 'time', arg: 'required' } } });
      if (p.operands.length === 0) throw new UsageError('missing file operand');
      let at = mh.now();
      let mt = at;
      if (p.get('d') !== undefined) at = mt = parseDate(p.get('d')!);
      if (p.get('t') !== undefined) {
        const m = /^(\d{2})?(\d{2})?(\d{2})(\d{2})(\d{2})(\d{2})(\.\d{2})?$/.exec(p.get('t')!);
        if (!m) throw new UsageError(`invalid date format ${quote(p.get('t')!)}`);
        const year = m[1] && m[2] ? Number(m[1] + m[2]) : m[2] ? 2000 + Number(m[2]) : new Date(mh.now()).getUTCFullYear();
        at = mt = Date.UTC(year, Number(m[3]) - 1, Number(m[4]), Number(m[5]), Number(m[6]), m[7] ? Number(m[7].slice(1)) : 0);
      }
      if (p.get('r') !== undefined) {
        const st = mh.stat(p.get('r')!);
        at = st.atimeMs;
        mt = st.mtimeMs;
      }
      const onlyA = p.has('a') || p.get('time') === 'atime' || p.get('time') === 'access';
      const onlyM = p.has('m') || p.get('time') === 'mtime' || p.get('time') === 'modify';
      if (onlyA && !onlyM) mt = NaN;
      if (onlyM && !onlyA) at = NaN;
      let ok = true;
      for (const f of p.operands) {
        try {
          if (!lstatOrNull(f)) {
            if (p.has('c')) continue;
            mh.close(mh.open(f, mh.O.WRONLY | mh.O.CREAT, 0o666));
          }
          mh.utimens(f, at, mt);
        } catch (e) {
          warnFile('cannot touch', f, e);
          ok = false;
        }
      }
      return ok ? 0 : 1;
    },
  },

  ln: {
    usage: '[-fnsTv] TARGET... [LINK_NAME | DIRECTORY]',
    run(args) {
      const p = getopts(args, { short: 'fnsTv', long: { force: 'f', 'no-dereference': 'n', symbolic: 's', 'no-target-directory': 'T', verbose: 'v' } });
      const ops = p.operands;
      if (ops.length === 0) throw new UsageError('missing file operand');
      const pairs: [string, string][] = ops.length === 1 ? [[ops[0]!, baseName(ops[0]!)]] : targets(ops, p.has('T') || (p.has('n') && !!lstatOrNull(ops[ops.length - 1]!) && kind(lstatOrNull(ops[ops.length - 1]!)!) === mh.S.IFLNK));
      let ok = true;
      for (const [target, name] of pairs) {
        try {
          if (p.has('f') && lstatOrNull(name) && !isDir(name, false)) mh.unlink(name);
          if (p.has('s')) mh.symlink(target, name);
          else mh.link(target, name);
          if (p.has('v')) out.line(`${quote(name)} -> ${quote(target)}`);
        } catch (e) {
          if (p.has('s')) warnFile('failed to create symbolic link', name, e);
          else warnFile('failed to create hard link', name, e);
          ok = false;
        }
      }
      return ok ? 0 : 1;
    },
  },

  readlink: {
    usage: '[-fn] FILE...',
    run(args) {
      const p = getopts(args, { short: 'efmnqsv', long: { canonicalize: 'f', 'no-newline': 'n' } });
      let ok = true;
      for (const f of p.operands) {
        try {
          const r = p.has('f') || p.has('e') || p.has('m') ? canonical(f) : mh.readlink(f);
          out.write(r + (p.has('n') ? '' : '\n'));
        } catch {
          ok = false;
        }
      }
      return ok ? 0 : 1;
    },
  },
} satisfies Record<string, Applet>;

/** `path` made absolute and normalized (no . or .. left), without resolving links. */
function absolute(path: string): string {
  const parts: string[] = [];
  for (const part of (path.startsWith('/') ? path : joinPath(mh.getcwd(), path)).split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return '/' + parts.join('/');
}

/** The absolute path with every link resolved (readlink -f). */
function canonical(path: string, depth = 0): string {
  if (depth > 40) throw new mh.MhError(40, 'readlink', path);
  const abs = path.startsWith('/') ? path : joinPath(mh.getcwd(), path);
  const done: string[] = [];
  const parts = abs.split('/').filter((s) => s && s !== '.');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const cur = '/' + [...done, part].join('/');
    const st = lstatOrNull(cur);
    if (st && kind(st) === mh.S.IFLNK) {
      const t = mh.readlink(cur);
      const resolved = canonical(t.startsWith('/') ? t : '/' + [...done, t].join('/'), depth + 1);
      done.length = 0;
      done.push(...resolved.split('/').filter(Boolean));
    } else {
      done.push(part);
    }
  }
  return '/' + done.join('/');
}
