// From a configuration's [users.NAME] and [groups.NAME] to the files an image carries:
// /etc/passwd, /etc/group, /etc/shadow (salted PBKDF2-SHA-256 hashes, made here with
// node:crypto in the format login checks inside MACROHARD), and each home directory.
//
// Defaults, so a configuration says only what matters: root is uid 0 with home /root; other
// users get the next free uid from 1000 and home /home/NAME; a user's gid defaults to a group
// of the user's own name (made when the configuration does not define it, with the uid's
// number when free); shell /bin/sh. No `password` key locks the account (reachable only by
// root's su or autologin); `password = ""` logs in without one, as in Redox's configurations.
// A configuration without [users.root] still gets a root, locked.

import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { DEFAULT_ITERATIONS, HASH_SCHEME } from '../userland/login/hash.js';
import { formatGroup, formatPasswd, formatSchemes, formatShadow, type GroupEntry, type PasswdEntry, type SchemesEntry, type ShadowEntry } from '../userland/login/users.js';
import type { ImageConfig } from './config.js';
import { BuildError } from './source.js';

export interface UserFiles {
  passwd: string;
  group: string;
  shadow: string;
  schemes: string;
  users: PasswdEntry[];
  groups: GroupEntry[];
  homes: { path: string; uid: number; gid: number }[];
}

/** The stored form of a password, as login's verifyPassword reads it. */
export function hostHash(password: string, iterations = DEFAULT_ITERATIONS): string {
  const salt = randomBytes(16);
  const dk = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  return `$${HASH_SCHEME}$${iterations}$${salt.toString('hex')}$${dk.toString('hex')}`;
}

export function resolveUsers(cfg: ImageConfig, hash: (pw: string) => string = hostHash): UserFiles {
  // Every image has a root, locked unless the configuration gives it a password.
  if (!cfg.users.has('root')) {
    const top = cfg.sources.at(-1);
    cfg = { ...cfg, users: new Map([['root', { origin: { file: top?.file ?? '?', line: 1 } }], ...cfg.users]) };
  }
  const names = [...cfg.users.keys()].sort((a, b) => (a === 'root' ? -1 : b === 'root' ? 1 : 0));
  const takenUids = new Set<number>();
  for (const [name, u] of cfg.users) {
    const uid = u.uid ?? (name === 'root' ? 0 : undefined);
    if (uid === undefined) continue;
    if (takenUids.has(uid)) throw new BuildError(u.origin.file, u.origin.line, `user ${name}: uid ${uid} is already another user's`);
    takenUids.add(uid);
  }
  let next = 1000;
  const uidOf = new Map<string, number>();
  for (const name of names) {
    const u = cfg.users.get(name)!;
    let uid = u.uid ?? (name === 'root' ? 0 : undefined);
    if (uid === undefined) {
      while (takenUids.has(next)) next++;
      uid = next;
      takenUids.add(uid);
    }
    uidOf.set(name, uid);
  }

  // Groups: the configured ones, then one per user whose primary group is not given.
  const groups: GroupEntry[] = [];
  const takenGids = new Set<number>();
  for (const [name, g] of cfg.groups) {
    if (g.gid === undefined) continue;
    if (takenGids.has(g.gid)) throw new BuildError(g.origin.file, g.origin.line, `group ${name}: gid ${g.gid} is already another group's`);
    takenGids.add(g.gid);
  }
  let nextGid = 1000;
  const gidOf = new Map<string, number>();
  const freshGid = (want: number): number => {
    if (!takenGids.has(want)) {
      takenGids.add(want);
      return want;
    }
    while (takenGids.has(nextGid)) nextGid++;
    takenGids.add(nextGid);
    return nextGid;
  };
  for (const [name, g] of cfg.groups) {
    for (const m of g.members ?? []) {
      if (!cfg.users.has(m)) throw new BuildError(g.origin.file, g.origin.line, `group ${name}: member '${m}' is not in [users]`);
    }
    gidOf.set(name, g.gid ?? -1);
  }
  for (const name of names) {
    const u = cfg.users.get(name)!;
    if (u.gid === undefined && !gidOf.has(name)) gidOf.set(name, freshGid(uidOf.get(name)!));
  }
  for (const [name, gid] of gidOf) if (gid < 0) gidOf.set(name, freshGid(1000));
  for (const [name, gid] of gidOf) groups.push({ name, gid, members: cfg.groups.get(name)?.members ?? [] });
  groups.sort((a, b) => a.gid - b.gid);

  const users: PasswdEntry[] = [];
  const shadow: ShadowEntry[] = [];
  const homes: UserFiles['homes'] = [];
  const schemes: SchemesEntry[] = [];
  for (const name of names) {
    const u = cfg.users.get(name)!;
    const uid = uidOf.get(name)!;
    const gid = u.gid ?? gidOf.get(name)!;
    const home = u.home ?? (uid === 0 ? '/root' : `/home/${name}`);
    users.push({ name, uid, gid, gecos: u.name ?? name, home, shell: u.shell ?? '/bin/sh' });
    shadow.push({ name, hash: u.password === undefined ? '!' : u.password === '' ? '' : hash(u.password) });
    if (home !== '/') homes.push({ path: home, uid, gid });
    if (u.schemes) schemes.push({ name, schemes: u.schemes });
  }
  users.sort((a, b) => a.uid - b.uid);
  return { passwd: formatPasswd(users), group: formatGroup(groups), shadow: formatShadow(shadow), schemes: formatSchemes(schemes), users, groups, homes };
}
