// Builds the RISC-V BusyBox guest from Debian's own sources, reproducibly, into a cache:
//   <cache>/guests/riscv64-busybox-H/Image           Linux 6.1 (linux-source-6.1) for the virt machine
//   <cache>/guests/riscv64-busybox-H/initramfs.cpio  static BusyBox (Debian's busybox source) + /init
//   <cache>/guests/riscv64-busybox-H/stamp.json      hash of recipe.ts's inputs
// H is the start of that hash, so guests of different recipes (two checkouts on one machine)
// live side by side, and so do their build trees under <cache>/work. A second build with the
// same recipe returns at once. The cache is $MACROHARD_CACHE, else ~/.cache/macrohard.
// Run: `node dist/src/hv/guest/build.js` (the `vm image build` command's body).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, cpus } from 'node:os';
import { join, relative } from 'node:path';
import { buildCpio, S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG, type CpioEntry } from '../cpio.js';
import { BUILD_PACKAGES, BUSYBOX_CONFIG, CROSS_COMPILE, INIT_SCRIPT, KERNEL_FRAGMENT, KERNEL_SOURCE_TARBALL, UDHCPC_SCRIPT } from './recipe.js';

const RECIPE_VERSION = 1;

export interface GuestFiles {
  kernel: string;
  initrd: string;
}

export function cacheDir(): string {
  return process.env.MACROHARD_CACHE ?? join(homedir(), '.cache', 'macrohard');
}

export function guestDir(): string {
  return join(cacheDir(), 'guests', `riscv64-busybox-${recipeHash().slice(0, 12)}`);
}

function recipeHash(): string {
  return createHash('sha256').update(JSON.stringify([RECIPE_VERSION, KERNEL_FRAGMENT, BUSYBOX_CONFIG, INIT_SCRIPT, UDHCPC_SCRIPT])).digest('hex');
}

/** The cached guest, when it exists and matches the current recipe. */
export function cachedGuest(): GuestFiles | undefined {
  const dir = guestDir();
  const files = { kernel: join(dir, 'Image'), initrd: join(dir, 'initramfs.cpio') };
  try {
    const stamp = JSON.parse(readFileSync(join(dir, 'stamp.json'), 'utf8')) as { recipe: string };
    if (stamp.recipe === recipeHash() && existsSync(files.kernel) && existsSync(files.initrd)) return files;
  } catch {
    // no stamp: not built
  }
  return undefined;
}

export class GuestBuildError extends Error {}

function run(cmd: string, args: string[], opts: { cwd?: string; log: (s: string) => void; env?: Record<string, string> }): void {
  opts.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, ...opts.env } });
  if (r.status !== 0) {
    throw new GuestBuildError(`${cmd} ${args.slice(0, 3).join(' ')} failed (exit ${r.status}):\n${(r.stderr || r.stdout || String(r.error)).slice(-3000)}`);
  }
}

/** Reproducible-build environment for kbuild. */
const KBUILD_ENV = { KBUILD_BUILD_TIMESTAMP: '2026-01-01', KBUILD_BUILD_USER: 'macrohard', KBUILD_BUILD_HOST: 'macrohard', SOURCE_DATE_EPOCH: '1767225600' };

function buildKernel(work: string, out: string, jobs: number, log: (s: string) => void): void {
  if (!existsSync(KERNEL_SOURCE_TARBALL)) throw new GuestBuildError(`${KERNEL_SOURCE_TARBALL} missing: apt-get install ${BUILD_PACKAGES.join(' ')}`);
  const src = join(work, 'linux-source-6.1');
  if (!existsSync(src)) run('tar', ['xf', KERNEL_SOURCE_TARBALL, '-C', work], { log });
  const obj = join(work, `linux-obj-${recipeHash().slice(0, 12)}`);
  rmSync(obj, { recursive: true, force: true });
  mkdirSync(obj, { recursive: true });
  const make = (...t: string[]) => run('make', ['-C', src, 'ARCH=riscv', `CROSS_COMPILE=${CROSS_COMPILE}`, `O=${obj}`, ...t], { log, env: KBUILD_ENV });
  make('tinyconfig');
  writeFileSync(join(work, 'fragment.config'), KERNEL_FRAGMENT);
  run(join(src, 'scripts/kconfig/merge_config.sh'), ['-m', '-O', obj, join(obj, '.config'), join(work, 'fragment.config')], { log, cwd: src });
  make('olddefconfig');
  make(`-j${jobs}`, 'Image');
  copyFileSync(join(obj, 'arch/riscv/boot/Image'), join(out, 'Image'));
}

