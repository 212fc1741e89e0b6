// Configuration and recipe checking: includes merge with the later file winning, and every
// refusal names the file and line — unknown keys (top level, in tables, in [[files]] entries),
// bad values, missing includes, include cycles, unknown packages, dependency cycles, bad TOML.
// Also the user defaults and the files an image gets from them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config.js';
import { plan } from './recipe.js';
import { BuildError, locate } from './source.js';
import { resolveUsers } from './users.js';
import { verifyPassword } from '../userland/login/hash.js';
import { parsePasswd, parseShadow } from '../userland/login/users.js';

function workspace(t: { after(f: () => void): void }, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'macrohard-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function refusal(f: () => unknown): BuildError {
  try {
    f();
  } catch (e) {
    if (e instanceof BuildError) return e;
    throw e;
  }
  assert.fail('expected a BuildError');
}

test('includes merge in order, the including file winning', (t) => {
  const dir = workspace(t, {
    'base.toml': '[general]\nfilesystem_size = 32\nprompt = "base> "\n\n[packages]\nsh = {}\ncoreutils = {}\n\n[users.root]\npassword = "a"\n\n[[files]]\npath = "/etc/x"\ndata = "base"\n',
    'top.toml': 'include = ["base.toml"]\n\n[general]\nfilesystem_size = 48\n\n[packages]\ncoreutils = "ignore"\nnetd = {}\n\n[users.root]\nshell = "/bin/other"\n\n[[files]]\npath = "/etc/x"\ndata = "top"\n',
  });
  const c = loadConfig('top.toml', dir);
  assert.equal(c.name, 'top');
  assert.equal(c.general.filesystemSize, 48);
  assert.equal(c.general.prompt, 'base> ');
  assert.deepEqual([...c.packages.keys()], ['sh', 'netd']);
  assert.deepEqual({ ...c.users.get('root'), origin: undefined }, { password: 'a', shell: '/bin/other', origin: undefined });
  assert.deepEqual(c.files.map((f) => f.data), ['base', 'top']);
  assert.deepEqual(c.sources.map((s) => s.file), ['base.toml', 'top.toml']);
});

test('refusals carry the file, the line and the reason', (t) => {
  const dir = workspace(t, {
    'unknown-top.toml': '# a comment\n\nfilesystem = 3\n',
    'unknown-general.toml': '[general]\nfilesystem_size = 64\n\npromt = "x"\n',
    'unknown-file-key.toml': '[[files]]\npath = "/a"\ndata = "x"\n\n[[files]]\npath = "/b"\nowner = 3\n',
    'bad-value.toml': '[general]\nfilesystem_size = "big"\n',
    'two-kinds.toml': '[[files]]\npath = "/a"\ndata = "x"\nsymlink = "/b"\n',
    'missing.toml': 'include = [\n  "minimal.toml",\n  "nowhere.toml",\n]\n',
    'minimal.toml': '[general]\nprompt = "x"\n',
    'a.toml': 'include = ["b.toml"]\n',
    'b.toml': '\ninclude = ["a.toml"]\n',
    'syntax.toml': '[general]\nprompt = \n',
    'user.toml': '[users.root]\nuid = 0\nhome = "relative"\n',
    'autologin.toml': '[general]\nautologin = "nobody"\n',
    'schemes.toml': '[users.guest]\nschemes = ["file", "Not A Scheme"]\n',
    'multiline.toml': '[[files]]\npath = "/a"\ndata = """\n[general]\nnot = a key\n"""\n\n[[files]]\npath = "/b"\nmode = "rwx"\n',
  });
  const cases: [string, string, number, RegExp][] = [
    ['unknown-top.toml', 'unknown-top.toml', 3, /unknown key 'filesystem' in the top level/],
    ['unknown-general.toml', 'unknown-general.toml', 4, /unknown key 'promt' in \[general\]/],
    ['unknown-file-key.toml', 'unknown-file-key.toml', 7, /unknown key 'owner' in \[files\]/],
    ['bad-value.toml', 'bad-value.toml', 2, /filesystem_size must be a whole number/],
    ['two-kinds.toml', 'two-kinds.toml', 4, /one of data, symlink or directory/],
    ['missing.toml', 'missing.toml', 3, /include 'nowhere.toml': cannot read: no such file/],
    ['a.toml', 'b.toml', 2, /include cycle: a.toml -> b.toml -> a.toml/],
    ['syntax.toml', 'syntax.toml', 2, /TOML syntax/],
    ['user.toml', 'user.toml', 3, /home must be an absolute path/],
    ['autologin.toml', 'autologin.toml', 2, /autologin: no user 'nobody'/],
    ['schemes.toml', 'schemes.toml', 2, /schemes must be an array of scheme names/],
    ['multiline.toml', 'multiline.toml', 10, /mode must be permission bits/],
  ];
  for (const [top, file, line, reason] of cases) {
    const e = refusal(() => loadConfig(top, dir));
    assert.equal(e.file, file, top);
    assert.equal(e.line, line, `${top}: ${e.message}`);
    assert.match(e.reason, reason, top);
    assert.equal(e.message, `${e.file}:${e.line}: ${e.reason}`);
  }
});

