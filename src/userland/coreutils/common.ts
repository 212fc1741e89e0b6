// What every applet shares inside a process: its name for messages, GNU-style error lines
// (`ls: cannot access 'x': No such file or directory`), buffered standard output, streaming
// input by chunks or by lines, PATH search, and user/group names from /etc/passwd and
// /etc/group. Pure helpers live in getopt.ts, format.ts, regex.ts and printf.ts instead, so
// the host can unit-test them without a kernel.

import * as mh from 'libmh';
import { strerror } from '../../abi/errno.js';
import { decodeBytes, encodeText } from './bytes.js';
import { parseOptions, UsageError, type OptSpec, type Parsed } from './getopt.js';
import { concatBytes } from '../../abi/bytes.js';

export { UsageError };

export { Failure } from './failure.js';

/** An applet: its usage line (after the name), and its body, which returns the exit status. */
export interface Applet {
  usage: string;
  /** Exit status for a usage error: 1, or 2 where GNU uses 2 (ls, grep, sort...). */
  usageStatus?: number;
  run(args: string[]): number;
}

let progName = 'coreutils';
export function setProg(name: string): void {
  progName = name;
}
export function prog(): string {
  return progName;
}

/** The message part of an error: strerror for an errno, the text otherwise. */
export function errText(e: unknown): string {
  if (e instanceof mh.MhError) return strerror(e.errno);
  if (e instanceof Error) return e.message;
  return String(e);
}

export function errCode(e: unknown): string {
  return e instanceof mh.MhError ? e.code : '';
}

export function warn(msg: string): void {
  out.flush();
  try {
    mh.write(2, `${progName}: ${msg}\n`);
  } catch {
    // stderr closed: the exit status still reports the failure
  }
}

/** `PROG: VERB 'path': strerror` — GNU's shape for a failed operation on a file. */
export function warnFile(verb: string, path: string, e: unknown): void {
  warn(verb ? `${verb} ${quote(path)}: ${errText(e)}` : `${quote(path)}: ${errText(e)}`);
}

/** GNU's quoting of a file name in diagnostics: single quotes, unless it holds one. */
export function quote(s: string): string {
  return s.includes("'") ? `"${s}"` : `'${s}'`;
}

/** Parses options; a UsageError thrown here is reported by main with the applet's usage line. */
export function getopts(args: readonly string[], spec: OptSpec): Parsed {
  return parseOptions(args, spec);
}

class Output {
  private w = new mh.BufferedWriter(1, 32 * 1024);
  write(s: string | Uint8Array): void {
    this.w.write(typeof s === 'string' ? encodeText(s) : s);
  }
  line(s: string): void {
    this.w.write(encodeText(s + '\n'));
  }
  flush(): void {
    this.w.flush();
  }
}

/** Standard output, buffered; main flushes it when the applet returns. */
export const out = new Output();

/** Opens an input operand ('-' is standard input); the caller closes with closeInput. */
export function openInput(name: string): number {
  return name === '-' ? 0 : mh.open(name, mh.O.RDONLY);
}
export function closeInput(fd: number): void {
  if (fd !== 0) mh.close(fd);
}

/** Reads a whole input operand as bytes. */
export function readInput(name: string): Uint8Array {
  if (name === '-') return mh.readAll(0);
  const st = mh.stat(name);
  if ((st.mode & mh.S.IFMT) === mh.S.IFDIR) throw new mh.MhError(21, 'read', name);
  return mh.readFile(name);
}

/** Bytes to text without losing any (see bytes.ts); out.write turns it back into the same bytes. */
export function decode(b: Uint8Array): string {
  return decodeBytes(b);
}

/**
 * Reads a descriptor line by line without reading ahead of need (so `yes | head -n 1` ends),
 * each line with its newline when it had one. Splits on bytes, so UTF-8 is never cut.
 */
export class Lines {
  private buf = new Uint8Array(64 * 1024);
  private carry: Uint8Array[] = [];
  private chunk = new Uint8Array(0);
  private pos = 0;
  private eof = false;
  constructor(private readonly fd: number) {}

  next(): string | null {
    for (;;) {
      const nl = this.chunk.indexOf(10, this.pos);
      if (nl >= 0) {
        const piece = this.chunk.subarray(this.pos, nl + 1);
        this.pos = nl + 1;
        return this.take(piece);
      }
      if (this.pos < this.chunk.length) this.carry.push(this.chunk.slice(this.pos));
      this.pos = 0;
      this.chunk = new Uint8Array(0);
      if (this.eof) {
        if (this.carry.length === 0) return null;
        return this.take(new Uint8Array(0));
      }
      const n = mh.read(this.fd, this.buf);
      if (n === 0) this.eof = true;
      else this.chunk = this.buf.subarray(0, n);
    }
  }

  private take(piece: Uint8Array): string {
    if (this.carry.length === 0) return decodeBytes(piece);
    const parts = [...this.carry, piece];
    this.carry = [];
    return decodeBytes(concatBytes(parts));
  }
}

/** Every line of an input operand, newlines kept. */
export function readLines(name: string): string[] {
  const fd = openInput(name);
  try {
    const r = new Lines(fd);
    const lines: string[] = [];
    for (let l = r.next(); l !== null; l = r.next()) lines.push(l);
    return lines;
  } finally {
    closeInput(fd);
  }
}

