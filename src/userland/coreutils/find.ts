// find and xargs. find walks each starting point (in directory order, as GNU find does) and
// evaluates an expression built by a small recursive-descent parser: tests -name -iname -path
// -type -empty -size -newer -mtime -user -perm -true -false, operators ( ) ! -not -a -o,
// options -maxdepth -mindepth -depth, actions -print -print0 -exec (\; and +) -delete -prune
// -quit. With no action, -print. xargs builds command lines from its input (blank-separated
// with quotes, or -0 / -d) with -n, -L, -I, -t, -r, and GNU's exit statuses (123 when a
// command failed, 127 when it was not found).

import * as mh from 'libmh';
import { APPLETS } from './applets.js';
import { type Applet, decode, Failure, getopts, joinPath, listDir, out, quote, resolveCommand, UsageError, warn, warnFile, errText, userId } from './common.js';
import { intArg } from './getopt.js';
import { globToRegExp } from './regex.js';

interface Node {
  eval(path: string, st: mh.Stat, depth: number): boolean;
}

interface FindState {
  maxDepth: number;
  minDepth: number;
  depthFirst: boolean;
  hasAction: boolean;
  pruned: boolean;
  quit: boolean;
  failed: boolean;
  batches: { argv: string[]; paths: string[] }[];
}

const TYPES: Record<string, number> = { f: mh.S.IFREG, d: mh.S.IFDIR, l: mh.S.IFLNK, p: mh.S.IFIFO, s: mh.S.IFSOCK, c: mh.S.IFCHR, b: mh.S.IFBLK };

/** Runs a command to completion with stdin from null; its exit code, or 127/126 when it cannot start. */
export function runCommand(argv: string[]): number {
  const path = resolveCommand(argv[0]!, APPLETS);
  if (!path) {
    warn(`${argv[0]}: No such file or directory`);
    return 127;
  }
  out.flush();
  const nul = mh.open('/scheme/null', mh.O.RDWR);
  try {
    const pid = mh.spawn(path, argv, { fds: [[0, nul], [1, 1], [2, 2]] });
    return mh.wait(pid);
  } catch (e) {
    warn(`${argv[0]}: ${errText(e)}`);
    return 126;
  } finally {
    mh.close(nul);
  }
}

function compare(spec: string, value: number): boolean {
  const n = Number(spec.replace(/^[-+]/, ''));
  return spec[0] === '+' ? value > n : spec[0] === '-' ? value < n : value === n;
}

class ExprParser {
  i = 0;
  constructor(readonly a: string[], readonly s: FindState) {}

  arg(name: string): string {
    const v = this.a[this.i++];
    if (v === undefined) throw new UsageError(`missing argument to \`${name}'`);
    return v;
  }

  parseOr(): Node {
    let left = this.parseAnd();
    while (this.a[this.i] === '-o' || this.a[this.i] === '-or') {
      this.i++;
      const l = left, r = this.parseAnd();
      left = { eval: (p, st, d) => l.eval(p, st, d) || r.eval(p, st, d) };
    }
    return left;
  }

  parseAnd(): Node {
    let left = this.parseNot();
    for (;;) {
      const t = this.a[this.i];
      if (t === undefined || t === '-o' || t === '-or' || t === ')') return left;
      if (t === '-a' || t === '-and') this.i++;
      const l = left, r = this.parseNot();
      left = { eval: (p, st, d) => l.eval(p, st, d) && r.eval(p, st, d) };
    }
  }

  parseNot(): Node {
    const t = this.a[this.i];
    if (t === '!' || t === '-not') {
      this.i++;
      const n = this.parseNot();
      return { eval: (p, st, d) => !n.eval(p, st, d) };
    }
    return this.primary();
  }