test('locate finds keys in tables, arrays of tables and inline tables', () => {
  const text = '[general]\na = 1\n\n[[files]]\npath = "x"\n[[files]]\npath = "y"\nmode = 1\n[users]\nroot = { uid = 0, shell = "/s" }\n';
  assert.equal(locate(text, ['general', 'a']), 2);
  assert.equal(locate(text, ['files', 1, 'mode']), 8);
  assert.equal(locate(text, ['files', 0]), 4);
  assert.equal(locate(text, ['users', 'root', 'shell']), 10);
  assert.equal(locate(text, ['nothing']), 1);
});

test('packages: unknown ones and dependency cycles are refused; order puts dependencies first', (t) => {
  const recipe = (deps: string[], run: string[] = []) =>
    `[build]\ntemplate = "custom"\nscript = "true"\ndependencies = ${JSON.stringify(deps)}\n\n[package]\nversion = "1"\ndependencies = ${JSON.stringify(run)}\n`;
  const dir = workspace(t, {
    'recipes/a/recipe.toml': recipe(['b']),
    'recipes/b/recipe.toml': recipe([], ['c']),
    'recipes/c/recipe.toml': recipe([]),
    'recipes/x/recipe.toml': recipe(['y']),
    'recipes/y/recipe.toml': recipe([], ['x']),
    'recipes/bad/recipe.toml': '[build]\ntemplate = "cargo"\n',
    'recipes/orphan/recipe.toml': recipe([], ['ghost']),
    'ok.toml': '[packages]\na = {}\n',
    'unknown.toml': '[packages]\na = {}\n\nzzz = {}\n',
    'cycle.toml': '[packages]\nx = {}\n',
    'bad.toml': '[packages]\nbad = {}\n',
    'orphan.toml': '[packages]\norphan = {}\n',
  });
  const recipes = join(dir, 'recipes');
  const p = plan(recipes, loadConfig('ok.toml', dir).packages, dir);
  assert.deepEqual(p.order.map((r) => r.name), ['c', 'b', 'a']);
  assert.deepEqual(p.installed, ['a']);
  let e = refusal(() => plan(recipes, loadConfig('unknown.toml', dir).packages, dir));
  assert.equal(`${e.file}:${e.line}`, 'unknown.toml:4');
  assert.match(e.reason, /unknown package 'zzz'/);
  e = refusal(() => plan(recipes, loadConfig('cycle.toml', dir).packages, dir));
  assert.match(e.reason, /dependency cycle: x -> y -> x/);
  assert.equal(e.file, join('recipes', 'x', 'recipe.toml'));
  e = refusal(() => plan(recipes, loadConfig('bad.toml', dir).packages, dir));
  assert.equal(`${e.file}:${e.line}`, `${join('recipes', 'bad', 'recipe.toml')}:2`);
  assert.match(e.reason, /build.template must be one of/);
  e = refusal(() => plan(recipes, loadConfig('orphan.toml', dir).packages, dir));
  assert.equal(`${e.file}:${e.line}`, `${join('recipes', 'orphan', 'recipe.toml')}:8`);
  assert.match(e.reason, /unknown package 'ghost'/);
});

