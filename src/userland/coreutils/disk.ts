// Space and mounts: du (disk usage of trees, -a -s -c -h -k -m -b -d/--max-depth
// --apparent-size; hard links counted once), df (space of each filesystem-serving scheme,
// -h -H -k -T), mount (lists the schemes this process can name, and where each is reached:
// MACROHARD has no mount table — `file` is the root, every other scheme lives under /scheme).

import * as mh from 'libmh';
import { type Applet, getopts, joinPath, listDir, out, UsageError, warn, errText, quote, decode } from './common.js';
import { humanSize, parseSize } from './format.js';
import { intArg } from './getopt.js';

interface DuOpts {
  all: boolean;
  summarize: boolean;
  maxDepth: number;
  apparent: boolean;
  show: (bytes: number) => string;
}

function duWalk(path: string, depth: number, o: DuOpts, seen: Set<string>, state: { failed: boolean }): number {
  let st: mh.Stat;
  try {
    st = mh.lstat(path);
  } catch (e) {
    warn(`cannot access ${quote(path)}: ${errText(e)}`);
    state.failed = true;
    return 0;
  }
  const id = `${st.dev}:${st.ino}`;
  if (st.nlink > 1 && (st.mode & mh.S.IFMT) !== mh.S.IFDIR) {
    if (seen.has(id)) return 0;
    seen.add(id);
  }
  let total = o.apparent ? st.size : st.blocks * 512;
  const isDir = (st.mode & mh.S.IFMT) === mh.S.IFDIR;
  if (isDir) {
    let names: string[] = [];
    try {
      names = listDir(path).map((d) => d.name);
    } catch (e) {
      warn(`cannot read directory ${quote(path)}: ${errText(e)}`);
      state.failed = true;
    }
    for (const n of names) total += duWalk(joinPath(path, n), depth + 1, o, seen, state);
  }
  const printable = depth <= o.maxDepth && (depth === 0 || !o.summarize) && (isDir || o.all || depth === 0);
  if (printable) out.line(`${o.show(total)}\t${path}`);
  return total;
}

function duRun(args: string[]): number {
  const p = getopts(args, {
    short: 'abcd:hkmsxB:',
    long: {
      all: 'a', 'apparent-size': 'apparent', bytes: 'b', total: 'c', 'max-depth': 'd', 'human-readable': 'h',
      summarize: 's', 'one-file-system': 'x', 'block-size': 'B', si: 'si',
    },
  });
  let unit = 1024;
  let human = false;
  let si = false;
  for (const [k, v] of p.list) {
    if (k === 'k') unit = 1024;
    else if (k === 'm') unit = 1024 * 1024;
    else if (k === 'b') unit = 1;
    else if (k === 'h') human = true;
    else if (k === 'si') si = human = true;
    else if (k === 'B') unit = parseSize(v) ?? (() => { throw new UsageError(`invalid --block-size argument ${quote(v)}`); })();
  }
  const o: DuOpts = {
    all: p.has('a'),
    summarize: p.has('s'),
    maxDepth: p.get('d') !== undefined ? intArg(p.get('d')!, 'maximum depth') : Infinity,
    apparent: p.has('apparent') || p.has('b'),
    show: (b) => (human ? humanSize(b, si) : String(Math.ceil(b / unit))),
  };
  if (o.summarize && p.has('d') && o.maxDepth !== 0) throw new UsageError('cannot both summarize and show all entries');
  if (o.summarize) o.maxDepth = 0;
  const seen = new Set<string>();
  const state = { failed: false };
  let grand = 0;
  for (const f of p.operands.length ? p.operands : ['.']) grand += duWalk(f, 0, o, seen, state);
  if (p.has('c')) out.line(`${o.show(grand)}\ttotal`);
  return state.failed ? 1 : 0;
}

/** Every scheme name this process can reach: getns, or the kernel's list when unrestricted. */
function schemeNames(): string[] {
  const ns = mh.getns();
  if (ns) return ns.slice().sort();
  try {
    return decode(mh.readFile('/scheme/sys/schemes')).split('\n').filter(Boolean);
  } catch {
    return ['file'];
  }
}

const mountPoint = (scheme: string): string => (scheme === 'file' ? '/' : `/scheme/${scheme}`);

function dfRun(args: string[]): number {
  const p = getopts(args, { short: 'ahHkPT', long: { all: 'a', 'human-readable': 'h', si: 'H', portability: 'P', 'print-type': 'T' } });
  const human = p.has('h') || p.has('H');
  const si = p.has('H');
  const rows: string[][] = [];
  let failed = false;
  const add = (name: string, where: string): boolean => {
    let s: mh.FsSpace;
    try {
      s = mh.statvfs(where);
    } catch (e) {
      if (p.operands.length) {
        warn(`${where}: ${errText(e)}`);
        failed = true;
      }
      return false;
    }
    const total = s.blocks * s.bsize;
    const free = s.bfree * s.bsize;
    const used = total - free;
    const pct = total === 0 ? '-' : `${Math.ceil((used * 100) / total)}%`;
    const fmt = (b: number): string => (human ? humanSize(b, si) : String(Math.ceil(b / 1024)));
    rows.push([name, ...(p.has('T') ? [name === 'file' ? 'mhfs' : name] : []), fmt(total), fmt(used), fmt(free), pct, mountPoint(name)]);
    return true;
  };
  if (p.operands.length) {
    for (const f of p.operands) {
      const m = /^\/scheme\/([^/]+)/.exec(f);
      add(m ? m[1]! : 'file', f);
    }
  } else {
    for (const name of schemeNames()) if (name !== 'sys' && name !== 'initfs' || p.has('a')) add(name, mountPoint(name));
  }
  const head = ['Filesystem', ...(p.has('T') ? ['Type'] : []), human ? 'Size' : '1K-blocks', 'Used', human ? 'Avail' : 'Available', 'Use%', 'Mounted on'];
  const all = [head, ...rows];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  w[0] = Math.max(w[0]!, 14);
  for (const r of all) {
    out.line(r.map((c, i) => (i === 0 || (p.has('T') && i === 1) ? c.padEnd(w[i]!) : i === r.length - 1 ? c : c.padStart(w[i]!))).join(' '));
  }
  return failed ? 1 : 0;
}

export const diskApplets = {
  du: { usage: '[-abchkmsx] [-d N] [-B SIZE] [--apparent-size] [FILE]...', run: duRun },
  df: { usage: '[-ahHkPT] [FILE]...', run: dfRun },
  mount: {
    usage: '[-l]',
    run(args) {
      const p = getopts(args, { short: 'lt:' });
      if (p.operands.length) throw new UsageError('mounting is done by starting the daemon that serves a scheme; no mount table to change');
      for (const name of schemeNames()) {
        if (p.get('t') !== undefined && p.get('t') !== name) continue;
        out.line(`${name} on ${mountPoint(name)} type ${name === 'file' ? 'file' : 'scheme'} (rw)`);
      }
      return 0;
    },
  },
} satisfies Record<string, Applet>;
