// The cookbook: builds packages from recipes into BUILD/packages/NAME/ — `stage/` (the files
// as they go into the image, from its root) and `manifest.json` (name, version, the input
// hash, what is inside). A package is rebuilt only when the hash of its inputs changes: the
// recipe, its source (or, for TypeScript programs, the bundles `npm run build` made), and the
// hashes of its build dependencies. A finished package replaces the old one by a rename, so an
// interrupted build never leaves half a package that looks done.
//
// Templates:
//   ts        the MH-JS executables of src/userland/NAME, as scripts/build.mjs bundled them into
//             dist/initfs/bin (with the links that name a multi-call program's applets)
//   wasi-c    C compiled by `macrohard cc` (clang for wasm32-wasi, wasi-libc, the SDK); skipped
//             with the reason when that toolchain is not installed
//   npm-wasm  files (WebAssembly, usually) taken from an npm package, per build.install
//   custom    build.script run by sh in the source folder, with COOKBOOK_SOURCE, COOKBOOK_STAGE,
//             COOKBOOK_CC (the cc command) and COOKBOOK_ROOT in its environment; exit status
//             69 (cc's "toolchain missing") skips the package

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Recipe } from './recipe.js';
import { hashSource, hashTree, prepareSource, Skip } from './sources.js';

export { Skip };

/** The repository: three levels above this module in dist/ (dist/src/build/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Bumped when what the cookbook makes of the same inputs changes. */
const COOKBOOK_VERSION = 1;

export interface Manifest {
  name: string;
  version: string;
  description: string;
  template: string;
  hash: string;
  dependencies: string[];
  files: number;
  bytes: number;
}

export type PackageResult =
  | { name: string; state: 'cached' | 'built'; manifest: Manifest; stage: string; ms: number }
  | { name: string; state: 'skipped'; reason: string; ms: number };

export interface CookbookOptions {
  root: string;
  buildDir: string;
  /** Where the ts template finds the bundles (default ROOT/dist/initfs/bin). */
  bundleDir?: string;
}

function bundleDir(o: CookbookOptions): string {
  return o.bundleDir ?? join(o.root, 'dist', 'initfs', 'bin');
}

/** A ts package's programs and the applet links that point at them. */
function tsFiles(r: Recipe, o: CookbookOptions): { programs: string[]; links: [string, string][] } {
  const bin = bundleDir(o);
  for (const p of r.programs) {
    if (!existsSync(join(bin, p))) throw new Error(`no bundle for ${p} in ${bin} (is there a src/userland/${p}/main.ts? run \`npm run build\`)`);
  }
  const links: [string, string][] = [];
  for (const name of readdirSync(bin).sort()) {
    const p = join(bin, name);
    if (lstatSync(p).isSymbolicLink() && r.programs.includes(readlinkSync(p))) links.push([name, readlinkSync(p)]);
  }
  return { programs: r.programs, links };
}

/** Does the recipe compile with the SDK (`macrohard cc`, given to custom scripts as COOKBOOK_CC)? */
export function usesSdk(r: Recipe): boolean {
  return r.template === 'wasi-c' || (r.template === 'custom' && /\bCOOKBOOK_CC\b/.test(r.script ?? ''));
}

/** The input hash: everything a package's contents depend on. */
export function inputHash(r: Recipe, deps: Map<string, string>, o: CookbookOptions): string {
  const h = createHash('sha256');
  h.update(`cookbook ${COOKBOOK_VERSION}\0${r.text}\0`);
  for (const d of r.buildDeps) h.update(`dep ${d} ${deps.get(d) ?? '?'}\0`);
  if (r.template === 'ts') {
    const { programs, links } = tsFiles(r, o);
    for (const p of programs) h.update(`bundle ${p}\0`).update(readFileSync(join(bundleDir(o), p)));
    h.update(JSON.stringify(links));
  } else {
    hashSource(h, r);
    // The SDK is an input of whatever is compiled with it: a wasi-c recipe, or a custom script
    // that calls the cookbook's compiler. A changed SDK (an import's record layout, a wrapped
    // call) must rebuild those programs, or an image would pair old binaries with a new runtime.
    if (usesSdk(r)) hashTree(h, join(o.root, 'sdk'));
  }
  return h.digest('hex');
}

