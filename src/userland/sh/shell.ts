// The shell's state and its statement interpreter: variables in scopes, exported
// environment, functions, `$?`, and the walk over if/for/while/match/let/fn statements.
// Pipelines are run by pipeline.ts, builtins live in builtins.ts, jobs in jobs.ts.
//
// Variables: a function call pushes a scope; `let` assigns where the name already lives,
// else in the innermost scope. Exported names live in the environment map that children
// get; assigning an exported name with `let` updates the environment too. The script's
// arguments are the array `@args` (`$0`, `$1`... index it).

import * as mh from 'libmh';
import type { AndOr, Command, FnDef, Let, Stmt, Word } from './ast.js';
import { ArithError, apply, formatNumber, toNumber } from './arith.js';
import { BUILTINS } from './builtins.js';
import { ExpandError, Expander, type ExpandEnv, type Value } from './expand.js';
import type { GlobFs } from './glob.js';
import { JobTable } from './jobs.js';
import { ShSyntaxError, type Pos } from './lexer.js';
import { MethodError } from './methods.js';
import { parse } from './parser.js';
import { Capture, redirect, runPipeline, ShellError, writeSink, type Io, type Sink } from './pipeline.js';
import type { Terminal } from './terminal.js';
import { parseWordList } from './word.js';

export class BreakSignal {}
export class ContinueSignal {}
export class ReturnSignal {
  constructor(readonly status: number) {}
}
export class ExitSignal {
  constructor(readonly status: number) {}
}

export interface ShellOptions {
  args: string[];
  interactive: boolean;
  term: Terminal;
  /** This shell's own executable, for child shells that run background blocks. */
  self: string;
}

const fsForGlob: GlobFs = {
  list(dir) {
    try {
      return mh.readdir(dir).map((e) => e.name);
    } catch {
      return null;
    }
  },
  exists(path) {
    try {
      const st = mh.stat(path.endsWith('/') ? path.slice(0, -1) || '/' : path);
      return !path.endsWith('/') || (st.mode & mh.S.IFMT) === mh.S.IFDIR;
    } catch {
      return false;
    }
  },
};

export class Shell implements ExpandEnv {
  readonly scopes: Map<string, Value>[] = [new Map()];
  readonly env = new Map<string, string>();
  readonly fns = new Map<string, FnDef>();
  status = 0;
  readonly interactive: boolean;
  readonly jobControl: boolean;
  readonly term: Terminal;
  readonly jobs: JobTable;
  readonly expander: Expander;
  readonly fs = fsForGlob;
  readonly self: string;
  /** Lines remembered by the history module, for the `history` builtin. */
  history: string[] = [];
  /** Where a script's messages say they come from (`sh`, or the script's name). */
  source = 'sh';
  /** Set once `exit` has warned about stopped jobs. */
  warnedStopped = false;
  /** `alias name = text`: a command's first word, if it is a name here, stands for the text. */
  readonly aliases = new Map<string, string>();

  constructor(o: ShellOptions) {
    for (const [k, v] of Object.entries(mh.env())) this.env.set(k, v);
    // $PWD is the shell's to keep (prompts such as "$USER@$HOSTNAME:$PWD> " read it).
    try {
      this.env.set('PWD', mh.getcwd());
    } catch {
      // no working directory to name
    }
    this.scopes[0]!.set('args', o.args);
    this.interactive = o.interactive;
    this.term = o.term;
    this.jobControl = o.interactive && o.term.isTerminal;
    this.self = o.self;
    let pgid = 0;
    try {
      if (this.jobControl && mh.getpgid() !== mh.getpid() && mh.getsid() !== mh.getpid()) mh.setpgid(0, 0);
      pgid = mh.getpgid();
    } catch {
      // no process groups: job control stays off
    }
    // With job control the shell leads its own group and holds the terminal's foreground
    // whenever no job does.
    if (this.jobControl && pgid) o.term.setForeground(pgid);
    this.jobs = new JobTable(o.term, pgid, (s) => writeSink(2, s));
    this.expander = new Expander(this);
  }

  // ---- variables ----------------------------------------------------------------------------

  get(name: string): Value | undefined {
    if (name === '?') return String(this.status);
    if (name === '$') return String(mh.getpid());
    if (name === '!') return String(this.jobs.lastBackground || '');
    const args = this.findVar('args');
    const argv = Array.isArray(args) ? args : [];
    if (name === '#') return String(Math.max(0, argv.length - 1));
    if (/^[0-9]+$/.test(name)) return argv[Number(name)] ?? '';
    return this.findVar(name) ?? this.env.get(name);
  }

