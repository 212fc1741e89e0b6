// Processes for TypeScript programs: spawn (posix_spawn-style), exec, wait, kill, exit, pipes
// and descriptor duplication, identity, namespaces and filters.

import { Errno } from '../../abi/errno.js';
import { WaitStatus, WNOHANG } from '../../abi/flags.js';
import { RingEnd } from '../../abi/ring.js';
import { encodeSpawn, SpawnFlags, type SpawnRequest } from '../../abi/spawn.js';
import { NS_ALL, Sys, type SysName } from '../../abi/syscall.js';
import { encodeUtf8, decodeUtf8 } from '../../abi/utf8.js';
import { encodeStrings, WireReader, WireWriter } from '../../abi/wire.js';
import { check } from './error.js';
import { toKernelPath } from './path.js';
import { proc } from './process.js';

export { WaitStatus, WNOHANG };

export interface SpawnOptions {
  env?: Record<string, string> | string[];
  cwd?: string;
  /** [child fd, parent fd] pairs; by default the child inherits fds 0-2 (and no others). */
  fds?: [number, number][];
  /** Also pass every descriptor not marked close-on-exec, at the same numbers. */
  inheritFds?: boolean;
  /** Narrow the child's namespace to these schemes (capability mode: []). */
  ns?: string[];
  /** Allow the child only these syscalls (names from the syscall list). */
  filter?: SysName[];
  setsid?: boolean;
  /** Put the child in this process group (0: a new group led by the child). */
  pgid?: number;
  uid?: number;
  gid?: number;
}

