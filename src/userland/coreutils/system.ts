// date and uname. date prints or formats the time (UTC: MACROHARD has no time zone database
// yet), parses -d strings (format.ts's parseDate), shows a file's time with -r, and has
// GNU's -R and -I forms; setting the clock is refused, as it is for a user on Linux. uname
// names the system: MACROHARD, its release, the node name from /etc/hostname.

import * as mh from 'libmh';
import { type Applet, getopts, out, quote, UsageError, warn, decode } from './common.js';
import { parseDate as parseDateAt, strftime } from './format.js';

/** This release of MACROHARD, as uname -r reports it (kept with package.json's version). */
export const RELEASE = '0.1.0';

/** Parses a date string relative to now; a usage error if it is not one. */
export function parseDate(text: string): number {
  const ms = parseDateAt(text, mh.now());
  if (Number.isNaN(ms)) throw new UsageError(`invalid date ${quote(text)}`);
  return ms;
}

function hostname(): string {
  try {
    return decode(mh.readFile('/etc/hostname')).trim() || 'macrohard';
  } catch {
    return 'macrohard';
  }
}

export const sysApplets = {
  date: {
    usage: '[-uR] [-d STRING] [-r FILE] [-I[FMT]] [+FORMAT]',
    run(args) {
      const p = getopts(args, { short: 'd:I::r:Ru', long: { date: 'd', reference: 'r', 'rfc-email': 'R', utc: 'u', universal: 'u', 'iso-8601': { key: 'I', arg: 'optional' }, 'rfc-3339': { key: 'rfc3339', arg: 'required' } } });
      let ms = mh.now();
      if (p.get('d') !== undefined) ms = parseDate(p.get('d')!);
      if (p.get('r') !== undefined) ms = mh.stat(p.get('r')!).mtimeMs;
      let fmt = '%a %b %e %H:%M:%S %Z %Y';
      const ops = p.operands;
      if (p.has('R')) fmt = '%a, %d %b %Y %H:%M:%S %z';
      if (p.has('I')) {
        const kind = p.get('I') || 'date';
        const forms: Record<string, string> = { date: '%Y-%m-%d', hours: '%Y-%m-%dT%H%:z', minutes: '%Y-%m-%dT%H:%M%:z', seconds: '%Y-%m-%dT%H:%M:%S%:z', ns: '%Y-%m-%dT%H:%M:%S,%N%:z' };
        if (!forms[kind]) throw new UsageError(`invalid argument ${quote(kind)} for '--iso-8601'`);
        fmt = forms[kind]!;
      }
      if (p.get('rfc3339') !== undefined) {
        const forms: Record<string, string> = { date: '%Y-%m-%d', seconds: '%Y-%m-%d %H:%M:%S%:z', ns: '%Y-%m-%d %H:%M:%S.%N%:z' };
        fmt = forms[p.get('rfc3339')!] ?? (() => { throw new UsageError(`invalid argument ${quote(p.get('rfc3339')!)} for '--rfc-3339'`); })();
      }
      if (ops.length > 1) throw new UsageError(`extra operand ${quote(ops[1]!)}`);
      if (ops.length === 1) {
        if (!ops[0]!.startsWith('+')) {
          warn('cannot set date: Operation not permitted');
          return 1;
        }
        fmt = ops[0]!.slice(1);
      }
      out.line(strftime(fmt, ms));
      return 0;
    },
  },
  uname: {
    usage: '[-amnoprsv]',
    run(args) {
      const p = getopts(args, { short: 'ainmoprsv', long: { all: 'a', 'kernel-name': 's', nodename: 'n', 'kernel-release': 'r', 'kernel-version': 'v', machine: 'm', processor: 'p', 'hardware-platform': 'i', 'operating-system': 'o' } });
      if (p.operands.length) throw new UsageError(`extra operand ${quote(p.operands[0]!)}`);
      const all = p.has('a');
      const parts: string[] = [];
      const want = (c: string): boolean => all || p.has(c);
      if (want('s') || p.list.length === 0) parts.push('MACROHARD');
      if (want('n')) parts.push(hostname());
      if (want('r')) parts.push(RELEASE);
      if (want('v')) parts.push('#1');
      if (want('m')) parts.push('js');
      if (p.has('p')) parts.push('unknown');
      if (p.has('i')) parts.push('unknown');
      if (want('o')) parts.push('MACROHARD');
      out.line(parts.join(' '));
      return 0;
    },
  },
} satisfies Record<string, Applet>;
