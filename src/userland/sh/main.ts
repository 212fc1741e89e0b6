// sh: MACROHARD's Ion-flavoured shell.
//
//   sh                     read commands from standard input (interactive on a terminal)
//   sh -i                  interactive even when standard input is not a terminal
//   sh -c 'CMD' [ARGS..]   run one command line
//   sh FILE [ARGS..]       run a script (also how `#!/bin/sh` scripts arrive)
//   sh -n FILE             check a script's syntax without running it
//   sh -i --raw            interactive, with standard input taken as raw terminal bytes
//                          (the line editor without asking a terminal for raw mode)
//
// The exit status is that of the last command, or `exit N`'s. See docs/shell.md.

import * as mh from 'libmh';
import type { Stmt } from './ast.js';
import { BUILTINS } from './builtins.js';
import { complete } from './complete.js';
import { History } from './history.js';
import { openInput } from './input.js';
import { ShSyntaxError } from './lexer.js';
import { parse } from './parser.js';
import { BrokenPipe, findProgram, writeSink } from './pipeline.js';
import { BreakSignal, ContinueSignal, ExitSignal, ReturnSignal, Shell } from './shell.js';
import { openTerminal } from './terminal.js';
import { parseWord } from './word.js';

const USAGE = 'usage: sh [-i] [--raw] [-n] [-c COMMAND [ARG...] | FILE [ARG...]]';

/** Runs top-level statements; control flow that escapes to the top ends or is ignored. */
function runTop(sh: Shell, f: () => number): number | ExitSignal {
  try {
    return f();
  } catch (e) {
    if (e instanceof ExitSignal) return e;
    if (e instanceof ReturnSignal) return e.status;
    if (e instanceof BreakSignal || e instanceof ContinueSignal) return sh.status;
    // Our own output is a pipe nobody reads: end as a program killed by SIGPIPE would.
    if (e instanceof BrokenPipe) return new ExitSignal(e.status);
    throw e;
  }
}

function defaultPrompt(sh: Shell): string {
  const uid = mh.getuid();
  const user = sh.lookupString('USER') ?? (uid === 0 ? 'root' : String(uid));
  let host = sh.lookupString('HOSTNAME');
  if (!host) {
    try {
      host = mh.readText('/etc/hostname').trim();
    } catch {
      host = 'macrohard';
    }
  }
  let cwd = mh.getcwd();
  const home = sh.lookupString('HOME');
  if (home && home !== '/' && (cwd === home || cwd.startsWith(home + '/'))) cwd = '~' + cwd.slice(home.length);
  return `${user}@${host || 'macrohard'}:${cwd}${uid === 0 ? '#' : '$'} `;
}

/** $PROMPT, expanded as a double-quoted string would be; the default when unset. */
export function promptFor(sh: Shell): string {
  const p = sh.lookupString('PROMPT');
  if (p === undefined) return defaultPrompt(sh);
  try {
    const saved = sh.status;
    const text = sh.expander.string(parseWord(`"${p.replace(/"/g, '\\"')}"`, { line: 1, col: 1, offset: 0 }));
    sh.status = saved;
    return text;
  } catch {
    return p;
  }
}

/** An interactive shell first runs /etc/shrc and then $HOME/.shrc, when they exist. */
function startupFiles(sh: Shell): number | ExitSignal {
  const files = ['/etc/shrc'];
  const home = sh.lookupString('HOME');
  if (home) files.push(`${home.replace(/\/+$/, '')}/.shrc`);
  for (const f of files) {
    let text: string;
    try {
      text = mh.readText(f);
    } catch {
      continue;
    }
    const saved = sh.source;
    sh.source = f;
    const r = runTop(sh, () => sh.runSource(text));
    sh.source = saved;
    if (r instanceof ExitSignal) return r;
  }
  return 0;
}

/**
 * Stopped jobs would outlive the shell, stopped for ever, holding the terminal: as the kernel
 * does for an orphaned process group in POSIX, they get SIGHUP and then SIGCONT.
 */
function hangUpStopped(sh: Shell): void {
  for (const j of sh.jobs.list()) {
    if (j.state !== 'stopped') continue;
    for (const sig of [mh.Sig.SIGHUP, mh.Sig.SIGCONT]) {
      try {
        sh.jobs.signal(j, sig);
      } catch {
        // already gone
      }
    }
  }
}

function repl(sh: Shell, raw: boolean): number {
  try {
    return replLoop(sh, raw);
  } finally {
    if (sh.interactive) hangUpStopped(sh);
  }
}

