// Images from configurations, as a user builds and boots them: `macrohard image build` on a
// bad configuration (refused with file, line and reason) and on config/server.toml (built once
// for this file, into a temporary build folder), then `macrohard boot --image` with -c and
// through the console: the user database, the [[files]], a C package, logging in (autologin,
// login with and without a password, a wrong one), su; and rebuilds — nothing changed (up to
// date, packages from the cache), a configuration changed (the image again, the packages not),
// and a user whose sessions are confined to the schemes the configuration lists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin', 'macrohard.js');
let dir = '';
let image = '';
let firstBuild = { ms: 0, stderr: '' };

function macrohard(args: string[], input?: string, cwd = root) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], { input, cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
}

function hasC(): boolean {
  return !/skip +hello/.test(firstBuild.stderr);
}

// The programs are taken from a copy of the bundles, so that someone running `npm run build`
// in the same tree meanwhile does not change what the rebuild test sees.
let bundles: string[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'macrohard-image-'));
  cpSync(join(root, 'dist', 'initfs', 'bin'), join(dir, 'bundles'), { recursive: true, verbatimSymlinks: true });
  bundles = ['--build-dir', dir, '--bundles', join(dir, 'bundles')];
  const r = macrohard(['image', 'build', 'config/server.toml', ...bundles]);
  assert.equal(r.status, 0, r.stderr);
  firstBuild = { ms: r.ms, stderr: r.stderr };
  image = join(dir, 'server', 'harddrive.img');
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a bad configuration is refused with the file, the line and the reason', () => {
  const bad = join(dir, 'bad.toml');
  writeFileSync(bad, `include = ["${join(root, 'config', 'minimal.toml')}"]\n\n[general]\nfilesystem_size = 64\nsize = 3\n`);
  let r = macrohard(['image', 'build', bad, '--build-dir', dir], undefined, dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /macrohard image: bad\.toml:5: unknown key 'size' in \[general\]/);
  writeFileSync(bad, '[packages]\nsh = {}\nno-such-package = {}\n');
  r = macrohard(['image', 'build', bad, '--build-dir', dir], undefined, dir);
  assert.match(r.stderr, /bad\.toml:3: unknown package 'no-such-package'/);
  assert.ok(!existsSync(join(dir, 'bad')), 'no image for a refused configuration');
});

test('the server image: users, groups, [[files]], homes, /tmp and its programs', () => {
  assert.match(firstBuild.stderr, /built +coreutils/);
  assert.match(firstBuild.stderr, /harddrive\.img: 128 MiB/);
  const r = macrohard(['boot', '--image', image, '-c',
    'cat /etc/passwd; cat /etc/group; cat /etc/issue; ls -ld /tmp /home/user /root; id user; whoami; cat /etc/hostname; ls /bin | wc -l']);
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout;
  assert.match(out, /^root:x:0:0:root:\/root:\/bin\/sh\nuser:x:1000:1000:Default user:\/home\/user:\/bin\/sh\n/);
  assert.match(out, /wheel:x:10:user\n/);
  assert.match(out, /MACROHARD server\n/);
  assert.match(out, /drwx------ +\d+ user +user .* \/home\/user\n/);
  assert.match(out, /drwx------ +\d+ root +root .* \/root\n/);
  assert.match(out, /drwxrwxrwt .* \/tmp\n/);
  assert.match(out, /uid=1000\(user\) gid=1000\(user\) groups=1000\(user\),10\(wheel\)\n/);
  assert.match(out, /\nroot\nmacrohard\n/);
  assert.ok(Number(out.trim().split('\n').at(-1)) > 50, 'coreutils applets are in /bin');
  // The hashes are salted, root-only, and not in /etc/passwd.
  const s = macrohard(['boot', '--image', image, '-c', 'cat /etc/shadow; ls -l /etc/shadow; su user -c "cat /etc/shadow"; echo status $?']);
  assert.match(s.stdout, /^root:\$pbkdf2-sha256\$\d+\$[0-9a-f]{32}\$[0-9a-f]{64}\nuser:\n/);
  assert.match(s.stdout, /-rw------- +1 root +root/);
  assert.match(s.stdout + s.stderr, /status 1/);
  // What a user may touch: their home and /tmp, not /etc or /root.
  const u = macrohard(['boot', '--image', image, '-c', 'su - user -c "echo x > /etc/x; ls /root; echo ok > ~/f; cat ~/f; touch /tmp/t; ls -l /tmp/t"']);
  assert.match(u.stdout + u.stderr, /\/etc\/x: Permission denied/);
  assert.match(u.stdout + u.stderr, /'\/root': Permission denied/);
  assert.match(u.stdout, /^ok\n-rw-r--r-- +1 user +user .* \/tmp\/t\n$/m);
  if (hasC()) assert.equal(macrohard(['boot', '--image', image, '-c', 'hello from the test']).stdout, 'Hello from C on MACROHARD from the test\n');
});

