// The small applets: echo, printf, pwd, basename, dirname, true, false, yes, sleep, seq, env,
// which, clear. Each follows GNU coreutils: echo takes -n/-e/-E only as leading words made of
// those letters; printf reuses its format while arguments remain; seq prints with the
// precision of FIRST and INCREMENT; env replaces itself with the command (exec), so the command
// keeps env's pid as it does on Linux.

import * as mh from 'libmh';
import { APPLETS } from './applets.js';
import { type Applet, getopts, out, resolveCommand, UsageError, warn, which, quote } from './common.js';
import { printf, unescape } from './printf.js';

/** dirname(1)'s rule: strip trailing slashes, the last component, then slashes again. */
export function dirName(p: string): string {
  if (p === '') return '.';
  let t = p.replace(/\/+$/, '');
  if (t === '') return '/';
  const i = t.lastIndexOf('/');
  if (i < 0) return '.';
  t = t.slice(0, i).replace(/\/+$/, '');
  return t === '' ? '/' : t;
}

function baseWithSuffix(p: string, suffix: string): string {
  let t = p.replace(/\/+$/, '');
  if (t === '') return p === '' ? '' : '/';
  t = t.slice(t.lastIndexOf('/') + 1);
  if (suffix && t !== suffix && t.endsWith(suffix)) t = t.slice(0, -suffix.length);
  return t;
}

function fracDigits(s: string): number {
  const m = /\.(\d*)/.exec(s);
  return /e/i.test(s) ? 0 : m ? m[1]!.length : 0;
}

function seqNumber(s: string): number {
  const t = s.trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) && !/^[-+]?0x[0-9a-f]+$/i.test(t)) throw new UsageError(`invalid floating point argument: ${quote(s)}`);
  return Number(t);
}

function seqRun(args: string[]): number {
  const p = getopts(args, { short: 'f:s:w', long: { format: 'f', separator: 's', 'equal-width': 'w' }, negativeNumbers: true });
  const ops = p.operands;
  if (ops.length < 1) throw new UsageError('missing operand');
  if (ops.length > 3) throw new UsageError(`extra operand ${quote(ops[3]!)}`);
  const first = ops.length > 1 ? ops[0]! : '1';
  const step = ops.length > 2 ? ops[1]! : '1';
  const last = ops[ops.length - 1]!;
  const a = seqNumber(first), inc = seqNumber(step), z = seqNumber(last);
  if (inc === 0) throw new UsageError(`invalid Zero increment value: ${quote(step)}`);
  const prec = Math.max(fracDigits(first), fracDigits(step));
  const fmt = p.get('f');
  const sep = p.get('s') ?? '\n';
  const render = (v: number): string => (fmt !== undefined ? printf(fmt, [String(v)]).text : v.toFixed(prec));
  let width = 0;
  if (p.has('w')) width = Math.max(render(a).length, render(a + inc * Math.floor((z - a) / inc)).length);
  const parts: string[] = [];
  for (let i = 0; ; i++) {
    const v = a + i * inc;
    if (inc > 0 ? v > z + 1e-10 * Math.abs(inc) : v < z - 1e-10 * Math.abs(inc)) break;
    let s = render(v);
    if (width) s = s.startsWith('-') ? '-' + s.slice(1).padStart(width - 1, '0') : s.padStart(width, '0');
    parts.push(s);
    if (parts.length >= 4096) {
      out.write(parts.join(sep) + sep);
      parts.length = 0;
    }
  }
  if (parts.length) out.write(parts.join(sep) + '\n');
  return 0;
}

function envRun(args: string[]): number {
  const p = getopts(args, { short: 'iu:0', long: { 'ignore-environment': 'i', unset: 'u', null: '0' }, inOrder: true });
  const env = p.has('i') ? {} : mh.env();
  for (const name of p.all('u')) delete env[name];
  let i = 0;
  const ops = p.operands;
  for (; i < ops.length && ops[i]!.includes('=') && !ops[i]!.startsWith('='); i++) {
    const eq = ops[i]!.indexOf('=');
    env[ops[i]!.slice(0, eq)] = ops[i]!.slice(eq + 1);
  }
  if (i >= ops.length) {
    const end = p.has('0') ? '\0' : '\n';
    for (const [k, v] of Object.entries(env)) out.write(`${k}=${v}${end}`);
    return 0;
  }
  const cmd = ops[i]!;
  const path = resolveCommand(cmd, APPLETS);
  if (!path) {
    warn(`${quote(cmd)}: No such file or directory`);
    return 127;
  }
  out.flush();
  try {
    mh.exec(path, ops.slice(i), { env });
  } catch (e) {
    // exec succeeded when this process's image is gone: that ending must pass through.
    if (!(e instanceof mh.MhError)) throw e;
    warn(`${quote(cmd)}: ${e.message.replace(/^.*: /, '')}`);
    return e.code === 'ENOENT' ? 127 : 126;
  }
}

