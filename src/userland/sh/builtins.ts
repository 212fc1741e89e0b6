// Builtins: commands the shell runs itself, because they change the shell (cd, exit,
// export, jobs...) or are Ion's small tests (eq, not, matches...). Each takes the expanded
// argv (argv[0] is its name) and the stage's descriptors, and returns an exit status.
//
//   cd pwd exit export drop unset echo true false test eq is not matches contains
//   starts-with ends-with exists read source . eval type which jobs fg bg wait kill disown
//   history exec return break continue time fn (lists functions) alias unalias help

import * as mh from 'libmh';
import { findProgram, ShellError, writeSink, type Io } from './pipeline.js';
import { BreakSignal, ContinueSignal, ExitSignal, ReturnSignal, type Shell } from './shell.js';

export type Builtin = (sh: Shell, argv: string[], io: Io) => number;

const out = (io: Io, s: string) => writeSink(io.out, s);
const err = (io: Io, s: string) => writeSink(io.err, s);

function statusArg(sh: Shell, name: string, a: string | undefined): number {
  if (a === undefined) return sh.status;
  if (!/^-?[0-9]+$/.test(a)) throw new ShellError(`${name}: '${a}' is not a number`);
  return Number(a) & 0xff;
}

/** Runs an already expanded command line, as `not`, `exec` and `eval`-like builtins need. */
export function runArgv(sh: Shell, argv: string[], io: Io): number {
  if (argv.length === 0) return 0;
  if (sh.isInShell(argv[0]!)) return sh.runSimpleInShell({ t: 'simple', words: [], redirs: [], pos: { line: 0, col: 0, offset: 0 }, text: argv.join(' ') }, argv, io);
  const prog = findProgram(argv[0]!, sh.lookupString('PATH') ?? '');
  if (!prog) {
    err(io, `${sh.source}: ${argv[0]}: command not found\n`);
    return 127;
  }
  if (typeof io.out !== 'number' || typeof io.err !== 'number') {
    // Inside $(...): go through a pipeline so the output is drained properly.
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    return sh.runSource(argv.map(q).join(' '), io);
  }
  const pid = mh.spawn(prog, argv, { env: sh.exportedEnv(), fds: [[0, io.in], [1, io.out], [2, io.err]], ...(sh.jobControl ? { pgid: 0 } : {}) });
  return sh.jobs.waitForeground(sh.jobs.add(pid, [pid], argv.join(' '), false, sh.jobControl), sh.jobControl);
}

function fileTest(op: string, path: string): boolean {
  let st: mh.Stat;
  try {
    st = op === '-L' || op === '-h' ? mh.lstat(path) : mh.stat(path);
  } catch {
    return false;
  }
  const type = st.mode & mh.S.IFMT;
  switch (op) {
    case '-e': return true;
    case '-f': return type === mh.S.IFREG;
    case '-d': return type === mh.S.IFDIR;
    case '-L': case '-h': return type === mh.S.IFLNK;
    case '-p': return type === mh.S.IFIFO;
    case '-s': return st.size > 0;
    case '-r': return (st.mode & 0o444) !== 0;
    case '-w': return (st.mode & 0o222) !== 0;
    case '-x': return (st.mode & 0o111) !== 0;
  }
  return false;
}

/** POSIX test: unary file and string tests, comparisons, `!`, `-a`, `-o`. */
function test(args: string[]): boolean {
  const or = args.indexOf('-o');
  if (or > 0) return test(args.slice(0, or)) || test(args.slice(or + 1));
  const and = args.indexOf('-a');
  if (and > 0) return test(args.slice(0, and)) && test(args.slice(and + 1));
  if (args[0] === '!') return !test(args.slice(1));
  if (args.length === 0) return false;
  if (args.length === 1) return args[0] !== '';
  if (args.length === 2) {
    const [op, v] = args as [string, string];
    if (op === '-z') return v === '';
    if (op === '-n') return v !== '';
    if (/^-[efdLhpsrwx]$/.test(op)) return fileTest(op, v);
    throw new ShellError(`test: unknown operator '${op}'`);
  }
  const [a, op, b] = args as [string, string, string];
  const num = (s: string) => {
    if (!/^\s*-?[0-9.]+\s*$/.test(s)) throw new ShellError(`test: '${s}' is not a number`);
    return Number(s);
  };
  switch (op) {
    case '=': case '==': return a === b;
    case '!=': return a !== b;
    case '<': return a < b;
    case '>': return a > b;
    case '-eq': return num(a) === num(b);
    case '-ne': return num(a) !== num(b);
    case '-lt': return num(a) < num(b);
    case '-le': return num(a) <= num(b);
    case '-gt': return num(a) > num(b);
    case '-ge': return num(a) >= num(b);
  }
  throw new ShellError(`test: unknown operator '${op}'`);
}

