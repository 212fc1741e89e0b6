// Recipes: recipes/NAME/recipe.toml, one folder per package, in Redox's shape:
//
//   [source]   path = "DIR" | tar = "URL or FILE" (+ sha256) | npm = "PKG" + version | debian = "PKG"
//   [build]    template = "ts" | "wasi-c" | "npm-wasm" | "custom", dependencies = [...],
//              and what the template needs (programs, script, install)
//   [package]  version, description, dependencies = [...] (runtime: installed with it)
//
// Loading checks every key (file and line on refusal); `plan` turns the packages a
// configuration asks for into a build order: runtime dependencies pulled in, build
// dependencies first, an unknown package or a dependency cycle refused.

import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Origin } from './config.js';
import { BuildError, checkKeys, isTable, readToml, type KeyPath, type TomlSource } from './source.js';

export type Template = 'ts' | 'wasi-c' | 'npm-wasm' | 'custom';
const TEMPLATES: readonly Template[] = ['ts', 'wasi-c', 'npm-wasm', 'custom'];

export type SourceSpec =
  | { kind: 'none' }
  | { kind: 'path'; path: string }
  | { kind: 'tar'; url: string; sha256?: string }
  | { kind: 'npm'; pkg: string; version: string }
  | { kind: 'debian'; pkg: string };

export interface Recipe {
  name: string;
  dir: string;
  file: string;
  text: string;
  source: SourceSpec;
  template: Template;
  buildDeps: string[];
  /** ts: the programs (src/userland/NAME) the package carries; wasi-c: the program's name. */
  programs: string[];
  /** ts: programs installed set-user-id root (mode 04755), as Redox's userutils installs su. */
  setuid: string[];
  /** custom: a shell script run with COOKBOOK_SOURCE and COOKBOOK_STAGE set. */
  script?: string;
  /** npm-wasm: image path -> path inside the npm package. */
  install: Record<string, string>;
  version: string;
  description: string;
  runtimeDeps: string[];
}

const SOURCE_KEYS = ['path', 'tar', 'sha256', 'npm', 'version', 'debian'];
const BUILD_KEYS = ['template', 'dependencies', 'programs', 'script', 'install', 'setuid'];
const PACKAGE_KEYS = ['version', 'description', 'dependencies'];

function strings(src: TomlSource, path: KeyPath, v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw src.error(path, `${path.at(-1)} must be an array of strings`);
  return v as string[];
}

function table(src: TomlSource, key: string): Record<string, unknown> {
  const t = src.data[key];
  if (t === undefined) return {};
  if (!isTable(t)) throw src.error([key], `[${key}] must be a table`);
  return t;
}

function parseSource(src: TomlSource, s: Record<string, unknown>): SourceSpec {
  checkKeys(src, ['source'], s, SOURCE_KEYS);
  const str = (k: string): string => {
    if (typeof s[k] !== 'string' || s[k] === '') throw src.error(['source', k], `source.${k} must be a non-empty string`);
    return s[k] as string;
  };
  const kinds = ['path', 'tar', 'npm', 'debian'].filter((k) => s[k] !== undefined);
  if (kinds.length > 1) throw src.error(['source', kinds[1]!], `[source] has one of path, tar, npm or debian, not ${kinds.join(' and ')}`);
  if (kinds.length === 0) return { kind: 'none' };
  switch (kinds[0]) {
    case 'path':
      return { kind: 'path', path: str('path') };
    case 'tar':
      return { kind: 'tar', url: str('tar'), sha256: s.sha256 === undefined ? undefined : str('sha256') };
    case 'npm':
      if (s.version === undefined) throw src.error(['source', 'npm'], 'an npm source needs a version');
      return { kind: 'npm', pkg: str('npm'), version: str('version') };
    default:
      return { kind: 'debian', pkg: str('debian') };
  }
}

