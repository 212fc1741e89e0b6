// shutdown, reboot, poweroff, halt: ask init (PID 1) to bring the system down. init powers
// off on SIGTERM and reboots on SIGINT (src/userland/init), stopping services and syncing
// first, so these applets only send the signal; like Linux's, they need root. shutdown takes
// -h/-P (power off, the default), -r (reboot), -k (announce only) and a time, of which only
// `now` (or +0) is meaningful without a clock daemon; a later time is refused.

import * as mh from 'libmh';
import { type Applet, getopts, out, quote, UsageError, warn, errText } from './common.js';

const INIT = 1;

function signalInit(sig: number, what: string): number {
  if (mh.geteuid() !== 0) {
    warn('must be superuser.');
    return 1;
  }
  try {
    mh.kill(INIT, sig);
  } catch (e) {
    warn(`cannot ${what}: ${errText(e)}`);
    return 1;
  }
  return 0;
}

function simple(name: string, sig: number, what: string): Applet {
  return {
    usage: '[-f] [-n]',
    run(args) {
      getopts(args, { short: 'dfnpw', long: { force: 'f', 'no-sync': 'n', 'no-wall': 'no-wall' } });
      return signalInit(sig, what);
    },
  };
}

export const powerApplets = {
  shutdown: {
    usage: '[-hPrk] [now | +0] [MESSAGE]',
    run(args) {
      const p = getopts(args, { short: 'HhPrkc', long: { halt: 'H', poweroff: 'P', reboot: 'r', 'no-wall': 'no-wall' } });
      const [when = 'now', ...message] = p.operands;
      if (p.has('c')) throw new UsageError('there is no pending shutdown to cancel');
      if (when !== 'now' && when !== '+0' && when !== '0') throw new UsageError(`only an immediate shutdown is supported, not ${quote(when)}`);
      const reboot = p.has('r');
      const text = `The system will ${reboot ? 'reboot' : 'power off'} now!${message.length ? ' ' + message.join(' ') : ''}`;
      if (p.has('k')) {
        out.line(text);
        return 0;
      }
      return signalInit(reboot ? mh.Sig.SIGINT : mh.Sig.SIGTERM, reboot ? 'reboot' : 'power off');
    },
  },
  reboot: simple('reboot', mh.Sig.SIGINT, 'reboot'),
  poweroff: simple('poweroff', mh.Sig.SIGTERM, 'power off'),
  halt: simple('halt', mh.Sig.SIGTERM, 'halt'),
} satisfies Record<string, Applet>;
