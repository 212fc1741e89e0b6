// What login, su, id, whoami and passwd share inside MACROHARD: reading the user database,
// reading a line (or a password, with echo off) from the terminal, fresh salt from the rand
// scheme, and starting a user's session (ids, the namespace /etc/schemes allows, home,
// environment, then exec of the shell).

import * as mh from 'libmh';
import { L } from '../../abi/termios.js';
import { hashPassword, verifyPassword } from './hash.js';
import { parseGroup, parsePasswd, parseSchemes, parseShadow, type GroupEntry, type PasswdEntry } from './users.js';

export const PASSWD = '/etc/passwd';
export const GROUP = '/etc/group';
export const SHADOW = '/etc/shadow';
export const SCHEMES = '/etc/schemes';

function readOr(path: string, fallback: string): string {
  try {
    return mh.readText(path);
  } catch {
    return fallback;
  }
}

export function users(): PasswdEntry[] {
  // With no database at all (booted without an image), root still has a name.
  return parsePasswd(readOr(PASSWD, 'root:x:0:0:root:/root:/bin/sh\n'));
}

export function groups(): GroupEntry[] {
  return parseGroup(readOr(GROUP, 'root:x:0:\n'));
}

export function userByName(name: string): PasswdEntry | undefined {
  return users().find((u) => u.name === name);
}

export function userById(uid: number): PasswdEntry | undefined {
  return users().find((u) => u.uid === uid);
}

export function groupById(gid: number): GroupEntry | undefined {
  return groups().find((g) => g.gid === gid);
}

/**
 * The stored hash of a user's password: a string, or an Error saying why it cannot be read
 * (only root may read /etc/shadow). A user missing from the file has a locked account.
 */
export function storedHash(name: string): string | Error {
  let text: string;
  try {
    text = mh.readText(SHADOW);
  } catch (e) {
    return e as Error;
  }
  return parseShadow(text).find((s) => s.name === name)?.hash ?? '!';
}

export function checkPassword(name: string, password: string): boolean {
  const h = storedHash(name);
  return typeof h === 'string' && verifyPassword(password, h);
}

/**
 * One line from a descriptor, without its newline; null at end of input. A terminal in
 * canonical mode hands over one line per read, so nothing typed after it is taken from the
 * program that runs next (the shell, after login).
 */
export function readLine(fd = 0): string | null {
  const buf = new Uint8Array(1024);
  let text = '';
  for (;;) {
    const n = mh.read(fd, buf);
    if (n === 0) return text === '' ? null : text;
    text += new TextDecoder().decode(buf.subarray(0, n));
    const nl = text.indexOf('\n');
    if (nl >= 0) return text.slice(0, nl).replace(/\r$/, '');
  }
}

/** Prompts on stderr and reads a line with echo turned off (when stdin is a terminal). */
export function readPassword(prompt: string): string | null {
  mh.write(2, prompt);
  if (!mh.isatty(0)) return readLine(0);
  const saved = mh.tcgetattr(0);
  mh.tcsetattr(0, { ...saved, lflag: saved.lflag & ~(L.ECHO | L.ECHONL) });
  try {
    return readLine(0);
  } finally {
    mh.tcsetattr(0, saved);
    // The newline typed after the password was not echoed either.
    mh.write(2, '\n');
  }
}

/** A new stored hash for `password`, salted with 16 bytes from the rand scheme. */
export function newHash(password: string): string {
  const salt = new Uint8Array(16);
  const fd = mh.open('/scheme/rand');
  try {
    mh.read(fd, salt);
  } finally {
    mh.close(fd);
  }
  return hashPassword(password, salt);
}

/**
 * Becomes `user` and runs their shell (or `command` through it) in place of this program:
 * gid first, since after setuid a non-root process could no longer change it.
 */
export function startSession(user: PasswdEntry, opts: { command?: string; keepEnv?: boolean; keepCwd?: boolean } = {}): never {
  mh.setgid(user.gid);
  mh.setuid(user.uid);
  const home = user.home || '/';
  if (!opts.keepCwd) {
    try {
      mh.chdir(home);
    } catch {
      mh.eprintln(`warning: cannot enter home directory ${home}; starting in /`);
      mh.chdir('/');
    }
  }
  // A user configured with a list of schemes gets a namespace narrowed to it (only ever
  // narrowed: the kernel's mkns cannot widen), before anything of theirs runs.
  const allowed = parseSchemes(readOr(SCHEMES, '')).find((e) => e.name === user.name);
  if (allowed) mh.mkns(allowed.schemes);
  const shell = user.shell || '/bin/sh';
  const env = opts.keepEnv ? mh.env() : { ...mh.env(), HOME: home, USER: user.name, LOGNAME: user.name, SHELL: shell };
  env.PWD = mh.getcwd();
  const argv0 = shell.slice(shell.lastIndexOf('/') + 1);
  mh.exec(shell, opts.command !== undefined ? [argv0, '-c', opts.command] : [argv0], { env });
}