function replLoop(sh: Shell, raw: boolean): number {
  if (sh.interactive) {
    const r = startupFiles(sh);
    if (r instanceof ExitSignal) return r.status;
  }
  const history = new History(sh.interactive ? sh.lookupString('HOME') : undefined);
  sh.history = history.lines;
  const input = openInput(0, sh.term, sh.interactive, raw, history.lines, (line, cursor) =>
    complete({
      fs: sh.fs,
      isDir: (p) => sh.fs.exists(p + '/'),
      names: () => [...Object.keys(BUILTINS), ...sh.fns.keys()],
      path: () => sh.lookupString('PATH') ?? '',
    }, line, cursor));
  if (sh.interactive) {
    // ^C at the prompt abandons the line rather than killing the shell, ^\ and ^Z leave it be.
    // Handlers that do nothing rather than "ignore": an ignored signal stays ignored in every
    // child, and a job must stop at ^Z and die at ^C.
    const none = (): void => {};
    for (const s of [mh.Sig.SIGINT, mh.Sig.SIGQUIT]) mh.signal(s, none);
    if (sh.jobControl) for (const s of [mh.Sig.SIGTSTP, mh.Sig.SIGTTIN, mh.Sig.SIGTTOU]) mh.signal(s, none);
    // The terminal hung up: pass it on to every job (stopped ones are woken to hear it).
    mh.signal(mh.Sig.SIGHUP, () => {
      for (const j of sh.jobs.list()) {
        for (const sig of [mh.Sig.SIGHUP, mh.Sig.SIGCONT]) {
          try {
            sh.jobs.signal(j, sig);
          } catch {
            // already gone
          }
        }
      }
      mh.exit(128 + mh.Sig.SIGHUP);
    });
  }
  let buffer = '';
  let line0 = 1; // the input line the buffer starts at, so errors give the line in the script
  let lineNo = 0;
  for (;;) {
    if (sh.interactive) sh.jobs.notify();
    const line = input.readLine(buffer ? '> ' : sh.interactive ? promptFor(sh) : '');
    if (line === null) {
      if (buffer) {
        try {
          parse(buffer, line0);
        } catch (e) {
          if (e instanceof ShSyntaxError) writeSink(2, `${sh.source}: syntax error at ${e.message}\n`);
          return 2;
        }
      }
      if (sh.interactive) writeSink(2, 'exit\n');
      return sh.status;
    }
    if (!buffer) line0 = lineNo + 1;
    lineNo++;
    buffer += line + '\n';
    let stmts: Stmt[];
    try {
      stmts = parse(buffer, line0);
    } catch (e) {
      if (!(e instanceof ShSyntaxError)) throw e;
      if (e.incomplete) continue;
      writeSink(2, `${sh.source}: syntax error at ${e.message}\n`);
      history.add(buffer);
      buffer = '';
      sh.status = 2;
      continue;
    }
    if (sh.interactive) history.add(buffer);
    buffer = '';
    let r: number | ExitSignal;
    try {
      r = runTop(sh, () => sh.runStmts(stmts, { in: 0, out: 1, err: 2 }));
    } catch (e) {
      // A fault in the shell itself must not end an interactive session (the console's
      // shell ending powers the machine off): say so and read the next line.
      if (!sh.interactive || (e instanceof Error && e.name === 'ProcessEnded')) throw e;
      writeSink(2, `sh: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      r = sh.status = 1;
    }
    if (r instanceof ExitSignal) return r.status;
  }
}

function selfPath(argv0: string, path: string): string {
  if (argv0.includes('/')) return argv0;
  return findProgram('sh', path) ?? '/scheme/initfs/bin/sh';
}

export function main(argv: string[]): number {
  let interactive = false;
  let checkOnly = false;
  let raw = false;
  let command: string | null = null;
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-c') {
      command = argv[i + 1] ?? null;
      if (command === null) {
        mh.eprintln(USAGE);
        return 2;
      }
      i += 2;
      break;
    } else if (a === '-i') interactive = true;
    else if (a === '--raw') raw = true;
    else if (a === '-n') checkOnly = true;
    else if (a === '--') {
      i++;
      break;
    } else if (a.startsWith('-') && a !== '-') {
      mh.eprintln(`sh: unknown option ${a}\n${USAGE}`);
      return 2;
    } else break;
  }
  // A builtin writing into a closed pipe gets EPIPE (pipeline.ts BrokenPipe) instead of the
  // shell dying. A handler, not "ignore": ignored signals would be inherited by every child.
  mh.signal(mh.Sig.SIGPIPE, () => {});
  const term = openTerminal(0);
  const rest = argv.slice(i);
  const script = command === null ? rest[0] : undefined;
  const args = command !== null ? (rest.length ? rest : [argv[0] ?? 'sh']) : script !== undefined ? rest : [argv[0] ?? 'sh'];
  const sh = new Shell({ args, interactive: interactive || (command === null && script === undefined && term.isTerminal), term, self: selfPath(argv[0] ?? 'sh', mh.getenv('PATH') ?? '') });

  let src: string | null = command;
  if (script !== undefined) {
    try {
      src = mh.readText(script);
    } catch (e) {
      mh.eprintln(`sh: ${script}: ${e instanceof mh.MhError ? e.message.replace(/^[^:]*: /, '') : String(e)}`);
      return 127;
    }
    sh.source = script;
  }
  if (src === null) return repl(sh, raw);
  if (checkOnly) {
    try {
      parse(src);
      return 0;
    } catch (e) {
      if (!(e instanceof ShSyntaxError)) throw e;
      mh.eprintln(`${sh.source}: syntax error at ${e.message}`);
      return 2;
    }
  }
  const text = src;
  const r = runTop(sh, () => sh.runSource(text));
  return r instanceof ExitSignal ? r.status : r;
}
