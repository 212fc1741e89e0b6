// passwd: changes a password.
//
//   passwd [USER]       asks for the new password twice and stores its salted hash
//   passwd -d USER      removes the password (the account then logs in without one)
//   passwd -l USER      locks the account (no password matches)
//
// Root changes anyone's password without the old one. An ordinary user changing their own
// would have to be checked against /etc/shadow and rewrite it, which needs root; until the
// kernel honours set-user-id programs that fails with a message saying so (docs/build.md).
// /etc/shadow is replaced whole: written beside it, then renamed over it, so a crash leaves
// the old file or the new one, never half of one.

import * as mh from 'libmh';
import { checkPassword, newHash, readPassword, SHADOW, storedHash, userById, userByName } from '../login/account.js';
import { formatShadow, parseShadow, type ShadowEntry } from '../login/users.js';

function usage(): number {
  mh.eprintln('usage: passwd [-d | -l] [USER]');
  return 2;
}

export function main(argv: string[]): number {
  let action: 'set' | 'delete' | 'lock' = 'set';
  let name: string | undefined;
  for (const a of argv.slice(1)) {
    if (a === '-d') action = 'delete';
    else if (a === '-l') action = 'lock';
    else if (a.startsWith('-')) return usage();
    else if (name === undefined) name = a;
    else return usage();
  }
  // The real uid says who asks (ready for passwd to be installed set-user-id root one day).
  const uid = mh.getuid();
  const self = userById(uid);
  name ??= self?.name;
  if (!name) {
    mh.eprintln(`passwd: you (uid ${uid}) are not in /etc/passwd`);
    return 1;
  }
  if (!userByName(name)) {
    mh.eprintln(`passwd: user '${name}' does not exist`);
    return 1;
  }
  if (uid !== 0) {
    if (name !== self?.name || action !== 'set') {
      mh.eprintln(`passwd: only root may ${action === 'set' ? `change the password of ${name}` : 'remove or lock passwords'}`);
      return 1;
    }
    const stored = storedHash(name);
    if (stored instanceof Error || mh.geteuid() !== 0) {
      mh.eprintln('passwd: changing a password needs root: set-user-id programs are not supported yet (ask root to run passwd for you)');
      return 1;
    }
    if (stored !== '') {
      const old = readPassword('Current password: ');
      if (old === null || !checkPassword(name, old)) {
        mh.sleep(300);
        mh.eprintln('passwd: Authentication failure; password unchanged');
        return 1;
      }
    }
  }
  let hash: string;
  if (action === 'delete') hash = '';
  else if (action === 'lock') hash = '!';
  else {
    mh.println(`Changing password for ${name}.`);
    const first = readPassword('New password: ');
    if (first === null) return 1;
    const again = readPassword('Retype new password: ');
    if (again === null) return 1;
    if (first !== again) {
      mh.eprintln('passwd: passwords do not match; password unchanged');
      return 1;
    }
    hash = newHash(first);
  }
  let entries: ShadowEntry[];
  try {
    entries = parseShadow(mh.readText(SHADOW));
  } catch {
    entries = [];
  }
  const at = entries.findIndex((e) => e.name === name);
  if (at >= 0) entries[at] = { name, hash };
  else entries.push({ name, hash });
  const tmp = `${SHADOW}.new`;
  try {
    mh.writeFile(tmp, formatShadow(entries), 0o600);
    mh.chmod(tmp, 0o600);
    mh.rename(tmp, SHADOW);
  } catch (e) {
    mh.eprintln(`passwd: cannot write ${SHADOW}: ${(e as Error).message}`);
    return 1;
  }
  mh.println(`passwd: password ${action === 'set' ? 'updated' : action === 'delete' ? 'removed' : 'locked'} for ${name}`);
  return 0;
}
