import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cachedGuest } from './build.js';
import { guestFile, readGuest } from './describe.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

test('guest descriptions: defaults, relative paths, and refusals that name the file and the reason', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'macrohard-guest-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const g = readGuest(write('a.toml', '[machine]\nharts = 2\n[boot]\nkernel = "Image"\n[[disk]]\npath = "d.img"\nread_only = true\n'));
  assert.equal(g.memMiB, 256);
  assert.equal(g.harts, 2);
  assert.equal(g.kernel, join(dir, 'Image'));
  assert.deepEqual(g.disks, [{ path: join(dir, 'd.img'), readOnly: true }]);
  assert.throws(() => readGuest(write('b.toml', '[machine]\ncores = 2\n')), /b\.toml: unknown key cores in \[machine\]/);
  assert.throws(() => readGuest(write('c.toml', '[machine]\narch = "x86_64"\n')), /arch x86_64 is not supported/);
  assert.throws(() => readGuest(write('d.toml', '[machine]\nmemory = 8\n')), /machine\.memory must be an integer from 16/);
  assert.throws(() => readGuest(join(dir, 'missing.toml')), /no such guest description/);
  assert.equal(guestFile('busybox', root), join(root, 'guests', 'busybox.toml'));
});

test('macrohard vm run --guest busybox boots the described guest', { skip: cachedGuest() ? false : 'the BusyBox guest is not built (macrohard vm image build)' }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'macrohard-guest-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'script');
  writeFileSync(script, 'grep -c processor /proc/cpuinfo\npoweroff -f\n');
  const r = spawnSync(process.execPath, [join(root, 'bin/macrohard.js'), 'vm', 'run', '--guest', 'busybox-smp', '--script', script, '--timeout', '120'], { cwd: root, encoding: 'utf8', timeout: 150_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\n2\r?\n/);
});
