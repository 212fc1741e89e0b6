// The image builder: a configuration in, BUILD/<config>/harddrive.img out (GPT + MHFS).
//
//   1. read the configuration (and its includes), plan the packages, cook them (cookbook.ts);
//   2. if the image's stamp (a hash of the configuration files and the package hashes) is
//      unchanged and the image is there, stop: it is up to date;
//   3. merge the packages' stage trees into one root (a path two packages both provide is
//      refused), then pack it into a fresh image with what the configuration implies — users,
//      groups and password hashes, home directories, /tmp, /etc/init.toml with the console and
//      prompt, /etc/hostname — and the configuration's own [[files]] last, so they win;
//   4. move the finished image into place and write its stamp.
//
// The image is written beside its final name and renamed, so a failed build leaves the last
// good image alone. Booting writes to the image (it is the machine's disk); the stamp is kept
// apart from it for that reason, and a rebuild starts the disk afresh, keeping the previous
// one as harddrive.img.old.

import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage, type FileEntry, type PackStats } from '../fs/image.js';
import { loadConfig, type ImageConfig } from './config.js';
import { cookAll, REPO_ROOT, type PackageResult } from './cookbook.js';
import { Progress, type ProgressSink } from './progress.js';
import { plan } from './recipe.js';
import { BuildError } from './source.js';
import { resolveUsers } from './users.js';

const IMAGE_BUILDER_VERSION = 1;
const MiB = 1 << 20;

export interface ImageBuildOptions {
  /** The configuration file (config/server.toml). */
  config: string;
  /** Where file names in messages are relative to, and where `config` is looked up from. */
  cwd?: string;
  /** The repository (recipes/, dist/). */
  root?: string;
  /** Where packages and images go (default ROOT/build). */
  buildDir?: string;
  /** The recipes (default ROOT/recipes). */
  recipesDir?: string;
  /** Where the ts template takes program bundles from (default ROOT/dist/initfs/bin). */
  bundleDir?: string;
  /** Build the image even when its stamp says it is up to date. */
  force?: boolean;
  /** Where progress goes; null for none. */
  progress?: ProgressSink | null;
}

export interface ImageBuildResult {
  image: string;
  state: 'built' | 'up to date';
  packages: PackageResult[];
  stats?: PackStats;
  ms: number;
  /** The configuration's [network], as a `macrohard boot --net` value. */
  network?: string;
}

/** Copies `from` into `into`, refusing a file another package already put there. */
function mergeTree(from: string, into: string, owner: Map<string, string>, pkg: string, rel = ''): void {
  for (const name of readdirSync(from).sort()) {
    const src = join(from, name);
    const dst = join(into, name);
    const path = `${rel}/${name}`;
    const st = lstatSync(src);
    if (st.isDirectory()) {
      mkdirSync(dst, { recursive: true });
      mergeTree(src, dst, owner, pkg, path);
      continue;
    }
    const other = owner.get(path);
    if (other !== undefined) throw new Error(`${path} is in both package ${other} and package ${pkg}`);
    owner.set(path, pkg);
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else {
      copyFileSync(src, dst);
      chmodSync(dst, st.mode & 0o7777);
    }
  }
}

/** /etc/init.toml for the image: init's second stage (docs/build.md). */
export function initToml(cfg: ImageConfig): string {
  const g = cfg.general;
  const cmd = g.console === 'shell' ? ['/bin/sh'] : g.autologin ? ['/bin/login', '-f', g.autologin] : ['/bin/login'];
  const env: Record<string, string> = { PATH: '/bin:/usr/bin:/scheme/initfs/bin', HOSTNAME: g.hostname };
  if (g.prompt !== undefined) env.PROMPT = g.prompt;
  const lines = [
    `# Written by the image builder from ${cfg.sources.at(-1)!.file}: init's second stage, after initfs's`,
    '# configuration has mounted this filesystem. Services listed here start after initfs\'s.',
    '',
    '[console]',
    `cmd = ${JSON.stringify(cmd)}`,
    'on_exit = "shutdown"',
    '',
    '[environment]',
    ...Object.entries(env).map(([k, v]) => `${k} = ${JSON.stringify(v)}`),
  ];
  return lines.join('\n') + '\n';
}

/** The files every image gets from its configuration, before the configuration's [[files]]. */
export function systemFiles(cfg: ImageConfig): FileEntry[] {
  const u = resolveUsers(cfg);
  const files: FileEntry[] = [
    { path: '/etc', directory: true, mode: 0o755 },
    { path: '/etc/passwd', data: u.passwd, mode: 0o644 },
    { path: '/etc/group', data: u.group, mode: 0o644 },
    { path: '/etc/shadow', data: u.shadow, mode: 0o600 },
    { path: '/etc/schemes', data: u.schemes, mode: 0o644 },
    { path: '/etc/hostname', data: `${cfg.general.hostname}\n`, mode: 0o644 },
    { path: '/etc/init.toml', data: initToml(cfg), mode: 0o644 },
    { path: '/tmp', directory: true, mode: 0o1777 },
    { path: '/home', directory: true, mode: 0o755 },
  ];
  for (const h of u.homes) files.push({ path: h.path, directory: true, mode: 0o700, uid: h.uid, gid: h.gid });
  return files;
}

