// Running pipelines: redirections, finding programs on $PATH, spawning each stage with its
// descriptors, and running builtins, functions and blocks inside the shell.
//
// Order of work for `a | b | c`: all pipes are made first, every external stage is spawned
// (into one process group per job when job control is on), then the in-shell stages run in
// order, each closing its pipe ends when done so the next stage sees end of file, and last
// the shell waits for the job. Output captured by `$(...)` is a Capture, not a descriptor:
// in-shell stages append to it, and an external last stage writes into a pipe that the
// shell drains before waiting, so a child never blocks on a pipe nobody reads.

import * as mh from 'libmh';
import type { Command, Pipeline, Redirect, Simple } from './ast.js';
import type { Shell } from './shell.js';

export class Capture {
  text = '';
}

export type Sink = number | Capture;

export interface Io {
  in: number;
  out: Sink;
  err: Sink;
}

export class ShellError extends Error {}

/**
 * A builtin or function wrote to a pipe nobody reads any more. A program would die of
 * SIGPIPE; the shell (which catches SIGPIPE) ends just that stage, with the same status.
 */
export class BrokenPipe extends Error {
  readonly status = 128 + 13;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function writeSink(sink: Sink, data: string): void {
  if (sink instanceof Capture) sink.text += data;
  else writeBytes(sink, enc.encode(data));
}

function writeBytes(fd: number, b: Uint8Array): void {
  try {
    mh.write(fd, b);
  } catch (e) {
    if (e instanceof mh.MhError && e.code === 'EPIPE') throw new BrokenPipe('broken pipe');
    throw e;
  }
}

/** Opens a redirection target; `/dev/null` is the null scheme until a /dev exists. */
function openTarget(path: string, flags: number): number {
  const p = path === '/dev/null' && !mh.exists('/dev/null') ? '/scheme/null' : path;
  return mh.open(p, flags, 0o666);
}

function setFd(io: Io, n: number, to: Sink): void {
  if (n === 0) {
    if (typeof to !== 'number') throw new ShellError('0<&: not a readable descriptor here');
    io.in = to;
  } else if (n === 1) io.out = to;
  else io.err = to;
}

/** Applies redirections on top of `io`; the returned descriptors are the caller's to close. */
export function redirect(sh: Shell, redirs: Redirect[], io: Io): { io: Io; opened: number[] } {
  const out: Io = { ...io };
  const opened: number[] = [];
  try {
    for (const r of redirs) {
      const target = sh.expander.string(r.target);
      if (r.fd !== null && r.fd > 2) throw new ShellError(`${r.fd}${r.op}: only descriptors 0, 1 and 2 can be redirected`);
      if (r.op === '>&' && /^[0-2]$/.test(target)) {
        // N>&M: descriptor N becomes a copy of what M is now.
        const from = [out.in, out.out, out.err][Number(target)]!;
        setFd(out, r.fd ?? 1, from);
        continue;
      }
      let fd: number;
      if (r.op === '<<<') {
        const [rd, wr] = mh.pipe();
        mh.write(wr, target + '\n');
        mh.close(wr);
        fd = rd;
      } else {
        const O = mh.O;
        const flags = r.op === '<' ? O.RDONLY : O.WRONLY | O.CREAT | (r.op.endsWith('>>') ? O.APPEND : O.TRUNC);
        if (r.op === '<' && r.fd !== null && r.fd !== 0) throw new ShellError(`${r.fd}<: only standard input reads a file`);
        try {
          fd = openTarget(target, flags);
        } catch (e) {
          throw new ShellError(`${target}: ${e instanceof mh.MhError ? e.message.replace(/^[^:]*: /, '') : String(e)}`);
        }
      }
      opened.push(fd);
      if (r.fd !== null && r.op !== '>&') setFd(out, r.fd, fd);
      else if (r.op === '<' || r.op === '<<<') out.in = fd;
      else if (r.op === '>' || r.op === '>>') out.out = fd;
      else if (r.op === '^>' || r.op === '^>>') out.err = fd;
      else out.out = out.err = fd; // &>, &>>, and >&FILE as bash spells it
    }
  } catch (e) {
    for (const fd of opened) mh.close(fd);
    throw e;
  }
  return { io: out, opened };
}

function isExecutable(path: string): boolean {
  try {
    const st = mh.stat(path);
    return (st.mode & mh.S.IFMT) !== mh.S.IFDIR && ((st.mode & mh.S.IFMT) === 0 || (st.mode & 0o111) !== 0);
  } catch {
    return false;
  }
}

/** Finds a program: a name with a slash as given, else the first match along $PATH. */
export function findProgram(name: string, path: string): string | null {
  if (name.includes('/') || /^[a-z0-9][a-z0-9_.-]*:/.test(name)) return isExecutable(name) ? name : null;
  for (const dir of path.split(':')) {
    if (!dir) continue;
    const p = `${dir.replace(/\/+$/, '')}/${name}`;
    if (isExecutable(p)) return p;
  }
  return null;
}

/** A stage after expansion: what runs and where its output goes. */
interface Stage {
  cmd: Command;
  argv: string[] | null;
  program: string | null;
  io: Io;
  opened: number[];
  done?: boolean;
  /** A builtin run before the others: its status, and output still to be written. */
  early?: { status: number; rest: Uint8Array };
}

/**
 * Runs a leading builtin (`echo x | prog`) before the programs after it start, and puts its
 * output into the pipe first. Writing into a pipe and closing it just after its reader was
 * spawned can, at present, leave the reader seeing end of file with the data still in the
 * pipe; data that is already there when the reader starts always arrives.
 */
function prerun(sh: Shell, s: Stage): void {
  const cap = new Capture();
  const status = sh.runSimpleInShell(s.cmd as Simple, s.argv!, { ...s.io, out: cap });
  const bytes = enc.encode(cap.text);
  const first = bytes.subarray(0, EARLY_MAX);
  s.early = { status, rest: bytes.subarray(first.length) };
  if (first.length) writeBytes(s.io.out as number, first);
}

/**
 * Before the shell closes a pipe it wrote into, it gives the reader a moment to take what is
 * there (see prerun for why): at most SETTLE_MS, and no time at all when the pipe is empty.
 */
function settle(fd: number): void {
  const end = mh.now() + SETTLE_MS;
  try {
    while (mh.fstat(fd).size > 0 && mh.now() < end) mh.sleep(1);
  } catch {
    // not a pipe, or already gone: nothing to wait for
  }
}

const SETTLE_MS = 50;

/** What a leading builtin may write before its reader starts (less than a pipe holds). */
const EARLY_MAX = 128 * 1024;

export function runPipeline(sh: Shell, p: Pipeline, io: Io, background: boolean): number {
  const n = p.cmds.length;
  const stages: Stage[] = [];
  const closeLater: number[] = [];
  let drain: { fd: number; into: Capture } | null = null;
  let input = io.in;
  try {
    for (let i = 0; i < n; i++) {
      const cmd = p.cmds[i]!;
      const sio: Io = { in: input, out: io.out, err: io.err };
      if (i < n - 1) {
        const [r, w] = mh.pipe();
        closeLater.push(r, w);
        const op = p.pipes[i]!;
        if (op === '|' || op === '&|') sio.out = w;
        if (op === '^|' || op === '&|') sio.err = w;
        input = r;
      }
      let argv: string[] | null = null;
      let program: string | null = null;
      if (cmd.t === 'simple') {
        argv = sh.commandWords(cmd.words);
        if (argv.length > 0 && !sh.isInShell(argv[0]!)) program = findProgram(argv[0]!, sh.lookupString('PATH') ?? '');
      }
      const { io: rio, opened } = redirect(sh, cmd.redirs, sio);
      if (program && rio.out instanceof Capture) {
        const [r, w] = mh.pipe();
        closeLater.push(w);
        drain = { fd: r, into: rio.out };
        if (rio.err === rio.out) rio.err = w; // $(cmd 2>&1)
        rio.out = w;
      }
      const stage: Stage = { cmd, argv, program, io: rio, opened };
      stages.push(stage);
      if (i === 0 && n > 1 && cmd.t === 'simple' && argv && argv.length > 0 && !program && sh.isBuiltin(argv[0]!) && rio.out === sio.out && typeof rio.out === 'number') {
        prerun(sh, stage);
      }
    }
  } catch (e) {
    for (const s of stages) s.opened.forEach((fd) => mh.close(fd));
    closeLater.forEach((fd) => mh.close(fd));
    if (drain) mh.close(drain.fd);
    throw e;
  }

  // Spawn the external stages, all in one process group.
  const pids: number[] = [];
  let pgid = 0;
  const group = sh.jobControl || background;
  const statuses: (number | null)[] = stages.map((s) => s.early?.status ?? null);
  for (let i = 0; i < n; i++) {
    const s = stages[i]!;
    if (!s.program) continue;
    if (s.io.err instanceof Capture) s.io.err = 2;
    try {
      const pid = mh.spawn(s.program, s.argv!, {
        env: sh.exportedEnv(),
        fds: [[0, s.io.in], [1, s.io.out as number], [2, s.io.err as number]],
        ...(group ? { pgid } : {}),
      });
      if (group && pgid === 0) {
        pgid = pid;
        // Hand the terminal over as soon as the group exists, before the job can read it.
        if (sh.jobControl && !background) sh.term.setForeground(pgid);
      }
      pids.push(pid);
    } catch (e) {
      writeSink(s.io.err, `sh: ${s.argv![0]}: ${e instanceof mh.MhError ? e.message.replace(/^spawn '[^']*': /, '') : String(e)}\n`);
      statuses[i] = 126;
    }
    s.opened.forEach((fd) => mh.close(fd));
    s.opened = [];
  }
  // The shell keeps only the pipe ends its own stages use.
  const keep = new Set<number>();
  for (const s of stages) if (!s.program && (!s.early || s.early.rest.length > 0)) [s.io.in, s.io.out, s.io.err].forEach((x) => typeof x === 'number' && keep.add(x));
  if (drain) keep.add(drain.fd);
  for (const fd of closeLater) if (!keep.has(fd)) mh.close(fd);
  const open = closeLater.filter((fd) => keep.has(fd));
  closeLater.length = 0;
  closeLater.push(...open);
  const closeIfPipe = (fd: Sink) => {
    if (typeof fd === 'number' && closeLater.includes(fd) && !stages.some((s) => !s.program && s.done !== true && usesFd(s, fd))) {
      const idx = closeLater.indexOf(fd);
      closeLater.splice(idx, 1);
      settle(fd);
      mh.close(fd);
    }
  };

  // Then the stages that run in the shell itself.
  for (let i = 0; i < n; i++) {
    const s = stages[i]!;
    if (s.early) {
      try {
        if (s.early.rest.length) writeBytes(s.io.out as number, s.early.rest);
      } catch (e) {
        if (!(e instanceof BrokenPipe)) throw e;
        statuses[i] = e.status;
      }
      s.done = true;
      s.opened.forEach((fd) => mh.close(fd));
      [s.io.in, s.io.out, s.io.err].forEach(closeIfPipe);
      continue;
    }
    if (s.program || statuses[i] !== null) continue;
    try {
      statuses[i] = s.cmd.t === 'simple' ? sh.runSimpleInShell(s.cmd as Simple, s.argv!, s.io) : sh.runBlock(s.cmd, s.io);
    } catch (e) {
      // Only a stage that feeds a pipe ends quietly; the last stage's own output is the shell's.
      if (!(e instanceof BrokenPipe) || i === n - 1) throw e;
      statuses[i] = e.status;
    } finally {
      s.done = true;
      s.opened.forEach((fd) => mh.close(fd));
      [s.io.in, s.io.out, s.io.err].forEach(closeIfPipe);
    }
  }
  if (drain) {
    drain.into.text += dec.decode(mh.readAll(drain.fd));
    mh.close(drain.fd);
  }

  if (pids.length === 0) return statuses[n - 1] ?? 0;
  const job = sh.jobs.add(pgid || pids[0]!, pids, p.text, background, group);
  if (background) {
    if (sh.interactive) writeSink(io.err, `[${job.id}] ${pids[pids.length - 1]}\n`);
    return 0;
  }
  const last = sh.jobs.waitForeground(job, sh.jobControl);
  return statuses[n - 1] ?? last;
}

function usesFd(s: Stage, fd: number): boolean {
  return s.io.in === fd || s.io.out === fd || s.io.err === fd;
}