export function loadRecipe(recipesDir: string, name: string, shownFrom: string): Recipe {
  const dir = join(recipesDir, name);
  const file = join(dir, 'recipe.toml');
  const shown = relative(shownFrom, file) || file;
  const src = readToml(file, shown);
  checkKeys(src, [], src.data, ['source', 'build', 'package']);
  const b = table(src, 'build');
  const p = table(src, 'package');
  checkKeys(src, ['build'], b, BUILD_KEYS);
  checkKeys(src, ['package'], p, PACKAGE_KEYS);
  const template = b.template;
  if (typeof template !== 'string' || !TEMPLATES.includes(template as Template)) {
    throw src.error(['build', 'template'], `build.template must be one of ${TEMPLATES.map((t) => `"${t}"`).join(', ')}`);
  }
  const opt = (t: Record<string, unknown>, sect: string, k: string): string | undefined => {
    if (t[k] === undefined) return undefined;
    if (typeof t[k] !== 'string') throw src.error([sect, k], `${sect}.${k} must be a string`);
    return t[k] as string;
  };
  const install: Record<string, string> = {};
  if (b.install !== undefined) {
    if (!isTable(b.install)) throw src.error(['build', 'install'], 'build.install must be a table: "IMAGE PATH" = "PATH IN THE PACKAGE"');
    for (const [k, v] of Object.entries(b.install)) {
      if (typeof v !== 'string' || !k.startsWith('/')) throw src.error(['build', 'install', k], 'build.install maps an absolute image path to a path inside the package');
      install[k] = v;
    }
  }
  const r: Recipe = {
    name,
    dir,
    file: shown,
    text: src.text,
    source: parseSource(src, table(src, 'source')),
    template: template as Template,
    buildDeps: strings(src, ['build', 'dependencies'], b.dependencies),
    programs: strings(src, ['build', 'programs'], b.programs),
    setuid: strings(src, ['build', 'setuid'], b.setuid),
    script: opt(b, 'build', 'script'),
    install,
    version: opt(p, 'package', 'version') ?? '0.0.0',
    description: opt(p, 'package', 'description') ?? '',
    runtimeDeps: strings(src, ['package', 'dependencies'], p.dependencies),
  };
  if (r.programs.length === 0 && (r.template === 'ts' || r.template === 'wasi-c')) r.programs = [name];
  for (const p of r.setuid) if (!r.programs.includes(p)) throw src.error(['build', 'setuid'], `setuid names '${p}', which is not one of the package's programs`, p);
  if (r.template === 'custom' && !r.script) throw src.error(['build'], 'a custom build needs build.script');
  if (r.template === 'npm-wasm' && r.source.kind !== 'npm') throw src.error(['build', 'template'], 'an npm-wasm build needs an npm source ([source] npm = "...", version = "...")');
  if (r.template === 'npm-wasm' && Object.keys(install).length === 0) throw src.error(['build'], 'an npm-wasm build needs build.install ("/bin/NAME" = "file.wasm")');
  return r;
}

export interface Plan {
  /** Every package to build, each after its build and runtime dependencies. */
  order: Recipe[];
  /** The packages that go into the image: those asked for and their runtime dependencies. */
  installed: string[];
}

/**
 * The build order for `wanted` (package name -> where the configuration asked for it). An
 * unknown package is refused at the configuration's line, or at the line of the recipe that
 * depends on it; a cycle is refused naming the whole loop.
 */
export function plan(recipesDir: string, wanted: Map<string, Origin>, shownFrom: string): Plan {
  const recipes = new Map<string, Recipe>();
  const get = (name: string, asker: () => BuildError): Recipe => {
    let r = recipes.get(name);
    if (!r) {
      if (!existsSync(join(recipesDir, name, 'recipe.toml'))) throw asker();
      r = loadRecipe(recipesDir, name, shownFrom);
      recipes.set(name, r);
    }
    return r;
  };
  const depError = (r: Recipe, key: 'build' | 'package', dep: string): BuildError =>
    new BuildError(r.file, lineOfDep(r, key, dep), `unknown package '${dep}' (no ${relative(shownFrom, join(recipesDir, dep, 'recipe.toml'))})`);
  const order: Recipe[] = [];
  const done = new Set<string>();
  const visit = (r: Recipe, path: string[]): void => {
    if (done.has(r.name)) return;
    if (path.includes(r.name)) {
      const loop = [...path.slice(path.indexOf(r.name)), r.name];
      throw new BuildError(r.file, lineOfDep(r, 'build', loop[1] ?? r.name), `dependency cycle: ${loop.join(' -> ')}`);
    }
    for (const d of r.buildDeps) visit(get(d, () => depError(r, 'build', d)), [...path, r.name]);
    for (const d of r.runtimeDeps) visit(get(d, () => depError(r, 'package', d)), [...path, r.name]);
    done.add(r.name);
    order.push(r);
  };
  for (const [name, origin] of wanted) {
    visit(get(name, () => new BuildError(origin.file, origin.line, `unknown package '${name}' (no ${relative(shownFrom, join(recipesDir, name, 'recipe.toml'))})`)), []);
  }
  // Installed: what was asked for, and runtime dependencies all the way down.
  const installed = new Set<string>();
  const add = (n: string): void => {
    if (installed.has(n)) return;
    installed.add(n);
    for (const d of recipes.get(n)!.runtimeDeps) add(d);
  };
  for (const n of wanted.keys()) add(n);
  return { order, installed: order.map((r) => r.name).filter((n) => installed.has(n)) };
}

function lineOfDep(r: Recipe, key: 'build' | 'package', dep: string): number {
  const lines = r.text.split('\n');
  const i = lines.findIndex((l) => l.includes(`"${dep}"`) || l.includes(`'${dep}'`));
  if (i >= 0) return i + 1;
  const h = lines.findIndex((l) => l.trim() === `[${key}]`);
  return h >= 0 ? h + 1 : 1;
}