test('the console: autologin, login with a password, a wrong one, a user without one, su', () => {
  // server.toml logs `user` in: what is typed goes to user's shell, in user's home.
  let r = macrohard(['boot', '--image', image], 'whoami\npwd\necho $PROMPT\nexit\n');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Welcome to MACROHARD/);
  assert.match(r.stdout, /\nuser\r?\n/);
  assert.match(r.stdout, /\/home\/user\r?\n/);
  // login itself, typed into as on a real console: a wrong password first.
  r = macrohard(['boot', '--image', image, '-c', 'login'], 'root\nnot-it\nroot\npassword\nid -un\npwd\nsu user -c whoami\nexit\n');
  const out = r.stdout + r.stderr;
  assert.match(out, /macrohard login: /);
  assert.match(out, /Login incorrect/);
  assert.doesNotMatch(out, /not-it|\bpassword\b/, 'passwords are not echoed');
  assert.match(out, /\nroot\r?\n/);
  assert.match(out, /\n\/root\r?\n/);
  assert.match(out, /\nuser\r?\n/);
  // user has no password: login asks only for the name.
  r = macrohard(['boot', '--image', image, '-c', 'login'], 'user\nid\nexit\n');
  assert.match(r.stdout + r.stderr, /uid=1000\(user\) gid=1000\(user\)/);
  assert.doesNotMatch(r.stdout + r.stderr, /Password:/);
  // root gives user a password (typed twice); from the next boot on, login asks for it.
  r = macrohard(['boot', '--image', image, '-c', 'passwd user'], 'sekrit\nsekrit\n');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /password updated for user/);
  r = macrohard(['boot', '--image', image, '-c', 'login'], 'user\nsekrit\nwhoami\nexit\n');
  assert.match(r.stdout + r.stderr, /Password: \n[^]*\nuser\r?\n/);
  assert.doesNotMatch(r.stdout + r.stderr, /Login incorrect|sekrit/);
  // An ordinary user cannot read the hashes; su (set-user-id root) asks for root's password.
  r = macrohard(['boot', '--image', image, '-c', 'su user -c "cat /etc/shadow; su root -c id"'], 'not-root\n');
  assert.match(r.stdout + r.stderr, /cat: \/etc\/shadow: Permission denied/);
  assert.match(r.stdout + r.stderr, /su: Authentication failure/);
  r = macrohard(['boot', '--image', image, '-c', 'su user -c "su root -c id"'], 'password\n');
  assert.match(r.stdout + r.stderr, /uid=0\(root\) gid=0\(root\)/);
});

test('rebuilds: nothing changed is up to date; a changed configuration reuses every package', (t) => {
  const again = macrohard(['image', 'build', 'config/server.toml', ...bundles]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /harddrive\.img: up to date/);
  assert.doesNotMatch(again.stderr, /built /);
  t.diagnostic(`server image: first build ${Math.round(firstBuild.ms)} ms, rebuild with nothing changed ${Math.round(again.ms)} ms`);
  // A copy of the configurations with one more file: the image is built again from cached packages.
  for (const f of ['minimal.toml', 'server.toml']) copyFileSync(join(root, 'config', f), join(dir, f));
  writeFileSync(join(dir, 'server.toml'), readFileSync(join(dir, 'server.toml'), 'utf8') +
    '\n[[files]]\npath = "/etc/extra"\ndata = "changed"\n\n[users.guest]\npassword = ""\nschemes = ["file", "pty", "pipe", "null", "initfs"]\n');
  const changed = macrohard(['image', 'build', join(dir, 'server.toml'), ...bundles]);
  assert.equal(changed.status, 0, changed.stderr);
  assert.doesNotMatch(changed.stderr, /built /);
  assert.match(changed.stderr, /cached +sh/);
  t.diagnostic(`rebuild after a configuration change (packages cached): ${Math.round(changed.ms)} ms`);
  assert.equal(macrohard(['boot', '--image', image, '-c', 'cat /etc/extra']).stdout, 'changed');
  // guest's sessions see only the schemes the configuration lists.
  const g = macrohard(['boot', '--image', image, '-c', 'su guest -c "ls /scheme; cat /scheme/rand"']);
  assert.equal(g.stdout.split('\n').filter((l) => !l.includes('rand')).join(' ').trim(), 'file initfs null pipe pty');
  assert.match(g.stdout + g.stderr, /cat: \/scheme\/rand: /);
});