  primary(): Node {
    const t = this.a[this.i++];
    const s = this.s;
    const yes: Node = { eval: () => true };
    switch (t) {
      case '(': {
        const n = this.parseOr();
        if (this.a[this.i++] !== ')') throw new UsageError("missing ')'");
        return n;
      }
      case '-name': case '-iname': {
        const re = globToRegExp(this.arg(t), t === '-iname');
        return { eval: (p) => re.test(p.replace(/\/+$/, '').split('/').pop() || p) };
      }
      case '-path': case '-wholename': case '-ipath': {
        const re = globToRegExp(this.arg(t), t === '-ipath');
        return { eval: (p) => re.test(p) };
      }
      case '-type': {
        const want = this.arg(t).split(',').map((c) => TYPES[c]);
        if (want.some((w) => w === undefined)) throw new UsageError(`Unknown argument to -type`);
        return { eval: (_p, st) => want.includes(st.mode & mh.S.IFMT) };
      }
      case '-empty':
        return {
          eval: (p, st) => ((st.mode & mh.S.IFMT) === mh.S.IFDIR ? listDir(p).length === 0 : (st.mode & mh.S.IFMT) === mh.S.IFREG && st.size === 0),
        };
      case '-size': {
        const m = /^([-+]?)(\d+)([bcwkMG]?)$/.exec(this.arg(t));
        if (!m) throw new UsageError('invalid -size argument');
        const unit = { b: 512, c: 1, w: 2, k: 1024, M: 1048576, G: 1073741824, '': 512 }[m[3] as 'b'];
        return { eval: (_p, st) => compare(m[1]! + m[2]!, Math.ceil(st.size / unit)) };
      }
      case '-mtime': case '-mmin': {
        const spec = this.arg(t);
        const unit = t === '-mtime' ? 86400e3 : 60e3;
        return { eval: (_p, st) => compare(spec, Math.floor((mh.now() - st.mtimeMs) / unit)) };
      }
      case '-newer': {
        const file = this.arg(t);
        let ref: number;
        try {
          ref = mh.stat(file).mtimeMs;
        } catch (e) {
          throw new Failure(`${quote(file)}: ${errText(e)}`);
        }
        return { eval: (_p, st) => st.mtimeMs > ref };
      }
      case '-user': case '-uid': {
        const v = this.arg(t);
        const uid = t === '-uid' ? Number(v) : userId(v);
        if (uid === null) throw new UsageError(`${quote(v)} is not the name of a known user`);
        return { eval: (_p, st) => st.uid === uid };
      }
      case '-perm': {
        const v = this.arg(t);
        const mode = parseInt(v.replace(/^[-/]/, ''), 8);
        return { eval: (_p, st) => (v[0] === '-' ? (st.mode & mode) === mode : v[0] === '/' ? (st.mode & mode) !== 0 : (st.mode & 0o7777) === mode) };
      }
      case '-true': return yes;
      case '-false': return { eval: () => false };
      case '-maxdepth': s.maxDepth = intArg(this.arg(t), 'maxdepth'); return yes;
      case '-mindepth': s.minDepth = intArg(this.arg(t), 'mindepth'); return yes;
      case '-depth': s.depthFirst = true; return yes;
      case '-print': case '-print0': {
        s.hasAction = true;
        const end = t === '-print' ? '\n' : '\0';
        return { eval: (p) => (out.write(p + end), true) };
      }
      case '-prune': return { eval: () => ((s.pruned = true), true) };
      case '-quit': return { eval: () => ((s.quit = true), true) };
      case '-delete':
        s.hasAction = true;
        s.depthFirst = true;
        return {
          eval: (p, st) => {
            try {
              if ((st.mode & mh.S.IFMT) === mh.S.IFDIR) mh.rmdir(p);
              else mh.unlink(p);
              return true;
            } catch (e) {
              warnFile('cannot delete', p, e);
              s.failed = true;
              return false;
            }
          },
        };
      case '-exec': case '-ok': {
        s.hasAction = true;
        const cmd: string[] = [];
        for (;;) {
          const w = this.a[this.i++];
          if (w === undefined) throw new UsageError(`missing argument to \`${t}'`);
          if (w === ';') break;
          if (w === '+' && cmd[cmd.length - 1] === '{}') {
            const batch = { argv: cmd.slice(0, -1), paths: [] as string[] };
            s.batches.push(batch);
            return { eval: (p) => (batch.paths.push(p), true) };
          }
          cmd.push(w);
        }
        return {
          eval: (p) => {
            const code = runCommand(cmd.map((w) => w.replaceAll('{}', p)));
            return code === 0;
          },
        };
      }
      default:
        if (t === undefined) throw new UsageError('expected an expression');
        throw new UsageError(t.startsWith('-') ? `unknown predicate \`${t}'` : `paths must precede expression: \`${t}'`);
    }
  }
}

function walk(path: string, depth: number, expr: Node, s: FindState, follow: boolean): void {
  if (s.quit) return;
  let st: mh.Stat;
  try {
    st = follow || depth === 0 ? mh.stat(path) : mh.lstat(path);
  } catch (e) {
    try {
      st = mh.lstat(path);
    } catch {
      warn(`${quote(path)}: ${errText(e)}`);
      s.failed = true;
      return;
    }
  }
  const visit = (): void => {
    if (depth >= s.minDepth) expr.eval(path, st, depth);
  };
  s.pruned = false;
  if (!s.depthFirst) visit();
  const pruned = s.pruned;
  if ((st.mode & mh.S.IFMT) === mh.S.IFDIR && depth < s.maxDepth && !pruned) {
    let names: string[] = [];
    try {
      names = listDir(path).map((d) => d.name);
    } catch (e) {
      warn(`${quote(path)}: ${errText(e)}`);
      s.failed = true;
    }
    for (const n of names) walk(joinPath(path, n), depth + 1, expr, s, follow);
  }
  if (s.depthFirst && !s.quit) visit();
}

