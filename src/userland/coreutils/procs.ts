// Process and system-state applets over the kernel's sys: scheme — kill (-s, -SIG, -l),
// ps (BusyBox's all-processes table by default; -f, -o FIELDS, -p, -u), top (a batch snapshot:
// there is no terminal to redraw, so -n counts snapshots and -d spaces them), free, uptime,
// dmesg. /scheme/sys/proc's TIME is seconds since the process started: ps and top show it as
// TIME, since MACROHARD does not yet account CPU time per process.

import * as mh from 'libmh';
import { Sig, signalName } from '../../abi/signal.js';
import { type Applet, getopts, out, quote, UsageError, warn, errText, userName, userId, decode, terminalWidth } from './common.js';
import { humanSize, strftime } from './format.js';
import { intArg } from './getopt.js';
import { KeyInput } from './tty.js';

export interface ProcRow {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  uid: number;
  gid: number;
  state: string;
  mem: number;
  calls: number;
  time: number;
  cmd: string;
}

/** Parses /scheme/sys/proc: a header, then one process per line with CMD last. */
export function parseProcTable(text: string): ProcRow[] {
  return text.split('\n').slice(1).filter(Boolean).map((l) => {
    const f = l.split(' ');
    return {
      pid: Number(f[0]), ppid: Number(f[1]), pgid: Number(f[2]), sid: Number(f[3]), uid: Number(f[4]), gid: Number(f[5]),
      state: f[6]!, mem: Number(f[7]), calls: Number(f[8]), time: Number(f[9]), cmd: f.slice(10).join(' '),
    };
  });
}

function procs(): ProcRow[] {
  return parseProcTable(decode(mh.readFile('/scheme/sys/proc')));
}

const STAT: Record<string, string> = { running: 'R', sleeping: 'S', stopped: 'T', zombie: 'Z', starting: 'D' };