function echo(_sh: Shell, argv: string[], io: Io): number {
  let newline = true;
  let escapes = false;
  let spaces = true;
  let i = 1;
  for (; i < argv.length && /^-[nes]+$/.test(argv[i]!); i++) {
    for (const f of argv[i]!.slice(1)) {
      if (f === 'n') newline = false;
      if (f === 'e') escapes = true;
      if (f === 's') spaces = false;
    }
  }
  let text = argv.slice(i).join(spaces ? ' ' : '');
  if (escapes) {
    const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', a: '\x07', b: '\b', e: '\x1b', '0': '\0' };
    text = text.replace(/\\(.)/g, (m, c: string) => map[c] ?? m);
  }
  out(io, text + (newline ? '\n' : ''));
  return 0;
}

function cd(sh: Shell, argv: string[], io: Io): number {
  let target = argv[1];
  if (target === undefined) target = sh.lookupString('HOME') ?? '/';
  else if (target === '-') {
    target = sh.lookupString('OLDPWD') ?? '';
    if (!target) throw new ShellError('OLDPWD is not set');
    out(io, target + '\n');
  }
  const old = mh.getcwd();
  try {
    mh.chdir(target);
  } catch (e) {
    if (e instanceof mh.MhError) throw new ShellError(`${target}: ${e.message.replace(/^[^:]*: /, '')}`);
    throw e;
  }
  sh.env.set('OLDPWD', old);
  sh.env.set('PWD', mh.getcwd());
  return 0;
}

function exportBuiltin(sh: Shell, argv: string[], io: Io): number {
  const args = argv.slice(1);
  if (args.length === 0) {
    for (const [k, v] of [...sh.env].sort()) out(io, `${k}=${v}\n`);
    return 0;
  }
  // `export NAME = value` (Ion's spacing) as well as `export NAME=value` and `export NAME`.
  if (args.length >= 3 && args[1] === '=') {
    sh.env.set(args[0]!, args.slice(2).join(' '));
    return 0;
  }
  for (const a of args) {
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ShellError(`'${name}' is not a valid name`);
    sh.env.set(name, eq < 0 ? sh.lookupString(name) ?? '' : a.slice(eq + 1));
  }
  return 0;
}

/** Reads one line from the stage's input, a byte at a time so nothing after it is consumed. */
function readLine(fd: number): string | null {
  const bytes: number[] = [];
  const b = new Uint8Array(1);
  for (;;) {
    const n = mh.read(fd, b);
    if (n === 0) return bytes.length ? new TextDecoder().decode(Uint8Array.from(bytes)) : null;
    if (b[0] === 0x0a) return new TextDecoder().decode(Uint8Array.from(bytes));
    bytes.push(b[0]!);
  }
}

function read(sh: Shell, argv: string[], io: Io): number {
  let names = argv.slice(1);
  if (names[0] === '-p') {
    err(io, names[1] ?? '');
    names = names.slice(2);
  }
  if (names.length === 0) names = ['REPLY'];
  const line = readLine(io.in);
  if (line === null) {
    names.forEach((n) => sh.set(n, ''));
    return 1;
  }
  if (names.length === 1) sh.set(names[0]!, line);
  else {
    const fields = line.trim().split(/\s+/);
    names.forEach((n, i) => sh.set(n, i === names.length - 1 ? fields.slice(i).join(' ') : fields[i] ?? ''));
  }
  return 0;
}

function jobSpec(sh: Shell, name: string, spec: string | undefined) {
  const job = sh.jobs.find(spec);
  if (!job) throw new ShellError(`${name}: ${spec ?? 'current'}: no such job`);
  return job;
}