function countTree(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const st = lstatSync(join(d, n));
      if (st.isDirectory()) walk(join(d, n));
      else {
        files++;
        bytes += st.isFile() ? st.size : 0;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}


async function buildInto(r: Recipe, stage: string, o: CookbookOptions): Promise<void> {
  const bin = join(stage, 'bin');
  switch (r.template) {
    case 'ts': {
      mkdirSync(bin, { recursive: true });
      const { programs, links } = tsFiles(r, o);
      for (const p of programs) {
        copyFileSync(join(bundleDir(o), p), join(bin, p));
        chmodSync(join(bin, p), r.setuid.includes(p) ? 0o4755 : 0o755);
      }
      for (const [name, target] of links) symlinkSync(target, join(bin, name));
      return;
    }
    case 'wasi-c': {
      const { toolchain, ccArgs, prepareSdk } = await import('../cli/cc.js');
      const tc = toolchain();
      if (typeof tc === 'string') throw new Skip(`no C toolchain for wasm32-wasi: ${tc}`);
      // The SDK (sdk/, built on first use) failing is the toolchain's trouble, not the
      // recipe's: the package is skipped and the image goes on without it.
      try {
        prepareSdk(tc);
      } catch (e) {
        throw new Skip(`the C SDK does not build: ${(e as Error).message.split('\n')[0]!.slice(0, 200)}`);
      }
      const src = await prepareSource(r, o.buildDir);
      const cfiles = readdirSync(src).filter((f) => f.endsWith('.c')).sort();
      if (cfiles.length === 0) throw new Error(`no .c files in ${src}`);
      mkdirSync(bin, { recursive: true });
      // One program: every .c file makes it. Several: PROGRAM.c makes PROGRAM.
      const units = r.programs.length === 1 ? [[r.programs[0]!, cfiles]] as const : r.programs.map((p) => [p, [`${p}.c`]] as const);
      for (const [prog, files] of units) {
        const args = ccArgs(tc, ['-O2', ...files.map((f) => join(src, f)), '-o', join(bin, prog)]);
        const res = spawnSync(tc.clang, args, { encoding: 'utf8' });
        if (res.status !== 0) throw new Error(`macrohard cc failed for ${prog}:\n${res.stderr}`);
        chmodSync(join(bin, prog), 0o755);
      }
      return;
    }
    case 'npm-wasm': {
      const src = await prepareSource(r, o.buildDir);
      for (const [to, from] of Object.entries(r.install)) {
        const dst = join(stage, to);
        mkdirSync(dirname(dst), { recursive: true });
        copyFileSync(resolve(src, from), dst);
        chmodSync(dst, to.startsWith('/bin/') ? 0o755 : 0o644);
      }
      return;
    }
    case 'custom': {
      const src = await prepareSource(r, o.buildDir);
      mkdirSync(stage, { recursive: true });
      const res = spawnSync('sh', ['-ec', r.script!], {
        cwd: src,
        encoding: 'utf8',
        env: { ...process.env, COOKBOOK_SOURCE: src, COOKBOOK_STAGE: stage, COOKBOOK_ROOT: o.root, COOKBOOK_CC: `${process.execPath} ${join(o.root, 'bin', 'macrohard.js')} cc` },
      });
      // 69 is EX_UNAVAILABLE, what `macrohard cc` answers without its toolchain: a tool the
      // script needs is missing here, which skips the package rather than failing the image.
      if (res.status === 69) throw new Skip(`a tool the build script needs is not installed: ${(res.stderr || res.stdout).trim().split('\n').pop()}`);
      if (res.status !== 0) throw new Error(`build script failed (status ${res.status}):\n${(res.stderr || res.stdout).trim()}`);
      return;
    }
  }
}

/** Builds one package, or finds it already built with the same inputs. */
export async function cook(r: Recipe, depHashes: Map<string, string>, o: CookbookOptions): Promise<PackageResult> {
  const t0 = performance.now();
  const dir = join(o.buildDir, 'packages', r.name);
  const manifestFile = join(dir, 'manifest.json');
  let hash: string;
  try {
    hash = inputHash(r, depHashes, o);
  } catch (e) {
    if (e instanceof Skip) return { name: r.name, state: 'skipped', reason: e.message, ms: performance.now() - t0 };
    throw e;
  }
  if (existsSync(manifestFile)) {
    try {
      const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
      if (m.hash === hash && existsSync(join(dir, 'stage'))) return { name: r.name, state: 'cached', manifest: m, stage: join(dir, 'stage'), ms: performance.now() - t0 };
    } catch {
      // an unreadable manifest: build again
    }
  }
  const tmp = `${dir}.tmp${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const stage = join(tmp, 'stage');
  mkdirSync(stage, { recursive: true });
  try {
    await buildInto(r, stage, o);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (e instanceof Skip) return { name: r.name, state: 'skipped', reason: e.message, ms: performance.now() - t0 };
    throw new Error(`package ${r.name}: ${(e as Error).message}`);
  }
  const manifest: Manifest = { name: r.name, version: r.version, description: r.description, template: r.template, hash, dependencies: r.runtimeDeps, ...countTree(stage) };
  writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return { name: r.name, state: 'built', manifest, stage: join(dir, 'stage'), ms: performance.now() - t0 };
}

/** Builds packages in order (each after its dependencies), reporting each as it starts and ends. */
export async function cookAll(order: Recipe[], o: CookbookOptions, onStart?: (r: Recipe, i: number) => void, onDone?: (p: PackageResult, i: number) => void): Promise<PackageResult[]> {
  const hashes = new Map<string, string>();
  const out: PackageResult[] = [];
  for (const [i, r] of order.entries()) {
    onStart?.(r, i);
    const res = await cook(r, hashes, o);
    if (res.state !== 'skipped') hashes.set(r.name, res.manifest.hash);
    out.push(res);
    onDone?.(res, i);
  }
  return out;
}
