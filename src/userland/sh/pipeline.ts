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

const enc = new TextEncoder();
const dec = new TextDecoder();

export function writeSink(sink: Sink, data: string): void {
  if (sink instanceof Capture) sink.text += data;
  else {
    try {
      mh.write(sink, enc.encode(data));
    } catch (e) {
      if (!(e instanceof mh.MhError) || e.code !== 'EPIPE') throw e;
    }
  }
}

/** Opens a redirection target; `/dev/null` is the null scheme until a /dev exists. */
function openTarget(path: string, flags: number): number {
  const p = path === '/dev/null' && !mh.exists('/dev/null') ? '/scheme/null' : path;
  return mh.open(p, flags, 0o666);
}

/** Applies redirections on top of `io`; the returned descriptors are the caller's to close. */
export function redirect(sh: Shell, redirs: Redirect[], io: Io): { io: Io; opened: number[] } {
  const out: Io = { ...io };
  const opened: number[] = [];
  try {
    for (const r of redirs) {
      const target = sh.expander.string(r.target);
      let fd: number;
      if (r.op === '<<<') {
        const [rd, wr] = mh.pipe();
        mh.write(wr, target + '\n');
        mh.close(wr);
        fd = rd;
      } else {
        const O = mh.O;
        const flags = r.op === '<' ? O.RDONLY : O.WRONLY | O.CREAT | (r.op.endsWith('>>') ? O.APPEND : O.TRUNC);
        try {
          fd = openTarget(target, flags);
        } catch (e) {
          throw new ShellError(`${target}: ${e instanceof mh.MhError ? e.message.replace(/^[^:]*: /, '') : String(e)}`);
        }
      }
      opened.push(fd);
      if (r.op === '<' || r.op === '<<<') out.in = fd;
      else if (r.op === '>' || r.op === '>>') out.out = fd;
      else if (r.op === '^>' || r.op === '^>>') out.err = fd;
      else out.out = out.err = fd;
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
}

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
        argv = sh.expander.words(cmd.words);
        if (argv.length > 0 && !sh.isInShell(argv[0]!)) program = findProgram(argv[0]!, sh.lookupString('PATH') ?? '');
      }
      const { io: rio, opened } = redirect(sh, cmd.redirs, sio);
      if (program && rio.out instanceof Capture) {
        const [r, w] = mh.pipe();
        closeLater.push(w);
        drain = { fd: r, into: rio.out };
        rio.out = w;
      }
      stages.push({ cmd, argv, program, io: rio, opened });
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
  const statuses: (number | null)[] = new Array(n).fill(null);
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
      if (group && pgid === 0) pgid = pid;
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
  for (const s of stages) if (!s.program) [s.io.in, s.io.out, s.io.err].forEach((x) => typeof x === 'number' && keep.add(x));
  if (drain) keep.add(drain.fd);
  for (const fd of closeLater) if (!keep.has(fd)) mh.close(fd);
  const closeIfPipe = (fd: Sink) => {
    if (typeof fd === 'number' && closeLater.includes(fd) && !stages.some((s) => !s.program && s.done !== true && usesFd(s, fd))) {
      const idx = closeLater.indexOf(fd);
      closeLater.splice(idx, 1);
      mh.close(fd);
    }
  };

  // Then the stages that run in the shell itself.
  for (let i = 0; i < n; i++) {
    const s = stages[i]!;
    if (s.program || statuses[i] !== null) continue;
    try {
      statuses[i] = s.cmd.t === 'simple' ? sh.runSimpleInShell(s.cmd as Simple, s.argv!, s.io) : sh.runBlock(s.cmd, s.io);
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