test('users: defaults, groups, and hashes login can check', (t) => {
  const dir = workspace(t, {
    'u.toml': '[users.root]\npassword = "pw"\n\n[users.alice]\npassword = ""\nschemes = ["file", "pty"]\n\n[users.bob]\n\n[groups.staff]\ngid = 50\nmembers = ["alice", "bob"]\n',
    'badgroup.toml': '[users.a]\n\n[groups.g]\nmembers = ["zed"]\n',
    'noroot.toml': '[users.a]\npassword = ""\n',
  });
  const u = resolveUsers(loadConfig('u.toml', dir), (pw) => `hashed(${pw})`);
  assert.deepEqual(parsePasswd(u.passwd).map((e) => [e.name, e.uid, e.gid, e.home, e.shell]), [
    ['root', 0, 0, '/root', '/bin/sh'],
    ['alice', 1000, 1000, '/home/alice', '/bin/sh'],
    ['bob', 1001, 1001, '/home/bob', '/bin/sh'],
  ]);
  assert.equal(u.group, 'root:x:0:\nstaff:x:50:alice,bob\nalice:x:1000:\nbob:x:1001:\n');
  assert.deepEqual(parseShadow(u.shadow), [{ name: 'root', hash: 'hashed(pw)' }, { name: 'alice', hash: '' }, { name: 'bob', hash: '!' }]);
  assert.match(u.schemes, /\nalice:file,pty\n$/);
  const real = resolveUsers(loadConfig('u.toml', dir));
  assert.ok(verifyPassword('pw', parseShadow(real.shadow)[0]!.hash));
  const noRoot = resolveUsers(loadConfig('noroot.toml', dir));
  assert.equal(noRoot.passwd, 'root:x:0:0:root:/root:/bin/sh\na:x:1000:1000:a:/home/a:/bin/sh\n');
  assert.equal(noRoot.shadow, 'root:!\na:\n');
  const e = refusal(() => resolveUsers(loadConfig('badgroup.toml', dir)));
  assert.match(e.message, /badgroup.toml:3: group g: member 'zed' is not in \[users\]/);
});

test('[network] becomes the boot --net value; a bad mode or forward is refused at its line', (t) => {
  const dir = workspace(t, {
    'net.toml': '[network]\nmode = "user"\nhostfwd = ["tcp::8080-:80"]\n',
    'bad-mode.toml': '[network]\nmode = "wifi"\n',
    'bad-fwd.toml': '[network]\nmode = "user"\nhostfwd = ["8080:80"]\n',
    'tap-fwd.toml': '[network]\nmode = "tap"\nhostfwd = ["tcp::8080-:80"]\n',
    'tap6.toml': '[network]\nmode = "tap"\naddr6 = "2001:db8::15/64"\ngateway6 = "fe80::1"\n',
    'bad6.toml': '[network]\nmode = "tap"\naddr6 = "2001:db8::zz/64"\n',
    'user6.toml': '[network]\nmode = "user"\naddr6 = "2001:db8::15/64"\n',
  });
  assert.equal(loadConfig(join(dir, 'tap6.toml'), dir).network, 'tap,addr6=2001:db8::15/64,gateway6=fe80::1');
  assert.match(refusal(() => loadConfig(join(dir, 'bad6.toml'), dir)).message, /bad6\.toml:3: addr6 "2001:db8::zz\/64" is not an IPv6 address/);
  assert.match(refusal(() => loadConfig(join(dir, 'user6.toml'), dir)).message, /addr6 needs mode = "tap"/);
  assert.equal(loadConfig(join(dir, 'net.toml'), dir).network, 'user,hostfwd=tcp::8080-:80');
  const e1 = refusal(() => loadConfig(join(dir, 'bad-mode.toml'), dir));
  assert.match(e1.message, /bad-mode\.toml:2: mode must be "none", "user" or "tap"/);
  assert.match(refusal(() => loadConfig(join(dir, 'bad-fwd.toml'), dir)).message, /hostfwd entry "8080:80" is not like/);
  assert.match(refusal(() => loadConfig(join(dir, 'tap-fwd.toml'), dir)).message, /hostfwd needs mode = "user"/);
});
