// Image configurations (config/*.toml) in Redox's form: `include`, `[general]`, `[packages]`,
// `[[files]]`, `[users.NAME]`, `[groups.NAME]`. Included files are read first and the
// including file's settings win; every file is checked on its own, so an unknown key, a bad
// value, a missing include or an include cycle is refused with that file's name and line.
// The merged result then has its defaults filled in (users.ts) before the image is built.

import { dirname, relative, resolve } from 'node:path';
import { BuildError, checkKeys, isTable, readToml, type KeyPath, type TomlSource } from './source.js';
import { Ipv6Cidr } from '../net/wire/ipv6.js';

/** Where a merged setting came from, for errors found after merging. */
export interface Origin {
  file: string;
  line: number;
}

export interface GeneralConfig {
  /** The image's size in MiB. */
  filesystemSize: number;
  /** The shell prompt ($PROMPT), if the configuration sets one. */
  prompt?: string;
  hostname: string;
  /** What the console runs: login asks who you are; shell starts root's shell directly. */
  console: 'login' | 'shell';
  /** With console = "login": this user is logged in without questions. */
  autologin?: string;
}

export interface FileSpec {
  path: string;
  data?: string;
  symlink?: string;
  directory?: boolean;
  mode?: number;
  uid?: number;
  gid?: number;
  origin: Origin;
}

export interface UserSpec {
  password?: string;
  uid?: number;
  gid?: number;
  name?: string;
  home?: string;
  shell?: string;
  /** The schemes the user's sessions may name (login narrows the namespace); all if absent. */
  schemes?: string[];
  origin: Origin;
}

export interface GroupSpec {
  gid?: number;
  members?: string[];
  origin: Origin;
}

export interface ImageConfig {
  /** The configuration's name: its file name without .toml (server for config/server.toml). */
  name: string;
  /** Every file read, the top one last: the inputs of the image. */
  sources: { file: string; text: string }[];
  general: GeneralConfig;
  packages: Map<string, Origin>;
  files: FileSpec[];
  users: Map<string, UserSpec>;
  groups: Map<string, GroupSpec>;
  /** How the image is networked when booted: a `macrohard boot --net` value, or none. */
  network: string | undefined;
}

const TOP_KEYS = ['include', 'general', 'packages', 'files', 'users', 'groups', 'network'] as const;
const NETWORK_KEYS = ['mode', 'hostfwd', 'addr6', 'gateway6'] as const;
const GENERAL_KEYS = ['filesystem_size', 'prompt', 'hostname', 'console', 'autologin'] as const;
const FILE_KEYS = ['path', 'data', 'symlink', 'directory', 'mode', 'uid', 'gid'] as const;
const USER_KEYS = ['password', 'uid', 'gid', 'name', 'home', 'shell', 'schemes'] as const;
const GROUP_KEYS = ['gid', 'members'] as const;
const NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

function str(src: TomlSource, path: KeyPath, v: unknown): string {
  if (typeof v !== 'string') throw src.error(path, `${path.at(-1)} must be a string`);
  if (v.includes('\0')) throw src.error(path, `${path.at(-1)} must not contain NUL`);
  return v;
}

function int(src: TomlSource, path: KeyPath, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw src.error(path, `${path.at(-1)} must be a whole number from ${min} to ${max}`);
  return v;
}

/** A mode as TOML's 0o644, or as a string of octal digits ("0644", "755"). */
function mode(src: TomlSource, path: KeyPath, v: unknown): number {
  const n = typeof v === 'string' && /^0?[0-7]{1,4}$/.test(v) ? parseInt(v, 8) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0o7777) throw src.error(path, 'mode must be permission bits, as 0o644 or "0644"');
  return n;
}

function fieldSafe(src: TomlSource, path: KeyPath, v: string): string {
  if (/[:\n]/.test(v)) throw src.error(path, `${path.at(-1)} must not contain ':' or a newline (it goes into /etc/passwd)`);
  return v;
}