  private findVar(name: string): Value | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const v = this.scopes[i]!.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  lookupString(name: string): string | undefined {
    const v = this.get(name);
    return v === undefined ? undefined : Array.isArray(v) ? v.join(' ') : v;
  }

  set(name: string, value: Value): void {
    let scope = this.scopes[this.scopes.length - 1]!;
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      if (this.scopes[i]!.has(name)) {
        scope = this.scopes[i]!;
        break;
      }
    }
    scope.set(name, value);
    if (this.env.has(name)) this.env.set(name, Array.isArray(value) ? value.join(' ') : value);
  }

  drop(name: string): void {
    for (const s of this.scopes) s.delete(name);
    this.env.delete(name);
  }

  exportedEnv(): string[] {
    return [...this.env].map(([k, v]) => `${k}=${v}`);
  }

  home(user: string): string | undefined {
    if (user === '') return this.lookupString('HOME');
    try {
      for (const line of mh.readText('/etc/passwd').split('\n')) {
        const f = line.split(':');
        if (f[0] === user && f[5]) return f[5];
      }
    } catch {
      // no passwd file: ~user stays as written
    }
    return undefined;
  }

  /** `$(...)`: runs the text in this shell with its output collected. */
  capture(src: string, pos: Pos): string {
    const out = new Capture();
    let stmts: Stmt[];
    try {
      stmts = parse(src);
    } catch (e) {
      if (e instanceof ShSyntaxError) throw new ExpandError(`in $(...): ${e.reason}`, { ...pos, line: pos.line + e.pos.line - 1 });
      throw e;
    }
    try {
      this.status = this.runStmts(stmts, { in: 0, out, err: 2 });
    } catch (e) {
      if (e instanceof ExitSignal) this.status = e.status;
      else throw e;
    }
    return out.text;
  }

  // ---- running ------------------------------------------------------------------------------

  /** Parses and runs a whole text; a syntax error runs none of it. */
  runSource(src: string, io: Io = { in: 0, out: 1, err: 2 }): number {
    let stmts: Stmt[];
    try {
      stmts = parse(src);
    } catch (e) {
      if (!(e instanceof ShSyntaxError)) throw e;
      writeSink(io.err, `${this.source}: syntax error at ${e.message}\n`);
      return (this.status = 2);
    }
    return this.runStmts(stmts, io);
  }

  runStmts(stmts: Stmt[], io: Io): number {
    for (const s of stmts) {
      this.status = this.runStmt(s, io);
      if (!this.interactive) this.jobs.reap();
    }
    return this.status;
  }

  runStmt(s: Stmt, io: Io): number {
    try {
      switch (s.t) {
        case 'let':
          return this.runLet(s, io);
        case 'fn':
          this.fns.set(s.name, s);
          return 0;
        case 'andor':
          return this.runAndOr(s, io);
      }
    } catch (e) {
      // A system call that failed where no builtin caught it (no more descriptors, say).
      if (e instanceof ShellError || e instanceof ExpandError || e instanceof ArithError || e instanceof MethodError || e instanceof mh.MhError) {
        writeSink(io.err, `${this.source}: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  }

  runAndOr(a: AndOr, io: Io): number {
    if (a.background !== 'fg') return this.runBackground(a, io);
    let status = this.runPipe(a.first, io);
    for (const { op, p } of a.rest) {
      this.status = status;
      if ((op === '&&') === (status === 0)) status = this.runPipe(p, io);
    }
    return status;
  }

  private runPipe(p: AndOr['first'], io: Io): number {
    const st = runPipeline(this, p, io, false);
    return p.negate ? (st === 0 ? 1 : 0) : st;
  }

  /** `cmd &`: external pipelines start directly; anything else runs in a child shell. */
  private runBackground(a: AndOr, io: Io): number {
    const staticName = (c: Command): string | null =>
      c.t === 'simple' && c.words[0]?.parts.every((p) => p.t === 'lit') ? c.words[0].parts.map((p) => (p as { s: string }).s).join('') : null;
    const direct = a.rest.length === 0 && a.first.cmds.every((c) => {
      const n = staticName(c);
      return n !== null && !this.isInShell(n);
    });
    let bgIn = io.in;
    let opened = -1;
    if (!this.jobControl) {
      try {
        bgIn = opened = mh.open('/scheme/null');
      } catch {
        // keep the shell's input
      }
    }
    const bio: Io = { in: bgIn, out: io.out instanceof Capture ? 1 : io.out, err: io.err instanceof Capture ? 2 : io.err };
    try {
      if (direct) return runPipeline(this, a.first, bio, true);
      const script = `${this.serialize()}\n${a.text}`;
      const pid = mh.spawn(this.self, ['sh', '-c', script], { env: this.exportedEnv(), fds: [[0, bio.in], [1, bio.out as number], [2, bio.err as number]], pgid: 0 });
      const job = this.jobs.add(pid, [pid], a.text, true, true);
      if (this.interactive) writeSink(io.err, `[${job.id}] ${pid}\n`);
      return 0;
    } finally {
      if (opened >= 0) mh.close(opened);
      if (a.background === 'disown') {
        const j = this.jobs.find('%+');
        if (j) this.jobs.forget(j);
      }
    }
  }

  /**
   * A command's words, expanded, with an alias in first place replaced by its text (whose own
   * first word may be another alias, but never the same one again).
   */
  commandWords(words: Word[]): string[] {
    const first = words[0];
    if (!first || !first.parts.every((p) => p.t === 'lit' && !p.quoted) || !this.aliases.has(first.raw)) return this.expander.words(words);
    const seen = new Set<string>();
    let head: Word[] = [first];
    while (head[0] && head[0].parts.every((p) => p.t === 'lit' && !p.quoted) && this.aliases.has(head[0].raw) && !seen.has(head[0].raw)) {
      seen.add(head[0].raw);
      const text = this.aliases.get(head[0].raw)!;
      head = [...parseWordList(text, head[0].pos), ...head.slice(1)];
    }
    return this.expander.words([...head, ...words.slice(1)]);
  }

  isInShell(name: string): boolean {
    return this.fns.has(name) || name in BUILTINS;
  }

  /** A builtin that no function of the same name hides. */
  isBuiltin(name: string): boolean {
    return !this.fns.has(name) && name in BUILTINS;
  }

  /** A builtin, a function, or a command that was not found. */
  runSimpleInShell(_cmd: Command, argv: string[], io: Io): number {
    if (argv.length === 0) return 0;
    const name = argv[0]!;
    const fn = this.fns.get(name);
    if (fn) return this.callFunction(fn, argv.slice(1), io);
    const b = BUILTINS[name];
    if (b) {
      try {
        return b(this, argv, io);
      } catch (e) {
        if (e instanceof mh.MhError || e instanceof ShellError) {
          writeSink(io.err, `${name}: ${e.message}\n`);
          return 1;
        }
        throw e;
      }
    }
    writeSink(io.err, `${this.source}: ${name}: command not found\n`);
    return 127;
  }

  callFunction(fn: FnDef, args: string[], io: Io): number {
    const scope = new Map<string, Value>();
    fn.params.forEach((p, i) => {
      const v = args[i] ?? '';
      if (p.type === 'int' && !/^-?[0-9]+$/.test(v)) throw new ShellError(`${fn.name}: ${p.name}: '${v}' is not an int`);
      scope.set(p.name, v);
    });
    scope.set('args', [fn.name, ...args]);
    this.scopes.push(scope);
    try {
      return this.runStmts(fn.body, io);
    } catch (e) {
      if (e instanceof ReturnSignal) return e.status;
      throw e;
    } finally {
      this.scopes.pop();
    }
  }

  /** if / for / while / match, with their own redirections. */
  runBlock(cmd: Command, io0: Io): number {
    const { io, opened } = redirect(this, cmd.redirs, io0);
    try {
      switch (cmd.t) {
        case 'if':
          for (const b of cmd.branches) if (this.runAndOr(b.cond, io) === 0) return this.runStmts(b.body, io);
          return cmd.otherwise ? this.runStmts(cmd.otherwise, io) : 0;
        case 'for': {
          const items: string[] = [];
          for (const w of cmd.items) {
            const m = w.parts.length === 1 && w.parts[0]!.t === 'lit' && !w.parts[0]!.quoted ? /^(-?[0-9]+)\.\.(=)?(-?[0-9]+)$/.exec(w.raw) : null;
            if (m) items.push(...this.expander.word({ ...w, parts: [{ t: 'range', from: m[1]!, to: m[3]!, inclusive: m[2] === '=', step: null }] }));
            else items.push(...this.expander.word(w));
          }
          let status = 0;
          for (let i = 0; i < items.length; i += cmd.names.length) {
            cmd.names.forEach((n, k) => this.set(n, items[i + k] ?? ''));
            try {
              status = this.runStmts(cmd.body, io);
            } catch (e) {
              if (e instanceof BreakSignal) break;
              if (!(e instanceof ContinueSignal)) throw e;
            }
          }
          return status;
        }
        case 'while': {
          let status = 0;
          while (this.runAndOr(cmd.cond, io) === 0) {
            try {
              status = this.runStmts(cmd.body, io);
            } catch (e) {
              if (e instanceof BreakSignal) break;
              if (!(e instanceof ContinueSignal)) throw e;
            }
          }
          return status;
        }
        case 'match': {
          const subject = this.expander.string(cmd.subject);
          for (const c of cmd.cases) {
            const hit = c.patterns.length === 0 || c.patterns.some((p) => {
              const v = this.expander.value(p);
              return Array.isArray(v) ? v.includes(subject) : v === subject;
            });
            if (hit && (!c.guard || this.runAndOr(c.guard, io) === 0)) return this.runStmts(c.body, io);
          }
          return 0;
        }
        case 'simple':
          return this.runSimpleInShell(cmd, this.commandWords(cmd.words), io);
      }
      return 0;
    } finally {
      for (const fd of opened) mh.close(fd);
    }
  }

  private runLet(s: Let, io: Io): number {
    if (s.names.length === 0) {
      for (const scope of this.scopes) {
        for (const [k, v] of scope) if (k !== 'args') writeSink(io.out, `${k} = ${Array.isArray(v) ? `[${v.join(' ')}]` : v}\n`);
      }
      return 0;
    }
    let values: Value[] = s.values.map((w) => this.expander.value(w));
    if (s.names.length === 1 && values.length > 1) values = [values.map((v) => (Array.isArray(v) ? v.join(' ') : v)).join(' ')];
    else if (s.names.length > 1 && values.length === 1 && Array.isArray(values[0])) values = values[0];
    s.names.forEach(({ name, type }, i) => {
      const v = values[i] ?? (type?.startsWith('[') ? [] : '');
      const result = this.letValue(name, s.op, v);
      checkType(name, type, result);
      this.set(name, result);
    });
    return 0;
  }

  private letValue(name: string, op: Let['op'], v: Value): Value {
    if (op === '=') return v;
    const cur = this.get(name) ?? '';
    if (op === '++=') return [...(Array.isArray(cur) ? cur : cur === '' ? [] : [cur]), ...(Array.isArray(v) ? v : [v])];
    if (op === '::=') return [...(Array.isArray(v) ? v : [v]), ...(Array.isArray(cur) ? cur : cur === '' ? [] : [cur])];
    const a = toNumber(Array.isArray(cur) ? cur.join(' ') : cur, name);
    const b = toNumber(Array.isArray(v) ? v.join(' ') : v, name);
    return formatNumber(apply(op.slice(0, -1), a, b));
  }

  /** Functions and variables as source text, for a child shell that runs a block. */
  serialize(): string {
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const lines: string[] = [];
    const seen = new Set<string>();
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      for (const [k, v] of this.scopes[i]!) {
        if (seen.has(k) || k === 'args') continue;
        seen.add(k);
        lines.push(`let ${k} = ${Array.isArray(v) ? `[${v.map(q).join(' ')}]` : q(v)}`);
      }
    }
    for (const f of this.fns.values()) lines.push(f.source);
    return lines.join('\n');
  }

  /** Writes to a sink; for builtins. */
  write(sink: Sink, s: string): void {
    writeSink(sink, s);
  }
}

function checkType(name: string, type: string | null, v: Value): void {
  if (!type) return;
  const one = (t: string, x: string) => {
    if (t === 'int' && !/^-?[0-9]+$/.test(x)) throw new ShellError(`let: ${name}: '${x}' is not an int`);
    if (t === 'float' && Number.isNaN(Number(x))) throw new ShellError(`let: ${name}: '${x}' is not a float`);
    if (t === 'bool' && !['true', 'false', '1', '0'].includes(x)) throw new ShellError(`let: ${name}: '${x}' is not a bool`);
  };
  if (type.startsWith('[')) {
    if (!Array.isArray(v)) throw new ShellError(`let: ${name}: expected an array`);
    v.forEach((x) => one(type.slice(1, -1), x));
  } else {
    if (Array.isArray(v)) throw new ShellError(`let: ${name}: expected a ${type}, not an array`);
    one(type, v);
  }
}
