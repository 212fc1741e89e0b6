// grep (and egrep, fgrep): basic, extended (-E) or fixed (-F) patterns translated by regex.ts;
// -i -v -w -x -o -c -l -L -q -s -n -h/-H, -r/-R over directories, -e/-f for several patterns,
// context lines (-A -B -C, with `--` between groups). Reads line by line as input arrives, so
// it works at the end of a pipe from `tail -f`. Exit status: 0 if a line was selected, 1 if
// none, 2 on an error (unless -q already found a match), as GNU grep.

import * as mh from 'libmh';
import { type Applet, getopts, prog, joinPath, Lines, listDir, out, readInput, decode, UsageError, warn, errText } from './common.js';
import { intArg } from './getopt.js';
import { compile, type Dialect } from './regex.js';

interface GrepOpts {
  re: RegExp;
  invert: boolean;
  count: boolean;
  listMatching: boolean;
  listMissing: boolean;
  quiet: boolean;
  silent: boolean;
  lineNumbers: boolean;
  onlyMatching: boolean;
  names: boolean;
  after: number;
  before: number;
  maxCount: number;
  text: boolean;
}

class Quit extends Error {}

const BINARY = /[\0\udc80-\udcff]/;

function binaryNote(name: string): void {
  out.flush();
  mh.write(2, `${prog()}: ${name}: binary file matches\n`);
}

function matches(o: GrepOpts, line: string): boolean {
  o.re.lastIndex = 0;
  return o.re.test(line) !== o.invert;
}

/** Greps one descriptor; returns the number of selected lines. */
function grepFd(fd: number, name: string, o: GrepOpts, sep: { printed: boolean }): number {
  const lines = new Lines(fd);
  let selected = 0;
  let lineNo = 0;
  let afterLeft = 0;
  let lastPrinted = 0;
  const before: [number, string][] = [];
  const prefix = (n: number, mark: string): string => (o.names ? name + mark : '') + (o.lineNumbers ? n + mark : '');
  // With context, `--` goes between groups that are not adjacent, and between files.
  const emit = (n: number, body: string, mark: string): void => {
    if ((o.after || o.before) && sep.printed && (lastPrinted === 0 || n > lastPrinted + 1)) out.line('--');
    sep.printed = true;
    out.line(prefix(n, mark) + body);
    lastPrinted = n;
  };
  for (let l = lines.next(); l !== null; l = lines.next()) {
    lineNo++;
    const body = l.endsWith('\n') ? l.slice(0, -1) : l;
    if (!matches(o, body)) {
      if (afterLeft > 0) {
        emit(lineNo, body, '-');
        afterLeft--;
      } else if (o.before) {
        before.push([lineNo, body]);
        if (before.length > o.before) before.shift();
      }
      continue;
    }
    selected++;
    if (o.quiet) throw new Quit();
    if (o.listMatching || o.listMissing) break;
    // A line with NUL or bytes that are not UTF-8 makes the file binary: GNU grep 3.8 says so
    // on stderr instead of printing the line, and stops reading that file (-a: text anyway).
    if (!o.count && !o.text && BINARY.test(body)) {
      binaryNote(name);
      break;
    }
    if (!o.count) {
      for (const [n, b] of before) emit(n, b, '-');
      before.length = 0;
      if (o.onlyMatching && !o.invert) {
        o.re.lastIndex = 0;
        for (const m of body.matchAll(o.re)) if (m[0] !== '') emit(lineNo, m[0], ':');
      } else {
        emit(lineNo, body, ':');
      }
      afterLeft = o.after;
    }
    if (selected >= o.maxCount) break;
  }
  if (o.count) out.line((o.names ? name + ':' : '') + selected);
  if (o.listMatching && selected) out.line(name);
  if (o.listMissing && !selected) out.line(name);
  return selected;
}