interface Layered {
  network: string | undefined;
  general: Record<string, unknown>;
  generalOrigin: Map<string, Origin>;
  packages: Map<string, Origin>;
  files: FileSpec[];
  users: Map<string, UserSpec>;
  groups: Map<string, GroupSpec>;
}

/** Checks one file's tables and folds them over what its includes gave (`into`). */
function apply(src: TomlSource, into: Layered): void {
  const d = src.data;
  checkKeys(src, [], d, TOP_KEYS);
  const at = (path: KeyPath): Origin => ({ file: src.file, line: src.lineOf(path) });

  if (d.general !== undefined) {
    if (!isTable(d.general)) throw src.error(['general'], '[general] must be a table');
    checkKeys(src, ['general'], d.general, GENERAL_KEYS);
    const g = d.general;
    const p = (k: string): KeyPath => ['general', k];
    if (g.filesystem_size !== undefined) into.general.filesystemSize = int(src, p('filesystem_size'), g.filesystem_size, 4, 1 << 20);
    if (g.prompt !== undefined) into.general.prompt = str(src, p('prompt'), g.prompt);
    if (g.hostname !== undefined) {
      const h = str(src, p('hostname'), g.hostname);
      if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/.test(h)) throw src.error(p('hostname'), `hostname '${h}' is not a host name`);
      into.general.hostname = h;
    }
    if (g.console !== undefined) {
      const c = str(src, p('console'), g.console);
      if (c !== 'login' && c !== 'shell') throw src.error(p('console'), 'console must be "login" or "shell"');
      into.general.console = c;
    }
    // autologin = "" turns off an included file's autologin.
    if (g.autologin !== undefined) into.general.autologin = str(src, p('autologin'), g.autologin);
    for (const k of Object.keys(g)) into.generalOrigin.set(k, at(p(k)));
  }

  // [network] mode = "none" | "user" | "tap"; hostfwd = ["tcp::8080-:80", ...] (user mode).
  if (d.network !== undefined) {
    if (!isTable(d.network)) throw src.error(['network'], '[network] must be a table');
    checkKeys(src, ['network'], d.network, NETWORK_KEYS);
    const mode = d.network.mode === undefined ? 'user' : str(src, ['network', 'mode'], d.network.mode);
    if (mode !== 'none' && mode !== 'user' && mode !== 'tap') throw src.error(['network', 'mode'], 'mode must be "none", "user" or "tap"');
    const fwd = d.network.hostfwd ?? [];
    if (!Array.isArray(fwd)) throw src.error(['network', 'hostfwd'], 'hostfwd must be an array of strings like "tcp::8080-:80"');
    for (const f of fwd) {
      if (typeof f !== 'string' || !/^(tcp|udp):[0-9.]*:\d+-[0-9.]*:\d+$/.test(f)) throw src.error(['network', 'hostfwd'], `hostfwd entry ${JSON.stringify(f)} is not like "tcp::8080-:80"`);
    }
    if (fwd.length && mode !== 'user') throw src.error(['network', 'hostfwd'], 'hostfwd needs mode = "user"');
    // A static IPv6 address and router for the TAP link (the user-mode NAT is IPv4's).
    const v6: string[] = [];
    for (const k of ['addr6', 'gateway6'] as const) {
      if (d.network[k] === undefined) continue;
      const v = str(src, ['network', k], d.network[k]);
      if (mode !== 'tap') throw src.error(['network', k], `${k} needs mode = "tap"`);
      const c = Ipv6Cidr.parse(v);
      if (!c || (k === 'gateway6' && v.includes('/'))) throw src.error(['network', k], `${k} ${JSON.stringify(v)} is not an IPv6 address${k === 'addr6' ? ' (with /PREFIX)' : ''}`);
      v6.push(`${k}=${v}`);
    }
    into.network = [mode, ...fwd.map((f: string) => `hostfwd=${f}`), ...v6].join(',');
  }

  if (d.packages !== undefined) {
    if (!isTable(d.packages)) throw src.error(['packages'], '[packages] must be a table');
    for (const [name, v] of Object.entries(d.packages)) {
      const path = ['packages', name];
      if (!NAME.test(name)) throw src.error(path, `'${name}' is not a package name (lower case letters, digits, - and _)`);
      if (v === 'ignore') into.packages.delete(name);
      else if (v === 'source' || v === 'binary' || (isTable(v) && Object.keys(v).length === 0)) into.packages.set(name, at(path));
      else if (isTable(v)) checkKeys(src, path, v, []);
      else throw src.error(path, `package ${name} must be {} (or "source", "binary", "ignore")`);
    }
  }

  if (d.files !== undefined) {
    if (!Array.isArray(d.files)) throw src.error(['files'], 'files must be an array of tables: [[files]]');
    d.files.forEach((f: unknown, i: number) => {
      const p = (k?: string): KeyPath => (k ? ['files', i, k] : ['files', i]);
      if (!isTable(f)) throw src.error(p(), '[[files]] entries must be tables');
      checkKeys(src, p(), f, FILE_KEYS);
      if (f.path === undefined) throw src.error(p(), '[[files]] entry has no path');
      const path = str(src, p('path'), f.path);
      if (!path.startsWith('/') || path === '/' || path.split('/').some((c) => c === '..')) throw src.error(p('path'), `path '${path}' must be absolute, below /, without '..'`);
      const kinds = ['data', 'symlink', 'directory'].filter((k) => f[k] !== undefined && f[k] !== false);
      if (kinds.length > 1) throw src.error(p(kinds[1]), `a [[files]] entry is one of data, symlink or directory, not ${kinds.join(' and ')}`);
      const spec: FileSpec = { path, origin: at(p()) };
      if (f.data !== undefined) spec.data = str(src, p('data'), f.data);
      if (f.symlink !== undefined) spec.symlink = str(src, p('symlink'), f.symlink);
      if (f.directory !== undefined) {
        if (typeof f.directory !== 'boolean') throw src.error(p('directory'), 'directory must be true or false');
        spec.directory = f.directory;
      }
      if (f.mode !== undefined) spec.mode = mode(src, p('mode'), f.mode);
      if (f.uid !== undefined) spec.uid = int(src, p('uid'), f.uid, 0, 0x7fffffff);
      if (f.gid !== undefined) spec.gid = int(src, p('gid'), f.gid, 0, 0x7fffffff);
      into.files.push(spec);
    });
  }

  for (const kind of ['users', 'groups'] as const) {
    const t = d[kind];
    if (t === undefined) continue;
    if (!isTable(t)) throw src.error([kind], `[${kind}] must be a table of tables ([${kind}.NAME])`);
    for (const [name, v] of Object.entries(t)) {
      const p = (k?: string): KeyPath => (k ? [kind, name, k] : [kind, name]);
      if (!NAME.test(name)) throw src.error(p(), `'${name}' is not a valid ${kind === 'users' ? 'user' : 'group'} name`);
      if (!isTable(v)) throw src.error(p(), `[${kind}.${name}] must be a table`);
      if (kind === 'users') {
        checkKeys(src, p(), v, USER_KEYS);
        // A later file's table for the same user changes only the fields it gives.
        const u: UserSpec = { ...into.users.get(name), origin: at(p()) };
        if (v.password !== undefined) u.password = str(src, p('password'), v.password);
        if (v.uid !== undefined) u.uid = int(src, p('uid'), v.uid, 0, 65534);
        if (v.gid !== undefined) u.gid = int(src, p('gid'), v.gid, 0, 65534);
        if (v.name !== undefined) u.name = fieldSafe(src, p('name'), str(src, p('name'), v.name));
        for (const k of ['home', 'shell'] as const) {
          if (v[k] === undefined) continue;
          const s = fieldSafe(src, p(k), str(src, p(k), v[k]));
          if (!s.startsWith('/')) throw src.error(p(k), `${k} must be an absolute path`);
          u[k] = s;
        }
        if (v.schemes !== undefined) {
          if (!Array.isArray(v.schemes) || !v.schemes.every((x) => typeof x === 'string' && /^[a-z0-9_.-]+$/.test(x))) {
            throw src.error(p('schemes'), 'schemes must be an array of scheme names (e.g. ["file", "pty", "pipe"])');
          }
          u.schemes = v.schemes as string[];
        }
        into.users.set(name, u);
      } else {
        checkKeys(src, p(), v, GROUP_KEYS);
        const g: GroupSpec = { ...into.groups.get(name), origin: at(p()) };
        if (v.gid !== undefined) g.gid = int(src, p('gid'), v.gid, 0, 65534);
        if (v.members !== undefined) {
          if (!Array.isArray(v.members) || !v.members.every((m) => typeof m === 'string')) throw src.error(p('members'), 'members must be an array of user names');
          g.members = v.members as string[];
        }
        into.groups.set(name, g);
      }
    }
  }
}

