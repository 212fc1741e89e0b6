// chmod, chown and chgrp, each with -R (recursing without following links), -v, -c, -f and
// --reference. Owners and groups are names from /etc/passwd and /etc/group, or numbers.
// The mode language lives in modes.ts.

import * as mh from 'libmh';
import { type Applet, getopts, joinPath, listDir, out, quote, userId, groupId, UsageError, warn, warnFile, errText } from './common.js';
import { applyMode, ModeError } from './modes.js';
import { modeString } from './format.js';

interface Walk {
  recursive: boolean;
  quiet: boolean;
}

/** Applies `f` to each path (and with -R, everything below it); false if any failed. */
function each(paths: string[], w: Walk, f: (path: string, st: mh.Stat) => void): boolean {
  let ok = true;
  const visit = (path: string, top: boolean): void => {
    let st: mh.Stat;
    try {
      st = top ? mh.stat(path) : mh.lstat(path);
    } catch (e) {
      if (!w.quiet) warnFile('cannot access', path, e);
      ok = false;
      return;
    }
    if (!top && (st.mode & mh.S.IFMT) === mh.S.IFLNK) return; // links below are not followed
    try {
      f(path, st);
    } catch (e) {
      if (!w.quiet) warn(`${quote(path)}: ${errText(e)}`);
      ok = false;
    }
    if (w.recursive && (st.mode & mh.S.IFMT) === mh.S.IFDIR) {
      let names: string[] = [];
      try {
        names = listDir(path).map((d) => d.name);
      } catch (e) {
        if (!w.quiet) warnFile('cannot read directory', path, e);
        ok = false;
      }
      for (const n of names) visit(joinPath(path, n), false);
    }
  };
  for (const p of paths) visit(p, true);
  return ok;
}

/** Parses OWNER[:GROUP], OWNER:, :GROUP (also with '.'), into ids (-1: unchanged). */
export function parseOwner(spec: string): { uid: number; gid: number } {
  const m = /^([^:.]*)(?:[:.](.*))?$/.exec(spec)!;
  const [, u = '', g] = m;
  let uid = -1;
  let gid = -1;
  if (u !== '') {
    const id = userId(u);
    if (id === null) throw new UsageError(`invalid user: ${quote(spec)}`);
    uid = id;
  }
  if (g !== undefined && g !== '') {
    const id = groupId(g);
    if (id === null) throw new UsageError(`invalid group: ${quote(spec)}`);
    gid = id;
  } else if (g === '' && u !== '') {
    // OWNER: means OWNER's login group; without a passwd entry, the uid itself.
    gid = uid;
  }
  return { uid, gid };
}

function chownLike(args: string[], group: boolean): number {
  // No -h: libmh has no lchown, so a link's own owner cannot be changed.
  const p = getopts(args, { short: 'cfRv', long: { changes: 'c', silent: 'f', quiet: 'f', recursive: 'R', verbose: 'v', reference: { key: 'reference', arg: 'required' } } });
  const ops = p.operands.slice();
  let ids: { uid: number; gid: number };
  const ref = p.get('reference');
  if (ref !== undefined) {
    const st = mh.stat(ref);
    ids = group ? { uid: -1, gid: st.gid } : { uid: st.uid, gid: st.gid };
  } else {
    if (ops.length === 0) throw new UsageError('missing operand');
    const spec = ops.shift()!;
    if (group) {
      const gid = groupId(spec);
      if (gid === null) throw new UsageError(`invalid group: ${quote(spec)}`);
      ids = { uid: -1, gid };
    } else ids = parseOwner(spec);
  }
  if (ops.length === 0) throw new UsageError(`missing operand after ${quote(args[args.length - 1] ?? '')}`);
  const ok = each(ops, { recursive: p.has('R'), quiet: p.has('f') }, (path, st) => {
    mh.chown(path, ids.uid, ids.gid);
    const changed = (ids.uid !== -1 && ids.uid !== st.uid) || (ids.gid !== -1 && ids.gid !== st.gid);
    if (p.has('v') || (p.has('c') && changed)) out.line(`${changed ? 'changed' : 'retained'} ownership of ${quote(path)}`);
  });
  return ok ? 0 : 1;
}

export const permApplets = {
  chmod: {
    usage: '[-cfRv] MODE[,MODE]... FILE... | --reference=RFILE FILE...',
    run(args) {
      // A mode like -w looks like an option: take it out before parsing, as GNU does.
      const modeIdx = args.findIndex((a) => /^-[rwxXst]+([,+=-][ugoa]*[rwxXst]*)*$/.test(a));
      const rest = modeIdx >= 0 ? args.filter((_, i) => i !== modeIdx) : args;
      const p = getopts(rest, { short: 'cfRv', long: { changes: 'c', silent: 'f', quiet: 'f', recursive: 'R', verbose: 'v', reference: { key: 'reference', arg: 'required' } } });
      const ops = p.operands.slice();
      let spec: string | null = null;
      let refMode = -1;
      if (p.get('reference') !== undefined) refMode = mh.stat(p.get('reference')!).mode & 0o7777;
      else if (modeIdx >= 0) spec = args[modeIdx]!;
      else spec = ops.shift() ?? null;
      if (spec === null && refMode < 0) throw new UsageError('missing operand');
      if (ops.length === 0) throw new UsageError(`missing operand after ${quote(spec ?? '')}`);
      const umask = mh.umask(0o022);
      mh.umask(umask);
      if (spec !== null) {
        try {
          applyMode(spec, 0, false, umask);
        } catch (e) {
          if (e instanceof ModeError) throw new UsageError(e.message);
          throw e;
        }
      }
      const ok = each(ops, { recursive: p.has('R'), quiet: p.has('f') }, (path, st) => {
        const isDir = (st.mode & mh.S.IFMT) === mh.S.IFDIR;
        const next = refMode >= 0 ? refMode : applyMode(spec!, st.mode, isDir, umask);
        const old = st.mode & 0o7777;
        if (next !== old || p.has('v')) mh.chmod(path, next);
        if (p.has('v') || (p.has('c') && next !== old)) {
          const o = `${old.toString(8).padStart(4, '0')} (${modeString(st.mode).slice(1)})`;
          const n = `${next.toString(8).padStart(4, '0')} (${modeString((st.mode & ~0o7777) | next).slice(1)})`;
          out.line(next === old ? `mode of ${quote(path)} retained as ${o}` : `mode of ${quote(path)} changed from ${o} to ${n}`);
        }
      });
      return ok ? 0 : 1;
    },
  },
  chown: { usage: '[-cfRv] OWNER[:[GROUP]] FILE... | --reference=RFILE FILE...', run: (a: string[]) => chownLike(a, false) },
  chgrp: { usage: '[-cfRv] GROUP FILE... | --reference=RFILE FILE...', run: (a: string[]) => chownLike(a, true) },
} satisfies Record<string, Applet>;