function parseDuration(s: string): number {
  const m = /^(\d+\.?\d*|\.\d+|inf|infinity)([smhd]?)$/i.exec(s);
  if (!m) throw new UsageError(`invalid time interval ${quote(s)}`);
  const n = /^inf/i.test(m[1]!) ? Infinity : Number(m[1]);
  return n * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2]!.toLowerCase() as '' | 's' | 'm' | 'h' | 'd'];
}

export const simpleApplets = {
  true: { usage: '', run: () => 0 },
  false: { usage: '', run: () => 1 },

  echo: {
    usage: '[-neE] [STRING]...',
    run(args) {
      let newline = true;
      let escapes = false;
      let i = 0;
      for (; i < args.length && /^-[neE]+$/.test(args[i]!); i++) {
        for (const c of args[i]!.slice(1)) {
          if (c === 'n') newline = false;
          else escapes = c === 'e';
        }
      }
      let text = args.slice(i).join(' ');
      if (escapes) {
        const u = unescape(text, true);
        text = u.text;
        if (u.stopped) newline = false;
      }
      out.write(newline ? text + '\n' : text);
      return 0;
    },
  },

  printf: {
    usage: 'FORMAT [ARGUMENT]...',
    run(args) {
      if (args.length === 0) throw new UsageError('missing operand');
      const r = printf(args[0]!, args.slice(1));
      out.write(r.text);
      for (const e of r.errors) warn(e);
      return r.errors.length ? 1 : 0;
    },
  },

  pwd: {
    usage: '[-LP]',
    run(args) {
      getopts(args, { short: 'LP' });
      out.line(mh.getcwd());
      return 0;
    },
  },

  basename: {
    usage: 'NAME [SUFFIX] | -a [-s SUFFIX] [-z] NAME...',
    run(args) {
      const p = getopts(args, { short: 'as:z', long: { multiple: 'a', suffix: 's', zero: 'z' } });
      const ops = p.operands;
      if (ops.length === 0) throw new UsageError('missing operand');
      const end = p.has('z') ? '\0' : '\n';
      if (p.has('a') || p.has('s')) {
        for (const n of ops) out.write(baseWithSuffix(n, p.get('s') ?? '') + end);
        return 0;
      }
      if (ops.length > 2) throw new UsageError(`extra operand ${quote(ops[2]!)}`);
      out.write(baseWithSuffix(ops[0]!, ops[1] ?? '') + end);
      return 0;
    },
  },

  dirname: {
    usage: '[-z] NAME...',
    run(args) {
      const p = getopts(args, { short: 'z', long: { zero: 'z' } });
      if (p.operands.length === 0) throw new UsageError('missing operand');
      for (const n of p.operands) out.write(dirName(n) + (p.has('z') ? '\0' : '\n'));
      return 0;
    },
  },

  yes: {
    usage: '[STRING]...',
    run(args) {
      const line = (args.length ? args.join(' ') : 'y') + '\n';
      const block = new TextEncoder().encode(line.repeat(Math.max(1, Math.floor(8192 / line.length))));
      // Ends when the reader goes away: SIGPIPE, or EPIPE if that is ignored.
      for (;;) mh.write(1, block);
    },
  },

  sleep: {
    usage: 'NUMBER[SUFFIX]...',
    run(args) {
      if (args.length === 0) throw new UsageError('missing operand');
      let total = 0;
      for (const a of args) total += parseDuration(a);
      let left = total * 1000;
      const end = mh.now() + left;
      // Sleep in slices: a signal handler may cut a call short, and sleep must still last.
      while (left > 0) {
        mh.sleep(Math.min(left, 3600e3));
        left = end - mh.now();
      }
      return 0;
    },
  },

  seq: { usage: '[-w] [-s SEP] [-f FORMAT] [FIRST [INCREMENT]] LAST', run: seqRun },

  env: { usage: '[-i] [-0] [-u NAME] [NAME=VALUE]... [COMMAND [ARG]...]', usageStatus: 125, run: envRun },

  which: {
    usage: '[-a] COMMAND...',
    run(args) {
      const p = getopts(args, { short: 'a' });
      if (p.operands.length === 0) return 1;
      let status = 0;
      for (const name of p.operands) {
        const found = which(name, p.has('a'));
        if (found.length === 0) status = 1;
        for (const f of found) out.line(f);
      }
      return status;
    },
  },

  clear: {
    usage: '',
    run() {
      // What `clear` sends to an xterm-like terminal: home, erase screen, erase scrollback.
      out.write('\x1b[H\x1b[2J\x1b[3J');
      return 0;
    },
  },
} satisfies Record<string, Applet>;