/** Runs `f` on each operand (or '-'), reporting failures as `PROG: name: error`; false if any failed. */
export function eachInput(files: string[], f: (name: string) => void): boolean {
  let ok = true;
  for (const name of files.length ? files : ['-']) {
    try {
      f(name);
    } catch (e) {
      if (!(e instanceof mh.MhError)) throw e;
      warn(`${name}: ${errText(e)}`);
      ok = false;
    }
  }
  return ok;
}

/**
 * Opens each operand (or '-') and runs `f` on its descriptor, with GNU head/tail's messages:
 * `cannot open 'x' for reading: ...` and `error reading 'x': ...`. False if any failed.
 */
export function eachFd(files: string[], f: (fd: number, name: string) => void): boolean {
  let ok = true;
  for (const name of files.length ? files : ['-']) {
    let fd: number;
    try {
      fd = openInput(name);
    } catch (e) {
      if (!(e instanceof mh.MhError)) throw e;
      warn(`cannot open ${quote(name)} for reading: ${errText(e)}`);
      ok = false;
      continue;
    }
    try {
      f(fd, name);
    } catch (e) {
      if (!(e instanceof mh.MhError)) throw e;
      warn(`error reading ${quote(name)}: ${errText(e)}`);
      ok = false;
    } finally {
      closeInput(fd);
    }
  }
  return ok;
}

/**
 * The width of the terminal behind `fd`, or null when it is not a terminal (a pty: its path
 * is under /scheme/pty). COLUMNS overrides, as in GNU ls; the pty's "winsize" control
 * descriptor (u16 rows, u16 cols, little-endian) answers otherwise; 80 if neither does.
 */
export function terminalWidth(fd: number): number | null {
  let path: string;
  try {
    path = mh.fpath(fd);
  } catch {
    return null;
  }
  if (!path.startsWith('/scheme/pty/')) return null;
  const env = Number(mh.getenv('COLUMNS'));
  if (Number.isInteger(env) && env > 0) return env;
  let cfd = -1;
  try {
    cfd = mh.dup(fd, 'winsize');
    // One read: a control descriptor answers every read afresh and never reaches an end.
    const b = new Uint8Array(4);
    if (mh.read(cfd, b) >= 4) {
      const cols = b[2]! | (b[3]! << 8);
      if (cols > 0) return cols;
    }
  } catch {
    // the size is unknown: the classic 80 columns
  } finally {
    if (cfd >= 0) mh.close(cfd);
  }
  return 80;
}

export function isDir(path: string, follow = true): boolean {
  try {
    const st = follow ? mh.stat(path) : mh.lstat(path);
    return (st.mode & mh.S.IFMT) === mh.S.IFDIR;
  } catch {
    return false;
  }
}

export function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

export function baseName(p: string): string {
  const t = p.replace(/\/+$/, '');
  if (t === '') return p.startsWith('/') ? '/' : '';
  return t.slice(t.lastIndexOf('/') + 1);
}

/** A directory's entries without '.' and '..'. */
export function listDir(path: string): mh.Dirent[] {
  return mh.readdir(path).filter((d) => d.name !== '.' && d.name !== '..');
}

/** Searches PATH for an executable file, as execvp does; null if none. */
export function which(name: string, all = false): string[] {
  if (name.includes('/')) return [name];
  const found: string[] = [];
  for (const dir of (mh.getenv('PATH') ?? '/scheme/initfs/bin').split(':')) {
    const p = joinPath(dir || '.', name);
    try {
      const st = mh.stat(p);
      if ((st.mode & mh.S.IFMT) === mh.S.IFREG && st.mode & 0o111) {
        found.push(p);
        if (!all) break;
      }
    } catch {
      // not in this directory
    }
  }
  return found;
}

/**
 * Where to run a command: PATH first; until every applet has its own link in the boot image,
 * an applet name not found there runs this program with argv[0] set to the name.
 */
export function resolveCommand(name: string, applets: readonly string[]): string | null {
  const hit = which(name)[0];
  if (hit) return hit;
  if (applets.includes(name)) return which('coreutils')[0] ?? '/scheme/initfs/bin/coreutils';
  return null;
}

interface Account {
  name: string;
  id: number;
}

function readTable(path: string): Account[] {
  try {
    return mh.readText(path).split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
      const f = l.split(':');
      return { name: f[0]!, id: Number(f[2]) };
    });
  } catch {
    return [];
  }
}

let users: Account[] | null = null;
let groups: Account[] | null = null;

/** The name for a uid from /etc/passwd (root when the file is absent), or the number. */
export function userName(uid: number): string {
  users ??= readTable('/etc/passwd');
  return users.find((u) => u.id === uid)?.name ?? (uid === 0 && users.length === 0 ? 'root' : String(uid));
}
export function groupName(gid: number): string {
  groups ??= readTable('/etc/group');
  return groups.find((g) => g.id === gid)?.name ?? (gid === 0 && groups.length === 0 ? 'root' : String(gid));
}
export function userId(name: string): number | null {
  if (/^\d+$/.test(name)) return Number(name);
  users ??= readTable('/etc/passwd');
  return users.find((u) => u.name === name)?.id ?? (name === 'root' ? 0 : null);
}
export function groupId(name: string): number | null {
  if (/^\d+$/.test(name)) return Number(name);
  groups ??= readTable('/etc/group');
  return groups.find((g) => g.name === name)?.id ?? (name === 'root' ? 0 : null);
}