/** Reads `file` and its includes (depth first, in order), folding each over the last. */
function load(file: string, shownFrom: string, into: Layered, stack: string[], sources: ImageConfig['sources']): void {
  const shown = relative(shownFrom, file) || file;
  const src = readToml(file, shown);
  const inc = src.data.include ?? [];
  if (!Array.isArray(inc) || !inc.every((x) => typeof x === 'string')) throw src.error(['include'], 'include must be an array of file names');
  for (const [i, name] of (inc as string[]).entries()) {
    const target = resolve(dirname(file), name);
    const line = src.lineOf(['include', i], name);
    if (stack.includes(target)) {
      const cycle = [...stack.slice(stack.indexOf(target)), target].map((f) => relative(shownFrom, f) || f);
      throw new BuildError(shown, line, `include cycle: ${cycle.join(' -> ')}`);
    }
    try {
      load(target, shownFrom, into, [...stack, target], sources);
    } catch (e) {
      // A missing include is this file's mistake: say so at the include's line.
      if (e instanceof BuildError && e.line === 0 && e.file === (relative(shownFrom, target) || target)) {
        throw new BuildError(shown, line, `include '${name}': ${e.reason} (${e.file})`);
      }
      throw e;
    }
  }
  apply(src, into);
  sources.push({ file: shown, text: src.text });
}

