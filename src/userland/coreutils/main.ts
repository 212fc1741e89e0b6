// coreutils: the multi-call program behind ls, cat, grep, ps and the other everyday tools.
// It runs the applet named by its argv[0]'s basename (each name is a link to this program in
// the boot image), or the one named by its first argument (`coreutils ls -l`). `coreutils
// --list` prints the names. Every applet returns its exit status; main turns a usage error
// into `NAME: message` plus the usage line (status 1, or 2 where GNU uses 2), and an error an
// applet did not handle into `NAME: message` with status 1. Standard output is buffered and
// flushed when the applet returns.

import * as mh from 'libmh';
import { APPLETS, type AppletName } from './applets.js';
import { type Applet, baseName, errText, Failure, out, setProg, UsageError, warn } from './common.js';
import { lsApplets } from './ls.js';
import { simpleApplets } from './simple.js';
import { textApplets } from './text.js';
import { sortApplets } from './sort.js';
import { cutApplets } from './cut.js';
import { grepApplets } from './grep.js';
import { sedApplets } from './sed.js';
import { fileApplets } from './files.js';
import { statApplets } from './stat.js';
import { findApplets } from './find.js';
import { diskApplets } from './disk.js';
import { permApplets } from './perm.js';
import { procApplets } from './procs.js';
import { sysApplets } from './system.js';
import { powerApplets } from './power.js';

const table = {
  ...lsApplets, ...simpleApplets, ...textApplets, ...sortApplets, ...cutApplets, ...grepApplets,
  ...sedApplets, ...fileApplets, ...statApplets, ...findApplets, ...diskApplets, ...permApplets,
  ...procApplets, ...sysApplets, ...powerApplets,
} satisfies Record<AppletName, Applet>;

function isApplet(name: string): name is AppletName {
  return (APPLETS as readonly string[]).includes(name);
}

export function runApplet(name: AppletName, args: string[]): number {
  const applet: Applet = table[name];
  setProg(name);
  try {
    if (args[0] === '--help' && name !== 'echo' && name !== 'printf') {
      out.line(`Usage: ${name} ${applet.usage}`);
      return 0;
    }
    return applet.run(args);
  } catch (e) {
    if (e instanceof UsageError) {
      warn(e.message);
      try {
        mh.write(2, `Usage: ${name} ${applet.usage}\n`);
      } catch {
        // stderr closed
      }
      return applet.usageStatus ?? 1;
    }
    if (e instanceof Failure) {
      warn(e.message);
      return e.status;
    }
    if (e instanceof mh.MhError || e instanceof SyntaxError) {
      warn(errText(e));
      return 1;
    }
    throw e;
  } finally {
    try {
      out.flush();
    } catch {
      // stdout closed under us (EPIPE): nothing left to say
    }
  }
}

export function main(argv: string[]): number {
  const called = baseName(argv[0] ?? 'coreutils');
  if (isApplet(called)) return runApplet(called, argv.slice(1));
  {
    const args = argv.slice(1);
    const sub = args[0];
    if (sub === undefined || sub === '--help' || sub === '--list') {
      const text = sub === '--list' ? APPLETS.join('\n') : `Usage: coreutils APPLET [ARG]...\napplets: ${APPLETS.join(' ')}`;
      mh.write(sub === undefined ? 2 : 1, text + '\n');
      return sub === undefined ? 1 : 0;
    }
    if (!isApplet(sub)) {
      mh.write(2, `coreutils: ${sub}: applet not found\n`);
      return 127;
    }
    return runApplet(sub, args.slice(1));
  }
}
