// Builds MACROHARD into dist/: every TypeScript module transpiled one to one (the kernel,
// host, tools and tests run as plain ES modules), libmh bundled as a script that a process's
// sandbox context evaluates, and each userland program bundled into an MH-JS executable.
// Type checking is separate (`npm run typecheck`), so a build takes well under a second.
import { build } from 'esbuild';
import { readdirSync, statSync, mkdirSync, writeFileSync, rmSync, existsSync, copyFileSync, symlinkSync } from 'node:fs';
import { join, dirname, basename, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const MHJS_MAGIC = '#MHJS1\n';

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const modules = ['src', 'tests', 'bench'].flatMap((d) => walk(join(root, d)));
await build({
  entryPoints: modules,
  outdir: dist,
  outbase: root,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
});

// ---- BEGIN hypervisor: RISC-V core (AssemblyScript -> WebAssembly) ----
// The RISC-V engine's hot core is AssemblyScript in src/hv/riscv/core/*.as (the .as extension
// keeps tsc and the transpile step above away from it; asc is told to read NAME.ts as NAME.as).
// It compiles to dist/src/hv/riscv/core.wasm, only when a source is newer than the output.
{
  const asDir = join(root, 'src/hv/riscv/core');
  const wasmOut = join(dist, 'src/hv/riscv/core.wasm');
  if (existsSync(join(asDir, 'core.as'))) {
    const sources = readdirSync(asDir).filter((f) => f.endsWith('.as')).map((f) => join(asDir, f));
    const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs), statSync(fileURLToPath(import.meta.url)).mtimeMs);
    if (!existsSync(wasmOut) || statSync(wasmOut).mtimeMs < newest) {
      const { default: asc } = await import('assemblyscript/asc');
      const { readFileSync } = await import('node:fs');
      mkdirSync(dirname(wasmOut), { recursive: true });
      const stderr = [];
      const result = await asc.main([
        'core.ts', '--outFile', wasmOut, '-O3', '--noAssert', '--runtime', 'stub',
        '--memoryBase', String(0x800000), '--initialMemory', '256', '--importTable',
      ], {
        readFile(name, baseDir) {
          const p = join(asDir, baseDir, name.replace(/\.ts$/, '.as'));
          return existsSync(p) ? readFileSync(p, 'utf8') : null;
        },
        writeFile(name, data) { writeFileSync(name, data); },
        listFiles() { return []; },
        stderr: { write(s) { stderr.push(String(s)); return true; } },
      });
      if (result.error) {
        process.stderr.write(stderr.join(''));
        throw new Error(`AssemblyScript build of the RISC-V core failed: ${result.error.message}`);
      }
    }
  }
}
// ---- END hypervisor ----

// The process thread's entry, as one file: a worker starts faster from one script than from a
// graph of modules, and every process start out of an empty pool pays for it.
await build({
  entryPoints: [join(root, 'src/runtime/worker.ts')],
  outfile: join(dist, 'worker.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});

// libmh: evaluated inside each MH-JS process's context before the program, as globalThis.__libmh.
const libmhEntry = join(root, 'src/runtime/libmh/index.ts');
if (existsSync(libmhEntry)) await build({
  entryPoints: [libmhEntry],
  outfile: join(dist, 'libmh.js'),
  bundle: true,
  format: 'iife',
  globalName: '__libmh',
  platform: 'neutral',
  target: 'es2022',
  logLevel: 'warning',
});

// Programs import 'libmh'; in an executable that import is the context's prebuilt copy.
const libmhExternal = {
  name: 'libmh-external',
  setup(b) {
    b.onResolve({ filter: /^libmh$/ }, () => ({ path: 'libmh', external: true }));
  },
};

const failures = [];

async function bundleProgram(entry, outFile) {
  try {
    await bundleOne(entry, outFile);
  } catch (e) {
    // One broken program must not keep the others (and initfs) from being built.
    failures.push(`${relative(root, entry)}: ${e.message.split('\n')[0]}`);
  }
}

// Programs have no Node.js: a library module they share with host tools (MHFS, say) may import
// node:fs for the host's sake, and in a program that import is an empty module.
const noNode = {
  name: 'no-node',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: 'no-node' }));
    b.onLoad({ filter: /.*/, namespace: 'no-node' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

async function bundleOne(entry, outFile) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'neutral',
    target: 'es2022',
    plugins: [libmhExternal, noNode],
    logLevel: 'warning',
    // A module shared with host tools may find files beside itself through import.meta.url;
    // in a program those paths are never taken (the `vm` program supplies the RISC-V core).
    logOverride: { 'empty-import-meta': 'silent' },
  });
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, MHJS_MAGIC + result.outputFiles[0].text, { mode: 0o755 });
}

// src/userland/NAME/main.ts -> dist/initfs/bin/NAME; tests/programs/NAME.ts -> dist/testbin/NAME
rmSync(join(dist, 'initfs'), { recursive: true, force: true });
rmSync(join(dist, 'testbin'), { recursive: true, force: true });
const jobs = [];
const userland = join(root, 'src/userland');
if (existsSync(userland)) {
  for (const name of readdirSync(userland)) {
    const main = join(userland, name, 'main.ts');
    if (existsSync(main)) jobs.push(bundleProgram(main, join(dist, 'initfs/bin', name)));
  }
}
const testPrograms = join(root, 'tests/programs');
if (existsSync(testPrograms)) {
  for (const f of readdirSync(testPrograms)) {
    if (f.endsWith('.ts')) jobs.push(bundleProgram(join(testPrograms, f), join(dist, 'testbin', basename(f, '.ts'))));
  }
}
await Promise.all(jobs);

// initfs also carries init's default configuration, and one name per applet of multi-call
// programs (a link to the program).
mkdirSync(join(dist, 'initfs/etc'), { recursive: true });
copyFileSync(join(root, 'src/userland/init/init.toml'), join(dist, 'initfs/etc/init.toml'));
// The RISC-V core, for the `vm` program (a process reads it from its file system).
if (existsSync(join(dist, 'src/hv/riscv/core.wasm'))) {
  mkdirSync(join(dist, 'initfs/lib/hv'), { recursive: true });
  copyFileSync(join(dist, 'src/hv/riscv/core.wasm'), join(dist, 'initfs/lib/hv/riscv-core.wasm'));
}
const applets = join(dist, 'src/userland/coreutils/applets.js');
if (existsSync(applets) && existsSync(join(dist, 'initfs/bin/coreutils'))) {
  const mod = await import(pathToFileURL(applets).href);
  const names = mod.applets ?? mod.APPLETS ?? mod.default ?? [];
  for (const name of names) {
    const link = join(dist, 'initfs/bin', name);
    if (!existsSync(link)) symlinkSync('coreutils', link);
  }
}

if (failures.length) {
  process.stderr.write(`build: ${failures.length} program(s) failed to bundle:\n  ${failures.join('\n  ')}\n`);
  process.exit(1);
}
