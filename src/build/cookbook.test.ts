// The cookbook's cache, on recipes made for the test (custom builds from a path source and
// from a local tar archive, so no network is needed): a package is built once, found cached
// while its inputs stay the same, rebuilt when its source or a build dependency changes, and a
// failing build leaves the last good package in place. Also the ts template on the real bundles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cookAll, inputHash, REPO_ROOT, type PackageResult } from './cookbook.js';
import { loadRecipe, plan } from './recipe.js';

function setup(t: { after(f: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'macrohard-cookbook-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const recipes = join(dir, 'recipes');
  const put = (path: string, text: string): void => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  };
  return { dir, recipes, put, build: join(dir, 'build') };
}

const states = (rs: PackageResult[]): string[] => rs.map((r) => `${r.name}:${r.state}`);

test('custom builds are cached by their inputs and rebuilt when a source or dependency changes', async (t) => {
  const { dir, recipes, put, build } = setup(t);
  put(join(recipes, 'lib', 'recipe.toml'), '[source]\npath = "src"\n\n[build]\ntemplate = "custom"\nscript = "mkdir -p $COOKBOOK_STAGE/lib && cp data.txt $COOKBOOK_STAGE/lib/"\n\n[package]\nversion = "1.0"\n');
  put(join(recipes, 'lib', 'src', 'data.txt'), 'one\n');
  // app's source is a tar archive, unpacked under build/sources/app.
  put(join(dir, 'app-1', 'app.txt'), 'app\n');
  mkdirSync(join(recipes, 'app'), { recursive: true });
  spawnSync('tar', ['czf', join(recipes, 'app', 'app-1.tar.gz'), '-C', dir, 'app-1']);
  put(join(recipes, 'app', 'recipe.toml'), '[source]\ntar = "app-1.tar.gz"\n\n[build]\ntemplate = "custom"\ndependencies = ["lib"]\nscript = "mkdir -p $COOKBOOK_STAGE/bin && cp app.txt $COOKBOOK_STAGE/bin/app"\n\n[package]\nversion = "2.0"\ndescription = "an app"\n');
  const wanted = new Map([['app', { file: 'x', line: 1 }]]);
  const o = { root: REPO_ROOT, buildDir: build };
  const order = () => plan(recipes, wanted, dir).order;

  assert.deepEqual(states(await cookAll(order(), o)), ['lib:built', 'app:built']);
  assert.equal(readFileSync(join(build, 'packages', 'app', 'stage', 'bin', 'app'), 'utf8'), 'app\n');
  const m = JSON.parse(readFileSync(join(build, 'packages', 'app', 'manifest.json'), 'utf8'));
  assert.equal(m.version, '2.0');
  assert.equal(m.files, 1);
  assert.deepEqual(states(await cookAll(order(), o)), ['lib:cached', 'app:cached']);

  // lib's source changes: lib is rebuilt, and app with it (lib is a build dependency).
  put(join(recipes, 'lib', 'src', 'data.txt'), 'two\n');
  assert.deepEqual(states(await cookAll(order(), o)), ['lib:built', 'app:built']);
  assert.equal(readFileSync(join(build, 'packages', 'lib', 'stage', 'lib', 'data.txt'), 'utf8'), 'two\n');

  // A new archive under the same name: app is rebuilt from it.
  put(join(dir, 'app-1', 'app.txt'), 'app, second edition\n');
  spawnSync('tar', ['czf', join(recipes, 'app', 'app-1.tar.gz'), '-C', dir, 'app-1']);
  assert.deepEqual(states(await cookAll(order(), o)), ['lib:cached', 'app:built']);
  assert.equal(readFileSync(join(build, 'packages', 'app', 'stage', 'bin', 'app'), 'utf8'), 'app, second edition\n');

  // A failing build is reported, and the package built before stays as it was.
  put(join(recipes, 'lib', 'recipe.toml'), '[source]\npath = "src"\n\n[build]\ntemplate = "custom"\nscript = "echo broken >&2; exit 3"\n');
  await assert.rejects(cookAll(order(), o), /package lib: build script failed \(status 3\):\nbroken/);
  assert.equal(readFileSync(join(build, 'packages', 'lib', 'stage', 'lib', 'data.txt'), 'utf8'), 'two\n');
  assert.ok(!readdirSync(join(build, 'packages')).some((n) => n.includes('.tmp')), 'no half-built package left');
});

test('a change to the SDK rebuilds what is compiled with it, and only that', (t) => {
  const { dir, recipes, put, build } = setup(t);
  const script = (cmd: string) => `[source]\npath = "src"\n\n[build]\ntemplate = "custom"\nscript = "${cmd}"\n\n[package]\nversion = "1"\n`;
  put(join(recipes, 'prog', 'recipe.toml'), script('$COOKBOOK_CC -o $COOKBOOK_STAGE/prog prog.c'));
  put(join(recipes, 'prog', 'src', 'prog.c'), 'int main(void) { return 0; }\n');
  put(join(recipes, 'data', 'recipe.toml'), script('cp data.txt $COOKBOOK_STAGE/'));
  put(join(recipes, 'data', 'src', 'data.txt'), 'data\n');
  put(join(dir, 'sdk', 'include', 'macrohard.h'), '/* one */\n');
  const o = { root: dir, buildDir: build };
  const hashes = () => ['prog', 'data'].map((n) => inputHash(loadRecipe(recipes, n, dir), new Map(), o));
  const [prog1, data1] = hashes();
  put(join(dir, 'sdk', 'include', 'macrohard.h'), '/* two */\n');
  const [prog2, data2] = hashes();
  assert.notEqual(prog2, prog1, 'a custom script calling $COOKBOOK_CC depends on the SDK');
  assert.equal(data2, data1, 'a script that compiles nothing does not');
});

test('the ts template packages the bundles and a multi-call program\'s links', async (t) => {
  const { build } = setup(t);
  const recipes = join(REPO_ROOT, 'recipes');
  const r = loadRecipe(recipes, 'coreutils', REPO_ROOT);
  const [res] = await cookAll([r], { root: REPO_ROOT, buildDir: build });
  if (!res || res.state !== 'built') return assert.fail(`coreutils: ${JSON.stringify(res)}`);
  const bin = join(res.stage, 'bin');
  assert.ok(readFileSync(join(bin, 'coreutils'), 'utf8').startsWith('#MHJS1\n'));
  assert.equal(spawnSync('readlink', [join(bin, 'ls')], { encoding: 'utf8' }).stdout.trim(), 'coreutils');
});

test('packages that cannot be built here are skipped with the reason', async (t) => {
  const { dir, recipes, put, build } = setup(t);
  put(join(recipes, 'nocc', 'recipe.toml'), '[build]\ntemplate = "custom"\nscript = "echo macrohard cc: missing clang >&2; exit 69"\n');
  put(join(recipes, 'nodeb', 'recipe.toml'), '[source]\ndebian = "no-such-package-for-macrohard"\n\n[build]\ntemplate = "custom"\nscript = "true"\n');
  const wanted = new Map([['nocc', { file: 'x', line: 1 }], ['nodeb', { file: 'x', line: 2 }]]);
  const res = await cookAll(plan(recipes, wanted, dir).order, { root: REPO_ROOT, buildDir: build });
  assert.deepEqual(states(res), ['nocc:skipped', 'nodeb:skipped']);
  const reasons = res.map((r) => (r.state === 'skipped' ? r.reason : ''));
  assert.match(reasons[0]!, /not installed: macrohard cc: missing clang/);
  assert.match(reasons[1]!, /apt-get source no-such-package-for-macrohard failed/);
});
