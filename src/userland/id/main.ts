// id: prints user and group identities, as GNU id does.
//
//   id [USER]         uid=1000(user) gid=1000(user) groups=1000(user),100(users)
//   id -u|-g|-G [-n] [USER]   just the user id, the group id or all group ids (-n: names)
//
// Without USER it describes this process (its effective ids, and the groups /etc/group lists
// for its user, since the kernel keeps no supplementary groups of its own yet).

import * as mh from 'libmh';
import { Sys } from '../../abi/syscall.js';
import { groupById, groups, userById, userByName } from '../login/account.js';
import { groupsOf, type PasswdEntry } from '../login/users.js';

function usage(): number {
  mh.eprintln('usage: id [-u | -g | -G] [-n] [USER]');
  return 2;
}

export function main(argv: string[]): number {
  let what: 'all' | 'u' | 'g' | 'G' = 'all';
  let names = false;
  let who: string | undefined;
  for (const a of argv.slice(1)) {
    if (a.startsWith('-') && a.length > 1) {
      for (const c of a.slice(1)) {
        if (c === 'u' || c === 'g' || c === 'G') what = c;
        else if (c === 'n') names = true;
        else return usage();
      }
    } else if (who === undefined) who = a;
    else return usage();
  }
  if (names && what === 'all') {
    mh.eprintln('id: cannot print only names or real IDs in default format');
    return 1;
  }
  let uid: number;
  let gid: number;
  let user: PasswdEntry | undefined;
  if (who !== undefined) {
    user = userByName(who) ?? (/^\d+$/.test(who) ? userById(Number(who)) : undefined);
    if (!user) {
      mh.eprintln(`id: '${who}': no such user`);
      return 1;
    }
    uid = user.uid;
    gid = user.gid;
  } else {
    uid = mh.geteuid();
    gid = mh.syscall(Sys.getegid).result;
    user = userById(uid);
  }
  const gname = (g: number): string => groupById(g)?.name ?? String(g);
  const all = [gid, ...(user ? groupsOf(user, groups()).map((g) => g.gid) : [])].filter((g, i, a) => a.indexOf(g) === i);
  if (what === 'u') mh.println(names ? (user?.name ?? String(uid)) : String(uid));
  else if (what === 'g') mh.println(names ? gname(gid) : String(gid));
  else if (what === 'G') mh.println(all.map((g) => (names ? gname(g) : String(g))).join(' '));
  else {
    const u = user ? `${uid}(${user.name})` : String(uid);
    const show = (g: number): string => (groupById(g) ? `${g}(${gname(g)})` : String(g));
    mh.println(`uid=${u} gid=${show(gid)} groups=${all.map(show).join(',')}`);
  }
  return 0;
}