function ensureDebSrc(log: (s: string) => void): void {
  const list = '/etc/apt/sources.list.d/macrohard-deb-src.sources';
  const have = spawnSync('sh', ['-c', 'grep -rqs "deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/']).status === 0;
  if (have) return;
  if (process.getuid?.() !== 0) throw new GuestBuildError('BusyBox comes from Debian\'s source package: add a "Types: deb-src" entry for bookworm main to apt\'s sources');
  writeFileSync(list, 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n');
  run('apt-get', ['update', '-q'], { log });
}

function buildBusybox(work: string, jobs: number, log: (s: string) => void): string {
  const bbWork = join(work, 'busybox');
  mkdirSync(bbWork, { recursive: true });
  let src = readdirSync(bbWork).find((d) => d.startsWith('busybox-') && lstatSync(join(bbWork, d)).isDirectory());
  if (!src) {
    ensureDebSrc(log);
    run('apt-get', ['source', '-q', 'busybox'], { cwd: bbWork, log });
    src = readdirSync(bbWork).find((d) => d.startsWith('busybox-') && lstatSync(join(bbWork, d)).isDirectory());
    if (!src) throw new GuestBuildError('apt-get source busybox unpacked nothing');
  }
  const obj = join(bbWork, `obj-${recipeHash().slice(0, 12)}`);
  rmSync(obj, { recursive: true, force: true });
  mkdirSync(obj, { recursive: true });
  run('make', ['-C', join(bbWork, src), `O=${obj}`, 'defconfig'], { log });
  let config = readFileSync(join(obj, '.config'), 'utf8');
  for (const [k, v] of Object.entries(BUSYBOX_CONFIG)) {
    config = config.replace(new RegExp(`^(# )?${k}( is not set|=.*)$`, 'm'), `${k}=${v}`);
  }
  writeFileSync(join(obj, '.config'), config);
  run('make', ['-C', obj, `-j${jobs}`, `CROSS_COMPILE=${CROSS_COMPILE}`, 'busybox'], { log, env: { SOURCE_DATE_EPOCH: KBUILD_ENV.SOURCE_DATE_EPOCH } });
  const root = join(bbWork, `rootfs-${recipeHash().slice(0, 12)}`);
  rmSync(root, { recursive: true, force: true });
  run('make', ['-C', obj, `CROSS_COMPILE=${CROSS_COMPILE}`, `CONFIG_PREFIX=${root}`, 'install'], { log });
  return root;
}

/** Packs the BusyBox tree and the fixed entries into a newc archive, sorted, owned by root, mtime 0. */
export function packInitramfs(root: string | undefined, extra: CpioEntry[] = []): Uint8Array {
  const entries: CpioEntry[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const rel = relative(root!, p);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) entries.push({ name: rel, mode: S_IFLNK | 0o777, data: new TextEncoder().encode(readlinkSync(p)) });
      else if (st.isDirectory()) {
        entries.push({ name: rel, mode: S_IFDIR | 0o755 });
        walk(p);
      } else entries.push({ name: rel, mode: S_IFREG | (st.mode & 0o777), data: new Uint8Array(readFileSync(p)) });
    }
  };
  if (root) walk(root);
  const have = new Set(entries.map((e) => e.name));
  for (const d of ['dev', 'proc', 'sys', 'mnt', 'tmp', 'root', 'etc']) if (!have.has(d)) entries.push({ name: d, mode: S_IFDIR | 0o755 });
  entries.push({ name: 'dev/console', mode: S_IFCHR | 0o600, rdev: { major: 5, minor: 1 } });
  entries.push({ name: 'init', mode: S_IFREG | 0o755, data: new TextEncoder().encode(INIT_SCRIPT) });
  for (const d of ['usr/share', 'usr/share/udhcpc']) if (!have.has(d)) entries.push({ name: d, mode: S_IFDIR | 0o755 });
  entries.push({ name: 'usr/share/udhcpc/default.script', mode: S_IFREG | 0o755, data: new TextEncoder().encode(UDHCPC_SCRIPT) });
  entries.push(...extra);
  return buildCpio(entries);
}

/** Builds (or finds in the cache) the guest. */
export function buildGuest(opts: { log?: (s: string) => void; jobs?: number; force?: boolean } = {}): GuestFiles {
  const log = opts.log ?? (() => {});
  const cached = cachedGuest();
  if (cached && !opts.force) return cached;
  const out = guestDir();
  const work = join(cacheDir(), 'work');
  mkdirSync(out, { recursive: true });
  mkdirSync(work, { recursive: true });
  const jobs = opts.jobs ?? Math.max(1, cpus().length);
  buildKernel(work, out, jobs, log);
  const root = buildBusybox(work, jobs, log);
  writeFileSync(join(out, 'initramfs.cpio'), packInitramfs(root));
  writeFileSync(join(out, 'stamp.json'), JSON.stringify({ recipe: recipeHash() }) + '\n');
  return cachedGuest()!;
}

// Run as a program: build and print where the guest is.
if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = Date.now();
  const files = buildGuest({ log: (s) => process.stderr.write(s + '\n'), force: process.argv.includes('--force') });
  process.stdout.write(`kernel ${files.kernel}\ninitrd ${files.initrd}\n(${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
}