function clock(secs: number): string {
  const s = Math.floor(secs);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}` : `${m}:${String(s % 60).padStart(2, '0')}`;
}

const FIELDS: Record<string, { head: string; left?: boolean; get: (r: ProcRow) => string }> = {
  pid: { head: 'PID', get: (r) => String(r.pid) },
  ppid: { head: 'PPID', get: (r) => String(r.ppid) },
  pgid: { head: 'PGID', get: (r) => String(r.pgid) },
  sid: { head: 'SID', get: (r) => String(r.sid) },
  uid: { head: 'UID', get: (r) => String(r.uid) },
  gid: { head: 'GID', get: (r) => String(r.gid) },
  user: { head: 'USER', left: true, get: (r) => userName(r.uid) },
  stat: { head: 'STAT', left: true, get: (r) => STAT[r.state] ?? '?' },
  state: { head: 'S', left: true, get: (r) => STAT[r.state] ?? '?' },
  rss: { head: 'RSS', get: (r) => String(Math.ceil(r.mem / 1024)) },
  mem: { head: 'MEM', get: (r) => humanSize(r.mem) },
  calls: { head: 'CALLS', get: (r) => String(r.calls) },
  time: { head: 'TIME', get: (r) => clock(r.time) },
  etime: { head: 'ELAPSED', get: (r) => clock(r.time) },
  comm: { head: 'COMMAND', left: true, get: (r) => (r.cmd.split(' ')[0] ?? '').split('/').pop()! },
  cmd: { head: 'CMD', left: true, get: (r) => r.cmd },
  args: { head: 'COMMAND', left: true, get: (r) => r.cmd },
};

function table(rows: ProcRow[], fields: string[], headers: boolean): void {
  const cells = rows.map((r) => fields.map((f) => FIELDS[f]!.get(r)));
  const head = fields.map((f) => FIELDS[f]!.head);
  const all = headers ? [head, ...cells] : cells;
  const w = fields.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  for (const r of all) {
    out.line(r.map((c, i) => (i === r.length - 1 ? c : FIELDS[fields[i]!]!.left ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(' ').trimEnd());
  }
}

function psRun(args: string[]): number {
  // BSD-style words (`ps aux`) mean "everything, user-oriented": accept them as GNU ps does.
  const bsd = args.length > 0 && /^[auxwe]+$/.test(args[0]!);
  const p = getopts(bsd ? args.slice(1) : args, { short: 'Aefo:p:u:', long: { 'no-headers': 'no-headers', format: 'o', pid: 'p', user: 'u' } });
  if (p.operands.length) throw new UsageError(`unsupported operand ${quote(p.operands[0]!)}`);
  let rows = procs();
  if (p.has('p')) {
    const want = p.all('p').flatMap((v) => v.split(/[ ,]/)).filter(Boolean).map((v) => intArg(v, 'process ID list'));
    rows = rows.filter((r) => want.includes(r.pid));
  }
  if (p.has('u')) {
    const want = p.all('u').flatMap((v) => v.split(',')).map((u) => userId(u));
    rows = rows.filter((r) => want.includes(r.uid));
  }
  let fields = ['pid', 'user', 'time', 'args'];
  if (p.has('f')) fields = ['user', 'pid', 'ppid', 'pgid', 'stat', 'time', 'cmd'];
  if (bsd) fields = ['user', 'pid', 'stat', 'rss', 'calls', 'time', 'args'];
  if (p.has('o')) {
    fields = p.all('o').flatMap((v) => v.split(/[ ,]/)).filter(Boolean);
    for (const f of fields) if (!FIELDS[f]) throw new UsageError(`unknown user-defined format specifier ${quote(f)}`);
  }
  table(rows, fields, !p.has('no-headers'));
  const selected = p.has('p') || p.has('u');
  return selected && rows.length === 0 ? 1 : 0;
}

function meminfo(): Record<string, number> {
  const r: Record<string, number> = {};
  for (const l of decode(mh.readFile('/scheme/sys/meminfo')).split('\n')) {
    const m = /^(\w+):\s*(\d+)/.exec(l);
    if (m) r[m[1]!] = Number(m[2]);
  }
  return r;
}

function uptimeSecs(): number {
  return Number(decode(mh.readFile('/scheme/sys/uptime')).trim());
}

/** GNU's uptime duration: `N days, H:MM` or `M min`. */
export function upText(secs: number): string {
  const days = Math.floor(secs / 86400);
  const h = Math.floor((secs % 86400) / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const d = days ? `${days} day${days > 1 ? 's' : ''}, ` : '';
  return d + (h ? `${String(h).padStart(2)}:${String(m).padStart(2, '0')}` : `${m} min`);
}

function summary(rows: ProcRow[]): string {
  const n = (s: string) => rows.filter((r) => r.state === s).length;
  return `${rows.length} processes: ${n('running')} running, ${n('sleeping')} sleeping, ${n('stopped')} stopped, ${n('zombie')} zombie`;
}

function topRun(args: string[]): number {
  const p = getopts(args, { short: 'bd:n:p:', long: { batch: 'b', delay: 'd', iterations: 'n', pid: 'p' } });
  // On a terminal (and without -b or -n), redraw the screen until q or ^C; otherwise print
  // snapshots.
  const tty = p.has('b') ? null : terminalWidth(1);
  const iterations = p.get('n') !== undefined ? intArg(p.get('n')!, 'iterations') : tty !== null ? Infinity : 1;
  const delay = Number(p.get('d') ?? '3') * 1000;
  if (!(delay >= 0)) throw new UsageError(`bad delay interval ${quote(p.get('d')!)}`);
  const only = p.has('p') ? p.all('p').flatMap((v) => v.split(',')).map(Number) : null;
  const keys = tty !== null ? KeyInput.open(0) : null;
  let stop = false;
  if (keys) mh.signal(mh.Sig.SIGINT, () => void (stop = true));
  try {
    snapshots(iterations, delay, tty, only, keys, () => stop);
  } finally {
    keys?.restore();
  }
  if (tty !== null) out.write('\n');
  return 0;
}

/** Waits `ms`, watching for q; false when it is time to stop. */
function pause(ms: number, keys: KeyInput | null, stopped: () => boolean): boolean {
  const end = mh.now() + ms;
  for (;;) {
    if (stopped() || (keys && /[qQ]/.test(keys.poll()))) return false;
    const left = end - mh.now();
    if (left <= 0) return true;
    mh.sleep(keys ? Math.min(left, 50) : left);
  }
}

function snapshots(iterations: number, delay: number, tty: number | null, only: number[] | null, keys: KeyInput | null, stopped: () => boolean): void {
  let prev = new Map<number, number>();
  for (let i = 0; i < iterations; i++) {
    if (i > 0) {
      out.flush();
      if (!pause(delay, keys, stopped)) return;
      if (tty === null) out.line('');
    }
    if (tty !== null) out.write('\x1b[H\x1b[2J');
    let rows = procs();
    if (only) rows = rows.filter((r) => only.includes(r.pid));
    const mem = meminfo();
    out.line(`top - ${strftime('%H:%M:%S', mh.now())} up ${upText(uptimeSecs())},  ${summary(rows)}`);
    out.line(`Mem: ${humanSize(mem.HostRss ?? 0)} host, ${humanSize(mem.HostHeapUsed ?? 0)} heap, ${humanSize(mem.ProcessBytes ?? 0)} processes, ${mem.PipeRings ?? 0} pipe rings`);
    out.line('');
    // Busiest first: syscalls since the last snapshot (or in all), then memory.
    const delta = (r: ProcRow): number => r.calls - (prev.get(r.pid) ?? (i === 0 ? 0 : r.calls));
    rows.sort((a, b) => delta(b) - delta(a) || b.mem - a.mem || a.pid - b.pid);
    const cells = rows.map((r) => [String(r.pid), userName(r.uid), STAT[r.state] ?? '?', humanSize(r.mem), String(delta(r)), clock(r.time), r.cmd]);
    const head = ['PID', 'USER', 'S', 'MEM', 'CALLS', 'TIME', 'COMMAND'];
    const all = [head, ...cells];
    const w = head.map((_, k) => Math.max(...all.map((r) => r[k]!.length)));
    for (const r of all) {
      const line = r.map((c, k) => (k === r.length - 1 ? c : k === 1 || k === 2 ? c.padEnd(w[k]!) : c.padStart(w[k]!))).join(' ');
      out.line(tty !== null ? line.slice(0, tty) : line);
    }
    prev = new Map(rows.map((r) => [r.pid, r.calls]));
  }
}

function killRun(args: string[]): number {
  let sig: number = Sig.SIGTERM;
  let i = 0;
  const sigNum = (name: string): number => {
    if (/^\d+$/.test(name)) return Number(name);
    const n = name.toUpperCase().replace(/^SIG/, '');
    const v = (Sig as Record<string, number>)[`SIG${n}`];
    if (v === undefined) throw new UsageError(`${quote(name)}: invalid signal specification`);
    return v;
  };
  if (args[0] === '-l' || args[0] === '-L' || args[0] === '--list') {
    if (args.length > 1) {
      for (const a of args.slice(1)) out.line(/^\d+$/.test(a) ? signalName(Number(a) > 128 ? Number(a) - 128 : Number(a)).replace(/^SIG/, '') : String(sigNum(a)));
    } else {
      const names = Object.entries(Sig).map(([k, v]) => `${String(v).padStart(2)}) ${k}`);
      for (let k = 0; k < names.length; k += 5) out.line(names.slice(k, k + 5).join('\t'));
    }
    return 0;
  }
  if (args[0] === '-s' || args[0] === '-n') {
    if (args[1] === undefined) throw new UsageError(`option requires an argument -- '${args[0]![1]}'`);
    sig = sigNum(args[1]);
    i = 2;
  } else if (args.length > 1 && /^-([A-Za-z][A-Za-z0-9+-]*|\d+)$/.test(args[0]!)) {
    sig = sigNum(args[0]!.slice(1));
    i = 1;
  }
  if (args[i] === '--') i++;
  const pids = args.slice(i);
  if (pids.length === 0) throw new UsageError('not enough arguments');
  let ok = true;
  for (const a of pids) {
    if (!/^-?\d+$/.test(a)) {
      warn(`${quote(a)}: arguments must be process or job IDs`);
      ok = false;
      continue;
    }
    try {
      mh.kill(Number(a), sig);
    } catch (e) {
      warn(`(${a}) - ${errText(e)}`);
      ok = false;
    }
  }
  return ok ? 0 : 1;
}

export const procApplets = {
  kill: { usage: '[-s SIGNAL | -SIGNAL] PID... | -l [SIGNAL]...', run: killRun },
  ps: { usage: '[-Aef] [-o FIELD,...] [-p PID,...] [-u USER,...] [aux]', run: psRun },
  top: { usage: '[-b] [-n COUNT] [-d SECS] [-p PID,...]', run: topRun },
  free: {
    usage: '[-bkmgh]',
    run(args) {
      const p = getopts(args, { short: 'bkmgh', long: { bytes: 'b', kibi: 'k', mebi: 'm', gibi: 'g', human: 'h' } });
      const m = meminfo();
      const total = m.HostRss ?? 0;
      const used = Math.min(total, (m.HostHeapUsed ?? 0) + (m.ProcessBytes ?? 0));
      const div = p.has('b') ? 1 : p.has('m') ? 1048576 : p.has('g') ? 1073741824 : 1024;
      const f = (n: number): string => (p.has('h') ? humanSize(n) : String(Math.floor(n / div)));
      const rows = [['', 'total', 'used', 'free', 'shared', 'buff/cache', 'available'], ['Mem:', f(total), f(used), f(total - used), '0', '0', f(total - used)], ['Swap:', '0', '0', '0']];
      for (const r of rows) out.line(r.map((c, i) => (i === 0 ? c.padEnd(7) : c.padStart(i === 1 ? 8 : 11))).join(' ').trimEnd());
      return 0;
    },
  },
  uptime: {
    usage: '[-ps]',
    run(args) {
      const p = getopts(args, { short: 'ps', long: { pretty: 'p', since: 's' } });
      const up = uptimeSecs();
      if (p.has('s')) out.line(strftime('%Y-%m-%d %H:%M:%S', mh.now() - up * 1000));
      else if (p.has('p')) {
        const m = Math.floor(up / 60);
        const parts = [[Math.floor(m / 1440), 'day'], [Math.floor((m % 1440) / 60), 'hour'], [m % 60, 'minute']] as const;
        const shown = parts.filter(([n]) => n > 0).map(([n, u]) => `${n} ${u}${n === 1 ? '' : 's'}`);
        out.line(`up ${shown.length ? shown.join(', ') : '0 minutes'}`);
      } else out.line(` ${strftime('%H:%M:%S', mh.now())} up ${upText(up)},  ${procs().length} processes`);
      return 0;
    },
  },
  dmesg: {
    usage: '[-krt]',
    run(args) {
      const p = getopts(args, { short: 'krt', long: { kernel: 'k', raw: 'r', notime: 't' } });
      const log = decode(mh.readFile('/scheme/sys/log'));
      // -t drops the `[seconds]` stamp; every line is the kernel's, so -k and -r change nothing.
      out.write(p.has('t') ? log.replace(/^\[[ \d.]+\] /gm, '') : log);
      return 0;
    },
  },
} satisfies Record<string, Applet>;
