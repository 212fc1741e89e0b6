// sandbox: runs a command with a narrowed namespace and syscall filter.
//   sandbox [-s SCHEME,...] [-c SYSCALL,...] [--no-spawn] [--] COMMAND [ARG...]
// -s lists the schemes the command may open by path (default: none but what it needs to
// start: its standard streams are inherited as held descriptors); -c lists the syscalls it may
// make (default: all). Both only narrow what sandbox itself has.

import * as mh from 'libmh';
import { Sys, type SysName } from '../../abi/syscall.js';

const USAGE = 'usage: sandbox [-s SCHEME,...] [-c SYSCALL,...] [--] COMMAND [ARG...]';

export function main(argv: string[]): number {
  let schemes: string[] = [];
  let calls: SysName[] | undefined;
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (a === '-s' || a === '-c') {
      const v = argv[++i];
      if (v === undefined) return usage(`${a} needs a list`);
      const list = v.split(',').filter(Boolean);
      if (a === '-s') schemes = list;
      else {
        const bad = list.filter((n) => !(n in Sys));
        if (bad.length) return usage(`no such syscall: ${bad.join(', ')}`);
        calls = list as SysName[];
      }
    } else if (a.startsWith('-')) return usage(`unknown option ${a}`);
    else break;
  }
  const cmd = argv.slice(i);
  if (cmd.length === 0) return usage('no command');
  const path = resolve(cmd[0]!);
  if (!path) {
    mh.eprintln(`sandbox: ${cmd[0]}: command not found`);
    return 127;
  }
  try {
    const pid = mh.spawn(path, cmd, { ns: schemes, filter: calls, fds: [[0, 0], [1, 1], [2, 2]] });
    return mh.wait(pid);
  } catch (e) {
    mh.eprintln(`sandbox: ${cmd[0]}: ${e instanceof mh.MhError ? e.message : String(e)}`);
    return 126;
  }
}

function resolve(name: string): string | null {
  if (name.includes('/') || name.includes(':')) return name;
  for (const dir of (mh.getenv('PATH') ?? '/bin').split(':')) {
    const p = `${dir}/${name}`;
    if (mh.exists(p)) return p;
  }
  return null;
}

function usage(msg: string): number {
  mh.eprintln(`sandbox: ${msg}\n${USAGE}`);
  return 2;
}