/**
 * The builder's own code is an input too: what it writes (the system files, the MHFS format)
 * changes with src/build, src/fs and the user database format, so those modules are hashed.
 */
function builderHash(): string {
  const h = createHash('sha256');
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [here, join(here, '..', 'fs'), join(here, '..', 'userland', 'login')]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith('.js') && !f.endsWith('.test.js')) h.update(f).update(readFileSync(join(dir, f)));
    }
  }
  return h.digest('hex');
}

function stampOf(cfg: ImageConfig, packages: PackageResult[]): string {
  const h = createHash('sha256').update(`image ${IMAGE_BUILDER_VERSION} ${builderHash()}\0`);
  for (const s of cfg.sources) h.update(`${s.file}\0${s.text}\0`);
  for (const p of packages) h.update(`${p.name} ${p.state === 'skipped' ? 'skipped' : p.manifest.hash}\0`);
  return h.digest('hex');
}

export async function buildConfigImage(opts: ImageBuildOptions): Promise<ImageBuildResult> {
  const t0 = performance.now();
  const cwd = opts.cwd ?? process.cwd();
  const root = opts.root ?? REPO_ROOT;
  const buildDir = opts.buildDir ?? join(root, 'build');
  const progress = new Progress(opts.progress === undefined ? process.stderr : opts.progress);
  const cfg = loadConfig(opts.config, cwd);
  const p = plan(opts.recipesDir ?? join(root, 'recipes'), cfg.packages, cwd);
  const wanted = new Set(p.installed);
  progress.setTotal(p.order.length + 1);
  const results = await cookAll(
    p.order,
    { root, buildDir, bundleDir: opts.bundleDir },
    (r, i) => progress.step(i, `cooking ${r.name}`),
    (res) => {
      if (res.state === 'skipped') progress.line(`  skip   ${res.name}: ${res.reason}`);
      else progress.line(`  ${res.state === 'built' ? 'built ' : 'cached'} ${res.name} ${res.manifest.version} (${res.manifest.files} files, ${Math.round(res.ms)} ms)`);
    },
  );
  const outDir = join(buildDir, cfg.name);
  const image = join(outDir, 'harddrive.img');
  const stampFile = join(outDir, 'harddrive.stamp');
  const rel = relative(cwd, image);
  const shown = rel && !rel.startsWith('..') ? rel : image;
  const stamp = stampOf(cfg, results.filter((r) => wanted.has(r.name)));
  if (!opts.force && existsSync(image) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp) {
    progress.finish(`${shown}: up to date`);
    return { image, state: 'up to date', packages: results, ms: performance.now() - t0, network: cfg.network };
  }
  progress.step(p.order.length, `assembling ${cfg.name} image`);
  mkdirSync(outDir, { recursive: true });
  const sysroot = join(outDir, `root.tmp${process.pid}`);
  const tmpImage = `${image}.tmp${process.pid}`;
  rmSync(sysroot, { recursive: true, force: true });
  mkdirSync(sysroot, { recursive: true });
  let stats: PackStats;
  try {
    const owner = new Map<string, string>();
    for (const r of results) if (r.state !== 'skipped' && wanted.has(r.name)) mergeTree(r.stage, sysroot, owner, r.name);
    const files: FileEntry[] = [...systemFiles(cfg), ...cfg.files];
    try {
      stats = buildImage(tmpImage, cfg.general.filesystemSize * MiB, sysroot, { files, label: cfg.name });
    } catch (e) {
      const msg = (e as Error).message;
      if (/ENOSPC|no space/i.test(msg)) {
        const top = cfg.sources.at(-1)!;
        throw new BuildError(top.file, 1, `the image does not fit in filesystem_size = ${cfg.general.filesystemSize} MiB (${msg})`);
      }
      throw e;
    }
    // The old image was the machine's disk, perhaps with the user's files on it: it is kept,
    // one generation back, rather than thrown away by a rebuild.
    if (existsSync(image)) renameSync(image, `${image}.old`);
    renameSync(tmpImage, image);
    writeFileSync(stampFile, stamp + '\n');
  } finally {
    rmSync(sysroot, { recursive: true, force: true });
    rmSync(tmpImage, { force: true });
  }
  const skipped = results.filter((r) => r.state === 'skipped').length;
  progress.finish(`${shown}: ${cfg.general.filesystemSize} MiB, ${stats.files} files, ${(stats.bytes / MiB).toFixed(1)} MiB of data${skipped ? `, ${skipped} package(s) skipped` : ''}`);
  return { image, state: 'built', packages: results, stats, ms: performance.now() - t0, network: cfg.network };
}