function findRun(args: string[]): number {
  let i = 0;
  let follow = false;
  for (; i < args.length && /^-[HLP]$/.test(args[i]!); i++) follow = args[i] === '-L';
  const paths: string[] = [];
  for (; i < args.length && !(args[i]!.startsWith('-') && args[i]!.length > 1) && args[i] !== '(' && args[i] !== '!'; i++) paths.push(args[i]!);
  const s: FindState = { maxDepth: Infinity, minDepth: 0, depthFirst: false, hasAction: false, pruned: false, quit: false, failed: false, batches: [] };
  const rest = args.slice(i);
  const parser = new ExprParser(rest, s);
  let expr: Node = rest.length ? parser.parseOr() : { eval: () => true };
  if (parser.i < rest.length) throw new UsageError(rest[parser.i] === ')' ? "unexpected ')'" : `unexpected \`${rest[parser.i]}'`);
  if (!s.hasAction) {
    const e = expr;
    expr = { eval: (p, st, d) => (e.eval(p, st, d) && out.line(p), true) };
  }
  for (const p of paths.length ? paths : ['.']) walk(p, 0, expr, s, follow);
  for (const b of s.batches) if (b.paths.length && runCommand([...b.argv, ...b.paths]) !== 0) s.failed = true;
  return s.failed ? 1 : 0;
}

/** Splits xargs input: blanks separate, quotes group, backslash escapes (POSIX xargs). */
export function splitXargs(text: string): string[] {
  const items: string[] = [];
  let cur = '';
  let have = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new UsageError(`unmatched ${c === '"' ? 'double' : 'single'} quote; by default quotes are special to xargs unless you use the -0 option`);
      cur += text.slice(i + 1, end);
      have = true;
      i = end;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      have = true;
    } else if (/\s/.test(c)) {
      if (have) items.push(cur);
      cur = '';
      have = false;
    } else {
      cur += c;
      have = true;
    }
  }
  if (have) items.push(cur);
  return items;
}

function xargsRun(args: string[]): number {
  const p = getopts(args, {
    short: '0d:E:I:L:n:rt',
    long: { null: '0', delimiter: 'd', 'eof': 'E', replace: { key: 'I', arg: 'optional' }, 'max-lines': 'L', 'max-args': 'n', 'no-run-if-empty': 'r', verbose: 't' },
    inOrder: true,
  });
  const cmd = p.operands.length ? p.operands : ['echo'];
  const input = decode(mh.readAll(0));
  const repl = p.get('I') !== undefined ? p.get('I') || '{}' : null;
  let items: string[];
  if (p.has('0')) items = input.split('\0').filter((x, k, a) => k < a.length - 1 || x !== '');
  else if (p.has('d')) {
    const d = p.get('d')!.replace(/^\\n$/, '\n').replace(/^\\t$/, '\t');
    items = input.split(d);
    if (items[items.length - 1] === '' || items[items.length - 1] === '\n') items.pop();
  } else if (repl !== null) items = input.split('\n').map((l) => l.replace(/^[ \t]+/, '')).filter((l) => l !== '');
  else if (p.has('L')) {
    // -L N: N non-blank input lines per command.
    const per = intArg(p.get('L')!, 'max-lines');
    const lines = input.split('\n').filter((l) => l.trim() !== '');
    items = [];
    const groups: string[][] = [];
    for (let k = 0; k < lines.length; k += per) groups.push(lines.slice(k, k + per).flatMap(splitXargs));
    return runGroups(groups, cmd, p.has('t'), p.has('r'));
  } else items = splitXargs(input);
  const eof = p.get('E');
  if (eof !== undefined && eof !== '') {
    const at = items.indexOf(eof);
    if (at >= 0) items = items.slice(0, at);
  }
  if (repl !== null) {
    let status = 0;
    for (const it of items) {
      const code = runOne(cmd.map((w) => w.replaceAll(repl, it)), p.has('t'));
      status = Math.max(status, code);
      if (code === 255 || code === 124) return 124;
    }
    return status;
  }
  const per = p.get('n') !== undefined ? intArg(p.get('n')!, 'max-args') : Infinity;
  if (per < 1) throw new UsageError(`value ${p.get('n')} for -n option should be >= 1`);
  const groups: string[][] = [];
  for (let k = 0; k < items.length; k += per === Infinity ? items.length : per) groups.push(items.slice(k, k + (per === Infinity ? items.length : per)));
  return runGroups(groups, cmd, p.has('t'), p.has('r'));
}

function runGroups(groups: string[][], cmd: string[], trace: boolean, noEmpty: boolean): number {
  if (groups.length === 0 && !noEmpty) groups.push([]);
  let status = 0;
  for (const g of groups) {
    const code = runOne([...cmd, ...g], trace);
    if (code === 124) return 124;
    status = Math.max(status, code);
  }
  return status;
}

/** One command; maps its status to xargs's: 123 for 1-125, 124 for 255, 125 for a signal. */
function runOne(argv: string[], trace: boolean): number {
  if (trace) mh.write(2, argv.join(' ') + '\n');
  const code = runCommand(argv);
  if (code === 0) return 0;
  if (code === 127 || code === 126) return code;
  if (code === 255) {
    warn(`${argv[0]}: exited with status 255; aborting`);
    return 124;
  }
  if (code > 128) return 125;
  return 123;
}

export const findApplets = {
  find: { usage: '[-H] [-L] [-P] [PATH]... [EXPRESSION]', run: findRun },
  xargs: { usage: '[-0rt] [-d DELIM] [-E EOF] [-I REPLACE] [-L N] [-n N] [COMMAND [ARG]...]', run: xargsRun },
} satisfies Record<string, Applet>;
