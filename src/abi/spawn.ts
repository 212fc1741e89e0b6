// The spawn request: posix_spawn's arguments as one payload (see wire.ts for the encoding).
//
//   str path | strs argv | strs env | str cwd ('' = the parent's) | u32 flags
//   f64 pgid | f64 uid | f64 gid | u32 nfds, then nfds × (u32 childFd, u32 parentFd)
//   u32 hasNs [strs ns] | u32 hasFilter [u32 n, n × u32]

import { WireReader, WireWriter } from './wire.js';

export const SpawnFlags = {
  /** The child also gets every descriptor of the parent without FD_CLOEXEC, at the same number. */
  INHERIT_FDS: 1,
  /** The child starts a new session (and process group) with itself as leader. */
  SETSID: 2,
  /** Set the child's process group to `pgid` (0: a new group led by the child). */
  SETPGID: 4,
  /** Reset the signals the parent catches to their defaults (always true: handlers are code). */
  RESETIDS: 8,
} as const;

export interface SpawnRequest {
  path: string;
  argv: string[];
  env: string[];
  cwd: string;
  flags: number;
  pgid: number;
  /** -1 keeps the parent's; another value needs uid 0. */
  uid: number;
  gid: number;
  fds: [child: number, parent: number][];
  ns: string[] | null;
  filter: number[] | null;
}

export function encodeSpawn(r: SpawnRequest): Uint8Array {
  const w = new WireWriter(512);
  w.str(r.path).strs(r.argv).strs(r.env).str(r.cwd).u32(r.flags).f64(r.pgid).f64(r.uid).f64(r.gid);
  w.u32(r.fds.length);
  for (const [c, p] of r.fds) w.u32(c).u32(p);
  w.u32(r.ns ? 1 : 0);
  if (r.ns) w.strs(r.ns);
  w.u32(r.filter ? 1 : 0);
  if (r.filter) {
    w.u32(r.filter.length);
    for (const n of r.filter) w.u32(n);
  }
  return w.finish();
}

export function decodeSpawn(b: Uint8Array): SpawnRequest | null {
  const r = new WireReader(b);
  const path = r.str();
  const argv = r.strs();
  const env = r.strs();
  const cwd = r.str();
  const flags = r.u32();
  const pgid = r.f64();
  const uid = r.f64();
  const gid = r.f64();
  const nfds = r.u32();
  if (path === null || argv === null || env === null || cwd === null || flags === null || pgid === null || uid === null || gid === null || nfds === null || nfds > 1024) return null;
  const fds: [number, number][] = [];
  for (let i = 0; i < nfds; i++) {
    const c = r.u32();
    const p = r.u32();
    if (c === null || p === null) return null;
    fds.push([c, p]);
  }
  let ns: string[] | null = null;
  if (r.u32() === 1) {
    ns = r.strs(1024);
    if (ns === null) return null;
  }
  let filter: number[] | null = null;
  if (r.u32() === 1) {
    const n = r.u32();
    if (n === null || n > 4096) return null;
    filter = [];
    for (let i = 0; i < n; i++) {
      const x = r.u32();
      if (x === null) return null;
      filter.push(x);
    }
  }
  if (r.bad || !Number.isInteger(pgid) || !Number.isInteger(uid) || !Number.isInteger(gid)) return null;
  return { path, argv, env, cwd, flags, pgid, uid, gid, fds, ns, filter };
}