function kill(sh: Shell, argv: string[], io: Io): number {
  let sig: number = mh.Sig.SIGTERM;
  let args = argv.slice(1);
  const sigOf = (s: string): number => {
    if (/^[0-9]+$/.test(s)) return Number(s);
    const name = (s.toUpperCase().startsWith('SIG') ? s.toUpperCase() : 'SIG' + s.toUpperCase()) as keyof typeof mh.Sig;
    const n = mh.Sig[name];
    if (n === undefined) throw new ShellError(`kill: unknown signal '${s}'`);
    return n;
  };
  if (args[0] === '-l') {
    out(io, Object.keys(mh.Sig).map((k) => k.slice(3)).join(' ') + '\n');
    return 0;
  }
  if (args[0] === '-s') {
    sig = sigOf(args[1] ?? '');
    args = args.slice(2);
  } else if (args[0]?.startsWith('-')) {
    sig = sigOf(args[0].slice(1));
    args = args.slice(1);
  }
  if (args.length === 0) throw new ShellError('usage: kill [-s SIG | -SIG] pid|%job...');
  let status = 0;
  for (const a of args) {
    try {
      if (a.startsWith('%')) {
        sh.jobs.signal(jobSpec(sh, 'kill', a), sig);
      } else mh.kill(Number(a), sig);
    } catch (e) {
      err(io, `kill: ${a}: ${e instanceof Error ? e.message : String(e)}\n`);
      status = 1;
    }
  }
  return status;
}

function typeOf(sh: Shell, argv: string[], io: Io): number {
  let status = 0;
  const which = argv[0] === 'which';
  for (const name of argv.slice(1)) {
    if (sh.fns.has(name)) out(io, which ? `${name}: function\n` : `${name} is a function\n`);
    else if (name in BUILTINS) out(io, which ? `${name}: shell builtin\n` : `${name} is a shell builtin\n`);
    else {
      const p = findProgram(name, sh.lookupString('PATH') ?? '');
      if (p) out(io, which ? `${p}\n` : `${name} is ${p}\n`);
      else {
        err(io, `${argv[0]}: ${name}: not found\n`);
        status = 1;
      }
    }
  }
  return status;
}

