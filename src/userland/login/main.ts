// login: asks for a user name and password on the console, checks the password against the
// salted hash in /etc/shadow, and becomes that user's shell (ids, home, environment).
//
//   login            ask for the name, then the password (none asked if the account has none)
//   login NAME       ask only for NAME's password
//   login -f NAME    no questions: NAME is already known (the configuration's autologin);
//                    only root may do this, as with login -f on Unix
//   login -c CMD     run CMD through root's shell: `macrohard boot -c` on an image whose
//                    console is login (init hands the console program `-c CMD`)
//
// A wrong name or password says "Login incorrect" after a short pause and asks again; the end
// of input at the name prompt ends login with status 1 (init then powers off or respawns it,
// as the image's console.on_exit says).

import * as mh from 'libmh';
import { checkPassword, readLine, readPassword, startSession, storedHash, userByName } from './account.js';

const FAIL_DELAY_MS = 300;

function hostname(): string {
  try {
    return mh.readText('/etc/hostname').trim() || 'macrohard';
  } catch {
    return 'macrohard';
  }
}

function motd(): void {
  try {
    mh.write(1, mh.readText('/etc/motd'));
  } catch {
    // no message of the day
  }
}

export function main(argv: string[]): number {
  let name: string | undefined;
  let trusted = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-c') {
      const cmd = argv[i + 1];
      if (cmd === undefined) return usage();
      const root = userByName('root') ?? { name: 'root', uid: 0, gid: 0, gecos: '', home: '/root', shell: '/bin/sh' };
      // The command's output is all the caller wants: no banner, and the environment as given.
      startSession(root, { command: cmd, keepEnv: true, keepCwd: true });
    } else if (a === '-f') {
      trusted = true;
      name = argv[++i];
      if (!name) return usage();
    } else if (a.startsWith('-')) return usage();
    else name = a;
  }
  if (trusted) {
    if (mh.getuid() !== 0) {
      mh.eprintln('login: -f: permission denied (only root may log a user in without a password)');
      return 1;
    }
    const user = userByName(name!);
    if (!user) {
      mh.eprintln(`login: no such user: ${name}`);
      return 1;
    }
    motd();
    startSession(user);
  }
  for (;;) {
    let who = name;
    name = undefined;
    if (who === undefined) {
      mh.write(1, `\n${hostname()} login: `);
      const line = readLine(0);
      if (line === null) return 1;
      who = line.trim();
      if (who === '') continue;
    }
    const user = userByName(who);
    const stored = storedHash(who);
    if (stored instanceof Error) {
      mh.eprintln(`login: cannot read the password file: ${stored.message}`);
      return 1;
    }
    // An account with no password logs in at once; any other asks, even for an unknown name,
    // so that the prompt does not tell which names exist.
    let ok = false;
    if (user && stored === '') ok = true;
    else {
      const pw = readPassword('Password: ');
      if (pw === null) return 1;
      ok = user !== undefined && checkPassword(who, pw);
    }
    if (ok && user) {
      motd();
      startSession(user);
    }
    mh.sleep(FAIL_DELAY_MS);
    mh.eprintln('Login incorrect');
  }
}

function usage(): number {
  mh.eprintln('usage: login [-f NAME | NAME | -c COMMAND]');
  return 2;
}
