// Package sources for the cookbook: a folder in the tree, a tar archive (a local file or a
// URL, checked against its sha256 when the recipe gives one), an npm package fetched with
// npm's own client, or a Debian source package fetched with apt-get source. Fetched sources are kept under BUILD/sources/NAME so a rebuild does not
// fetch again. Also the content hash of a tree, which is how the cookbook tells what changed.

import { spawnSync } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { Recipe } from './recipe.js';

/** Thrown when a package cannot be built on this machine (a tool or source is missing): the
 *  package is skipped, with this reason, and the image is built without it. */
export class Skip extends Error {}

/** Feeds a file tree (names, kinds, permission bits, contents, link targets) into `h`. */
export function hashTree(h: Hash, dir: string, skip: (name: string) => boolean = () => false): void {
  if (!existsSync(dir)) {
    h.update('missing\0');
    return;
  }
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (skip(name)) continue;
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      if (st.isDirectory()) {
        h.update(`d ${r}\0`);
        walk(p, r);
      } else if (st.isSymbolicLink()) h.update(`l ${r} ${readlinkSync(p)}\0`);
      else if (st.isFile()) {
        h.update(`f ${r} ${(st.mode & 0o111) !== 0 ? 'x' : '-'} ${st.size}\0`);
        h.update(readFileSync(p));
      }
    }
  };
  walk(dir, '');
}

function run(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`);
  return r.stdout;
}

function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Fetches a URL to `file` (written beside it first, so a failed download leaves nothing). */
async function download(url: string, file: string): Promise<void> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const tmp = `${file}.part${process.pid}`;
  writeFileSync(tmp, new Uint8Array(await res.arrayBuffer()));
  renameSync(tmp, file);
}

/**
 * The folder holding a recipe's source, fetched and unpacked if need be. Path sources are
 * used where they are (relative to the recipe's folder); a recipe without a source uses its
 * own folder.
 */
export async function prepareSource(r: Recipe, buildDir: string): Promise<string> {
  const s = r.source;
  switch (s.kind) {
    case 'none':
      return r.dir;
    case 'path':
      return isAbsolute(s.path) ? s.path : resolve(r.dir, s.path);
    case 'debian': {
      // `apt-get source` fetches and unpacks Debian's source package (upstream source with
      // Debian's patches applied) into BUILD/sources/NAME/PKG-VERSION/; the folder's name is
      // kept in a stamp so the next build finds it without asking apt again.
      const base = join(buildDir, 'sources', r.name);
      const stamp = join(base, 'source.dir');
      if (existsSync(stamp)) {
        const dir = join(base, readFileSync(stamp, 'utf8').trim());
        if (existsSync(dir)) return dir;
      }
      rmSync(base, { recursive: true, force: true });
      mkdirSync(base, { recursive: true });
      const res = spawnSync('apt-get', ['source', '-q', s.pkg], { cwd: base, encoding: 'utf8' });
      if (res.error || res.status !== 0) {
        const why = res.error ? res.error.message : (res.stderr || res.stdout).trim().split('\n').pop();
        rmSync(base, { recursive: true, force: true });
        throw new Skip(`apt-get source ${s.pkg} failed (${why}): it needs a deb-src entry in apt's sources and dpkg-dev`);
      }
      const dirs = readdirSync(base).filter((n) => lstatSync(join(base, n)).isDirectory());
      if (dirs.length !== 1) throw new Error(`apt-get source ${s.pkg} unpacked ${dirs.length} folders, expected one`);
      writeFileSync(stamp, dirs[0]!);
      return join(base, dirs[0]!);
    }
    case 'tar': {
      const base = join(buildDir, 'sources', r.name);
      const unpacked = join(base, 'src');
      const stamp = join(base, 'src.from');
      const local = localTar(r);
      // A local archive may change under the same name: its content is part of the stamp.
      const from = local ? `${s.url} ${sha256File(local)}` : s.url;
      if (existsSync(stamp) && readFileSync(stamp, 'utf8') === from) return unpacked;
      mkdirSync(base, { recursive: true });
      const archive = local ?? join(base, basename(new URL(s.url).pathname) || 'source.tar');
      if (!local && !existsSync(archive)) await download(s.url, archive);
      if (s.sha256 && sha256File(archive) !== s.sha256.toLowerCase()) {
        throw new Error(`${archive}: sha256 is ${sha256File(archive)}, the recipe says ${s.sha256}`);
      }
      rmSync(unpacked, { recursive: true, force: true });
      mkdirSync(unpacked, { recursive: true });
      // Archives usually hold one top folder (NAME-VERSION/): it is dropped.
      run('tar', ['xf', archive, '-C', unpacked, '--strip-components=1']);
      writeFileSync(stamp, from);
      return unpacked;
    }
    case 'npm': {
      const base = join(buildDir, 'sources', r.name);
      const unpacked = join(base, 'package');
      const want = `${s.pkg}@${s.version}`;
      const stamp = join(base, 'package.from');
      if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return unpacked;
      rmSync(base, { recursive: true, force: true });
      mkdirSync(base, { recursive: true });
      const out = run('npm', ['pack', want, '--silent', '--pack-destination', base]).trim().split('\n').pop()!;
      run('tar', ['xzf', join(base, out), '-C', base]);
      writeFileSync(stamp, want);
      return unpacked;
    }
  }
}

/** A tar source that is a file beside the recipe (not a URL), or null. */
function localTar(r: Recipe): string | null {
  const s = r.source;
  if (s.kind !== 'tar' || /^[a-z]+:\/\//.test(s.url)) return null;
  return resolve(r.dir, s.url);
}

/** What a source contributes to the package's input hash, without fetching it again. */
export function hashSource(h: Hash, r: Recipe): void {
  const s = r.source;
  const local = localTar(r);
  if (s.kind === 'path') hashTree(h, isAbsolute(s.path) ? s.path : resolve(r.dir, s.path), (n) => n === 'node_modules' || n.startsWith('.'));
  else if (s.kind === 'none') hashTree(h, r.dir);
  else if (local && existsSync(local)) h.update(`tar ${local} `).update(readFileSync(local));
  else h.update(JSON.stringify(s));
  // The recipe's folder (patches, scripts beside it) counts for sources fetched elsewhere.
  if (s.kind !== 'none' && s.kind !== 'path') hashTree(h, r.dir);
}
