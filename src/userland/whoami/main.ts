// whoami: prints the name of the effective user (its number when /etc/passwd has no name for it).

import * as mh from 'libmh';
import { userById } from '../login/account.js';

export function main(argv: string[]): number {
  if (argv.length > 1) {
    mh.eprintln('usage: whoami');
    return 2;
  }
  const uid = mh.geteuid();
  mh.println(userById(uid)?.name ?? String(uid));
  return 0;
}