/** Loads the configuration at `file`; file names in errors are shown relative to `cwd`. */
export function loadConfig(file: string, cwd = process.cwd()): ImageConfig {
  const top = resolve(cwd, file);
  const into: Layered = {
    network: undefined,
    general: {},
    generalOrigin: new Map(),
    packages: new Map(),
    files: [],
    users: new Map(),
    groups: new Map(),
  };
  const sources: ImageConfig['sources'] = [];
  load(top, cwd, into, [top], sources);
  const g = into.general;
  const general: GeneralConfig = {
    filesystemSize: (g.filesystemSize as number | undefined) ?? 64,
    prompt: g.prompt as string | undefined,
    hostname: (g.hostname as string | undefined) ?? 'macrohard',
    console: (g.console as 'login' | 'shell' | undefined) ?? 'login',
    autologin: (g.autologin as string | undefined) || undefined,
  };
  const name = top.replace(/^.*\//, '').replace(/\.toml$/, '');
  const cfg: ImageConfig = { name, sources, general, packages: into.packages, files: into.files, users: into.users, groups: into.groups, network: into.network };
  if (general.autologin !== undefined && !cfg.users.has(general.autologin)) {
    const o = into.generalOrigin.get('autologin')!;
    throw new BuildError(o.file, o.line, `autologin: no user '${general.autologin}' in [users]`);
  }
  return cfg;
}