function grepRun(args: string[], dialectDefault: Dialect | 'fixed'): number {
  const p = getopts(args, {
    short: 'aA:B:C:cEe:Ff:GHhiLlm:noqRrsvwxy',
    long: {
      text: 'a', 'after-context': 'A', 'before-context': 'B', context: 'C', count: 'c', 'extended-regexp': 'E', regexp: 'e',
      'fixed-strings': 'F', file: 'f', 'basic-regexp': 'G', 'with-filename': 'H', 'no-filename': 'h', 'ignore-case': 'i',
      'files-without-match': 'L', 'files-with-matches': 'l', 'max-count': 'm', 'line-number': 'n', 'only-matching': 'o',
      quiet: 'q', silent: 'q', recursive: 'r', 'dereference-recursive': 'R', 'no-messages': 's', 'invert-match': 'v',
      'word-regexp': 'w', 'line-regexp': 'x',
    },
  });
  let patterns = p.all('e');
  for (const f of p.all('f')) patterns.push(...decode(readInput(f)).split('\n').filter((l, i, a) => i < a.length - 1 || l !== ''));
  const operands = p.operands.slice();
  if (!p.has('e') && !p.has('f')) {
    if (operands.length === 0) throw new UsageError('no pattern given');
    patterns = operands.shift()!.split('\n');
  }
  let dialect: Dialect | 'fixed' = dialectDefault;
  for (const [k] of p.list) if (k === 'E' || k === 'F' || k === 'G') dialect = k === 'E' ? 'extended' : k === 'F' ? 'fixed' : 'basic';
  let re: RegExp;
  try {
    re = compile(patterns, { dialect: dialect === 'fixed' ? 'basic' : dialect, fixed: dialect === 'fixed', ignoreCase: p.has('i') || p.has('y'), word: p.has('w'), line: p.has('x') });
  } catch (e) {
    warn(errText(e).replace(/^Invalid regular expression: /, ''));
    return 2;
  }
  const recursive = p.has('r') || p.has('R');
  const files = operands.length ? operands : recursive ? ['.'] : ['-'];
  const context = p.get('C') !== undefined ? intArg(p.get('C')!, 'context length argument') : 0;
  const o: GrepOpts = {
    re,
    invert: p.has('v'),
    count: p.has('c'),
    listMatching: p.has('l'),
    listMissing: p.has('L'),
    quiet: p.has('q'),
    silent: p.has('s'),
    lineNumbers: p.has('n'),
    onlyMatching: p.has('o'),
    names: (files.length > 1 || recursive) && !p.has('h'),
    after: p.get('A') !== undefined ? intArg(p.get('A')!, 'context length argument') : context,
    before: p.get('B') !== undefined ? intArg(p.get('B')!, 'context length argument') : context,
    maxCount: p.get('m') !== undefined ? intArg(p.get('m')!, 'max count') : Infinity,
    text: p.has('a'),
  };
  if (p.has('H')) o.names = true;
  let found = false;
  let error = false;
  const sep = { printed: false };
  const fail = (name: string, e: unknown): void => {
    error = true;
    if (!o.silent) warn(`${name}: ${errText(e)}`);
  };
  const visit = (name: string, display: string, top: boolean): void => {
    if (name === '-') {
      if (grepFd(0, '(standard input)', o, sep)) found = true;
      return;
    }
    let st: mh.Stat;
    try {
      st = top || p.has('R') ? mh.stat(name) : mh.lstat(name);
    } catch (e) {
      return fail(display, e);
    }
    const kind = st.mode & mh.S.IFMT;
    if (kind === mh.S.IFLNK) return; // -r follows only links named on the command line
    if (kind === mh.S.IFDIR) {
      if (!recursive) {
        if (!o.silent) warn(`${display}: Is a directory`);
        error = true;
        return;
      }
      let entries: string[];
      try {
        entries = listDir(name).map((d) => d.name).sort();
      } catch (e) {
        return fail(display, e);
      }
      // GNU names files under an implicit '.' without the './' prefix.
      for (const e of entries) visit(joinPath(name, e), operands.length ? joinPath(display, e) : display === '.' ? e : joinPath(display, e), false);
      return;
    }
    let fd: number;
    try {
      fd = mh.open(name, mh.O.RDONLY);
    } catch (e) {
      return fail(display, e);
    }
    try {
      if (grepFd(fd, display, o, sep)) found = true;
    } finally {
      mh.close(fd);
    }
  };
  try {
    for (const f of files) visit(f, f, true);
  } catch (e) {
    if (e instanceof Quit) return 0;
    throw e;
  }
  return error && !(o.quiet && found) ? 2 : found ? 0 : 1;
}

const USAGE = '[-aEFGHhiLlnoqRrsvwxc] [-A N] [-B N] [-C N] [-m N] [-e PATTERN]... [-f FILE] [PATTERN] [FILE]...';

export const grepApplets = {
  grep: { usage: USAGE, usageStatus: 2, run: (a: string[]) => grepRun(a, 'basic') },
  egrep: { usage: USAGE, usageStatus: 2, run: (a: string[]) => grepRun(a, 'extended') },
  fgrep: { usage: USAGE, usageStatus: 2, run: (a: string[]) => grepRun(a, 'fixed') },
} satisfies Record<string, Applet>;