function envList(env: SpawnOptions['env']): string[] {
  if (!env) return [...proc().env].map(([k, v]) => `${k}=${v}`);
  return Array.isArray(env) ? env : Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

function request(path: string, argv: string[], o: SpawnOptions): SpawnRequest {
  let flags = 0;
  if (o.inheritFds) flags |= SpawnFlags.INHERIT_FDS;
  if (o.setsid) flags |= SpawnFlags.SETSID;
  if (o.pgid !== undefined) flags |= SpawnFlags.SETPGID;
  return {
    path: toKernelPath(path),
    argv,
    env: envList(o.env),
    cwd: o.cwd ? toKernelPath(o.cwd) : '',
    flags,
    pgid: o.pgid ?? 0,
    uid: o.uid ?? -1,
    gid: o.gid ?? -1,
    fds: o.fds ?? (o.inheritFds ? [] : [[0, 0], [1, 1], [2, 2]]),
    ns: o.ns ?? null,
    filter: o.filter ? o.filter.map((n) => Sys[n]) : null,
  };
}

/** Starts `path` as a child process; returns its pid. */
export function spawn(path: string, argv: string[] = [path], opts: SpawnOptions = {}): number {
  return check(proc().sys.spawn(0, 0, 0, 0, encodeSpawn(request(path, argv, opts))), 'spawn', path);
}

/** Replaces this program; returns only on failure (by throwing). */
export function exec(path: string, argv: string[] = [path], opts: Pick<SpawnOptions, 'env'> = {}): never {
  check(proc().sys.exec(0, 0, 0, 0, encodeSpawn(request(path, argv, { ...opts, fds: [] }))), 'exec', path);
  throw new Error('exec returned');
}

export interface WaitResult {
  pid: number;
  status: number;
}

/**
 * waitpid: null with WNOHANG when no child has changed state yet. A signal handler that runs
 * meanwhile restarts the wait, unless `restart` is false: then the wait answers null.
 */
export function waitpid(pid = -1, options = 0, restart = true): WaitResult | null {
  const p = proc();
  for (;;) {
    const r = p.sys.waitpid(pid, options);
    if (r === -Errno.EINTR) {
      if (restart) continue;
      return null;
    }
    check(r, 'waitpid');
    if (r === 0) return null;
    const status = new DataView(p.client.data.buffer, p.client.data.byteOffset, 4).getInt32(0, true);
    return { pid: r, status };
  }
}

/** Waits for `pid` and returns its exit code, or 128 + signal number, as a shell reports it. */
export function wait(pid: number): number {
  const r = waitpid(pid)!;
  return exitCode(r.status);
}

export function exitCode(status: number): number {
  if (WaitStatus.ifExited(status)) return WaitStatus.exitStatus(status);
  if (WaitStatus.ifSignaled(status)) return 128 + WaitStatus.termSig(status);
  return 255;
}

export function kill(pid: number, sig: number): void {
  check(proc().sys.kill(pid, sig), 'kill');
}

export function exit(code = 0): never {
  proc().sys.exit(code);
  throw new Error('exit returned');
}

/** A pipe: [read end, write end]. The ends are mapped for direct transfers when possible. */
export function pipe(flags = 0): [number, number] {
  const p = proc();
  const r = check(p.sys.pipe(flags), 'pipe');
  const rfd = r & 0xffff;
  const wfd = r >>> 16;
  const ringId = new DataView(p.client.data.buffer, p.client.data.byteOffset, 4).getUint32(0, true);
  if (!(flags & 0x800)) {
    p.rings.attach(rfd, ringId, RingEnd.Read);
    p.rings.attach(wfd, ringId, RingEnd.Write);
  }
  return [rfd, wfd];
}

/** dup, or with a sub-path, a new capability derived from `fd` (e.g. "accept"). */
export function dup(fd: number, sub = ''): number {
  const p = proc();
  const nfd = check(p.sys.dup(fd, 0, 0, 0, encodeUtf8(sub)), 'dup');
  if (sub === '') p.rings.copy(fd, nfd);
  return nfd;
}

export function dup2(fd: number, to: number): number {
  const p = proc();
  const r = check(p.sys.dup2(fd, to, 0, 0, new Uint8Array(0)), 'dup2');
  if (fd !== to) p.rings.copy(fd, to);
  return r;
}

export const getpid = (): number => proc().pid;
export const getppid = (): number => proc().sys.getppid();
export const getuid = (): number => proc().sys.getuid();
export const getgid = (): number => proc().sys.getgid();
export const geteuid = (): number => proc().sys.geteuid();
export const getpgid = (pid = 0): number => check(proc().sys.getpgid(pid), 'getpgid');
export const getsid = (pid = 0): number => check(proc().sys.getsid(pid), 'getsid');
export const setsid = (): number => check(proc().sys.setsid(), 'setsid');
export const setpgid = (pid: number, pgid: number): void => void check(proc().sys.setpgid(pid, pgid), 'setpgid');
export const setuid = (uid: number): void => void check(proc().sys.setuid(uid), 'setuid');
export const setgid = (gid: number): void => void check(proc().sys.setgid(gid), 'setgid');

export function chdir(path: string): void {
  check(proc().sys.chdir(0, 0, 0, 0, encodeUtf8(toKernelPath(path))), 'chdir', path);
}

export function getcwd(): string {
  const p = proc();
  const n = check(p.sys.getcwd(), 'getcwd');
  return decodeUtf8(p.client.data.subarray(0, n), false)!;
}

/** Narrows this process's namespace to `schemes` (never widens it); [] is capability mode. */
export function mkns(schemes: string[]): void {
  check(proc().sys.mkns(0, 0, 0, 0, encodeStrings(schemes)), 'mkns');
}

/** The schemes this process can name; null when it can name all of them. */
export function getns(): string[] | null {
  const p = proc();
  const n = check(p.sys.getns(), 'getns');
  return n === NS_ALL ? null : new WireReader(p.client.data.subarray(0, p.client.outLen)).strs() ?? [];
}

/** Narrows the syscalls this process may make; a call outside the list kills it with SIGSYS. */
export function setfilter(allowed: SysName[]): void {
  const w = new WireWriter().u32(allowed.length);
  for (const n of allowed) w.u32(Sys[n]);
  check(proc().sys.setfilter(0, 0, 0, 0, w.finish()), 'setfilter');
}

/**
 * Registers a scheme served by this process (uid 0); returns the request descriptor. `flags`:
 * SCHEME_COHERENT when the scheme's files change only through its own requests.
 */
export function schemeCreate(name: string, flags = 0): number {
  return check(proc().sys.scheme_create(flags, 0, 0, 0, encodeUtf8(name)), 'scheme_create', name);
}

export function sendfd(chan: number, fd: number): void {
  check(proc().sys.sendfd(chan, fd), 'sendfd');
}

export function recvfd(chan: number): number {
  for (;;) {
    const r = proc().sys.recvfd(chan);
    if (r !== -Errno.EINTR) return check(r, 'recvfd');
  }
}

/** Sleeps, in milliseconds (a syscall: signals interrupt it). */
export function sleep(ms: number): void {
  proc().sys.nanosleep(Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6));
}

export function umask(mask: number): number {
  return proc().sys.umask(mask);
}
