// Booting MACROHARD as a user does: the `macrohard boot` command in a child process, driven
// through its console (stdin/stdout), with and without a disk image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/macrohard.js', import.meta.url));

function macrohard(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('boot -c runs one command, prints its output and exits with its status', () => {
  const r = macrohard(['boot', '-c', 'echo hello; uname -s']);
  assert.equal(r.stdout, 'hello\nMACROHARD\n');
  assert.equal(r.status, 0);
  assert.equal(macrohard(['boot', '-c', 'exit 3']).status, 3);
});

test('/dev links lead into the device schemes (a redirect out of the file scheme)', () => {
  const r = macrohard(['boot', '-c', 'echo gone > /dev/null; head -c 16 /dev/urandom | wc -c; cat /dev/null; ls -l /dev/zero']);
  assert.match(r.stdout, /^16\n.*zero -> \/scheme\/zero\n$/s);
});

test('the console: commands typed on stdin run, and the end of input powers off', async () => {
  const child = spawn(process.execPath, [bin, 'boot'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stdin.write('echo typed on the console\n');
  child.stdin.write('uname -s | tr A-Z a-z\n');
  child.stdin.end();
  const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.match(out, /MACROHARD 0\.1\.0 kernel/);
  assert.match(out, /typed on the console\r?\n/);
  assert.match(out, /macrohard\r?\n/);
  assert.match(out, /power off/);
  assert.equal(status, 0);
});

test('init restarts a service that is killed, and the system goes on', () => {
  const r = macrohard(['boot', '-v', '-c', 'kill -9 2; sleep 1; echo after > /x; cat /x']);
  assert.match(r.stdout, /init: ramfsd \(pid 2\) exited with status 137/);
  assert.match(r.stdout, /init: ramfsd restarted \(pid \d+\)/);
  assert.match(r.stdout, /\nafter\n/);
  assert.equal(r.status, 0);
});

test('shutdown typed on the console powers off cleanly', async () => {
  const child = spawn(process.execPath, [bin, 'boot'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stdin.write('echo before\nshutdown\n');
  const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.stdin.destroy();
  assert.match(out, /before\r?\n/);
  assert.match(out, /MACROHARD: power off/);
  assert.equal(status, 0);
});

test('a disk image: files written in one boot are there in the next and on the host', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'macrohard-boot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const img = join(dir, 'disk.img');
  assert.equal(macrohard(['mkfs', img, '32M']).status, 0);
  const w = macrohard(['boot', '--image', img, '-c', 'mkdir -p /home/user && echo persisted > /home/user/note.txt']);
  assert.equal(w.status, 0, w.stderr + w.stdout);
  const r = macrohard(['boot', '--image', img, '-c', 'cat /home/user/note.txt; echo discarded > /dev/null; head -c 3 /dev/zero | wc -c']);
  assert.equal(r.stdout, 'persisted\n3\n');
  assert.equal(macrohard(['fs', 'cat', img, '/home/user/note.txt']).stdout, 'persisted\n');
  assert.equal(macrohard(['fsck', img]).status, 0);
});

test("the root filesystem's /etc/init.toml adds to initfs's configuration", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'macrohard-boot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const img = join(dir, 'disk.img');
  const conf = join(dir, 'init.toml');
  writeFileSync(conf, '[console]\ncmd = ["/scheme/initfs/bin/sh"]\n\n[environment]\nGREETING = "from the root filesystem"\n');
  assert.equal(macrohard(['mkfs', img, '32M']).status, 0);
  assert.equal(macrohard(['fs', 'put', img, conf, '/etc/init.toml']).status, 0);
  const r = macrohard(['boot', '--image', img, '-c', 'echo $GREETING; echo $PATH']);
  assert.equal(r.stdout, 'from the root filesystem\n/bin:/usr/bin:/scheme/initfs/bin\n');
});

test('a corrupt image is refused with a clear message, and boot still ends cleanly', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'macrohard-boot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const img = join(dir, 'junk.img');
  spawnSync('truncate', ['-s', '4M', img]);
  const r = macrohard(['boot', '--image', img, '-c', 'echo unreachable']);
  assert.notEqual(r.status, 0);
  assert.match(r.stdout + r.stderr, /fsd: cannot mount \/scheme\/disk\/0: /);
});
