// su: runs a shell (or one command) as another user, root by default.
//
//   su [-] [-l] [USER] [-c COMMAND]
//
// Root changes to anyone without a password. Anyone else is asked for the target user's
// password; checking it needs /etc/shadow and changing ids needs root, and the kernel does not
// honour set-user-id programs yet, so for now su from an ordinary user says so and fails
// (docs/build.md, "Users"). `-` or `-l` starts a login shell: the target's HOME, USER, SHELL
// and home directory; without it the environment is kept, with USER and HOME still changed
// for root as su on Linux does.

import * as mh from 'libmh';
import { checkPassword, readPassword, startSession, storedHash, userByName } from '../login/account.js';

function usage(): number {
  mh.eprintln('usage: su [-] [-l] [USER] [-c COMMAND]');
  return 2;
}

export function main(argv: string[]): number {
  let name = 'root';
  let login = false;
  let command: string | undefined;
  let named = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-' || a === '-l' || a === '--login') login = true;
    else if (a === '-c' || a === '--command') {
      command = argv[++i];
      if (command === undefined) return usage();
    } else if (a.startsWith('-')) return usage();
    else if (!named) {
      name = a;
      named = true;
    } else return usage();
  }
  const user = userByName(name);
  if (!user) {
    mh.eprintln(`su: user ${name} does not exist`);
    return 1;
  }
  // Who asks is the real uid: once su can be installed set-user-id root, the effective uid
  // will be 0 for everyone, and only a real root may skip the password.
  if (mh.getuid() !== 0) {
    const stored = storedHash(name);
    if (stored instanceof Error) {
      mh.eprintln('su: cannot read the password file: su must be installed set-user-id root');
      return 1;
    }
    if (stored !== '') {
      const pw = readPassword('Password: ');
      if (pw === null || !checkPassword(name, pw)) {
        mh.sleep(300);
        mh.eprintln('su: Authentication failure');
        return 1;
      }
    }
  }
  if (!login) {
    mh.setenv('HOME', user.home || '/');
    mh.setenv('USER', user.name);
    mh.setenv('LOGNAME', user.name);
  }
  try {
    startSession(user, { command, keepEnv: !login, keepCwd: !login });
  } catch (e) {
    mh.eprintln(`su: ${(e as Error).message}`);
    return 1;
  }
}