export const BUILTINS: Record<string, Builtin> = {
  cd,
  pwd: (_sh, _a, io) => (out(io, mh.getcwd() + '\n'), 0),
  exit: (sh, a, io) => {
    // As bash does, the first `exit` with stopped jobs only warns; a second one exits.
    if (sh.interactive && !sh.warnedStopped && sh.jobs.list().some((j) => j.state === 'stopped')) {
      sh.warnedStopped = true;
      err(io, 'There are stopped jobs.\n');
      return 1;
    }
    throw new ExitSignal(statusArg(sh, 'exit', a[1]));
  },
  return: (sh, a) => {
    throw new ReturnSignal(statusArg(sh, 'return', a[1]));
  },
  break: () => {
    throw new BreakSignal();
  },
  continue: () => {
    throw new ContinueSignal();
  },
  export: exportBuiltin,
  drop: (sh, a) => (a.slice(1).filter((n) => n !== '-a').forEach((n) => sh.drop(n)), 0),
  unset: (sh, a) => (a.slice(1).forEach((n) => sh.drop(n)), 0),
  echo,
  true: () => 0,
  false: () => 1,
  test: (_sh, a) => (test(a.slice(1)) ? 0 : 1),
  eq: (_sh, a) => (a.length === 3 && a[1] === a[2] ? 0 : 1),
  is: (_sh, a) => (a[1] === 'not' ? (a[2] !== a[3] ? 0 : 1) : a[1] === a[2] ? 0 : 1),
  not: (sh, a, io) => (runArgv(sh, a.slice(1), io) === 0 ? 1 : 0),
  matches: (_sh, a) => {
    try {
      return new RegExp(a[2] ?? '').test(a[1] ?? '') ? 0 : 1;
    } catch {
      throw new ShellError(`matches: bad regular expression '${a[2]}'`);
    }
  },
  contains: (_sh, a) => (a.slice(2).some((s) => (a[1] ?? '').includes(s)) ? 0 : 1),
  'starts-with': (_sh, a) => (a.slice(2).some((s) => (a[1] ?? '').startsWith(s)) ? 0 : 1),
  'ends-with': (_sh, a) => (a.slice(2).some((s) => (a[1] ?? '').endsWith(s)) ? 0 : 1),
  exists: (sh, a) => {
    const [flag, v] = a.length > 2 ? [a[1]!, a[2]!] : ['', a[1] ?? ''];
    switch (flag) {
      case '-f': return fileTest('-f', v) ? 0 : 1;
      case '-d': return fileTest('-d', v) ? 0 : 1;
      case '-b': return findProgram(v, sh.lookupString('PATH') ?? '') ? 0 : 1;
      case '-s': return (sh.lookupString(v) ?? '') !== '' ? 0 : 1;
      case '-a': { const x = sh.get(v); return Array.isArray(x) && x.length > 0 ? 0 : 1; }
      case '--fn': return sh.fns.has(v) ? 0 : 1;
      default: return v !== '' ? 0 : 1;
    }
  },
  read,
  source: (sh, a, io) => {
    if (!a[1]) throw new ShellError('usage: source FILE');
    return sh.runSource(mh.readText(a[1]), io);
  },
  eval: (sh, a, io) => sh.runSource(a.slice(1).join(' '), io),
  type: typeOf,
  which: typeOf,
  jobs: (sh, a, io) => {
    sh.jobs.reap();
    for (const j of sh.jobs.list()) {
      const state = j.state === 'stopped' ? 'Stopped' : 'Running';
      out(io, a[1] === '-p' ? `${j.pgid}\n` : `[${j.id}]${sh.jobs.mark(j)}  ${state.padEnd(24)}${j.text}${j.state === 'running' ? ' &' : ''}\n`);
    }
    return 0;
  },
  fg: (sh, a, io) => {
    const job = jobSpec(sh, 'fg', a[1]);
    out(io, job.text + '\n');
    if (sh.jobControl) sh.term.setForeground(job.pgid);
    if (job.state === 'stopped') sh.jobs.continue(job);
    return sh.jobs.waitForeground(job, sh.jobControl);
  },
  bg: (sh, a, io) => {
    const job = jobSpec(sh, 'bg', a[1]);
    sh.jobs.continue(job);
    out(io, `[${job.id}]${sh.jobs.mark(job)} ${job.text} &\n`);
    return 0;
  },
  wait: (sh, a) => {
    if (a[1]) return sh.jobs.waitForeground(jobSpec(sh, 'wait', a[1]), false);
    return sh.jobs.waitAll();
  },
  disown: (sh, a) => (sh.jobs.forget(jobSpec(sh, 'disown', a[1])), 0),
  kill,
  history: (sh, _a, io) => {
    sh.history.forEach((l, i) => out(io, `${String(i + 1).padStart(5)}  ${l}\n`));
    return 0;
  },
  exec: (sh, a, io) => {
    if (a.length < 2) return 0;
    const prog = findProgram(a[1]!, sh.lookupString('PATH') ?? '');
    if (!prog) {
      err(io, `exec: ${a[1]}: command not found\n`);
      return 127;
    }
    mh.exec(prog, a.slice(1), { env: sh.exportedEnv() });
  },
  time: (sh, a, io) => {
    const t0 = mh.now();
    const status = runArgv(sh, a.slice(1), io);
    err(io, `real ${((mh.now() - t0) / 1000).toFixed(3)}s\n`);
    return status;
  },
  fn: (sh, _a, io) => {
    for (const f of [...sh.fns.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      const params = f.params.map((p) => (p.type ? `${p.name}:${p.type}` : p.name)).join(' ');
      out(io, `${f.name}${params ? ' ' + params : ''}${f.description ? ' -- ' + f.description : ''}\n`);
    }
    return 0;
  },
  alias: (sh, a, io) => {
    const args = a.slice(1);
    if (args.length === 0) {
      for (const [k, v] of [...sh.aliases].sort()) out(io, `alias ${k} = '${v}'\n`);
      return 0;
    }
    // `alias ll = 'ls -l'` (Ion's spacing) or `alias ll='ls -l'`.
    const [name, value] = args[1] === '=' ? [args[0]!, args.slice(2).join(' ')] : [args[0]!.split('=')[0]!, args.join(' ').slice(args[0]!.indexOf('=') + 1)];
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || (args[1] !== '=' && !args[0]!.includes('='))) {
      const v = sh.aliases.get(name);
      if (v === undefined) throw new ShellError(`alias: ${name}: not found`);
      out(io, `alias ${name} = '${v}'\n`);
      return 0;
    }
    sh.aliases.set(name, value);
    return 0;
  },
  unalias: (sh, a) => (a.slice(1).forEach((n) => sh.aliases.delete(n)), 0),
  help: (_sh, _a, io) => {
    out(io, `builtins: ${Object.keys(BUILTINS).sort().join(' ')}\nsyntax: let, if/else if/else/end, for/in/end, while/end, match/case/end, fn/end\n`);
    return 0;
  },
};
BUILTINS['.'] = BUILTINS.source!;
