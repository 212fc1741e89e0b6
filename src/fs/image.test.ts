// Disk images from the host side: the image builder packing a host tree with owners and
// modes, and the `macrohard mkfs`, `fs` and `fsck` commands run as a user would run them.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileBlockDevice } from './blockdev.js';
import { buildImage, mhfsDevice, openImage, parseSize } from './image.js';
import { Follow } from './mhfs.js';
import { readFile } from './paths.js';
import { Access } from './volume.js';
import { assertClean, bytes, tempDir } from './testutil.js';

const cli = fileURLToPath(new URL('../../../bin/macrohard.js', import.meta.url));
function macrohard(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('disk images', () => {
  const tmp = tempDir('mhfs-image-');
  after(() => tmp.remove());

  it('parses sizes', () => {
    assert.equal(parseSize('64M'), 64 * 2 ** 20);
    assert.equal(parseSize('1G'), 2 ** 30);
    assert.equal(parseSize('1.5MiB'), 1.5 * 2 ** 20);
    assert.equal(parseSize('10000'), 8192);
    assert.throws(() => parseSize('lots'), /EINVAL: not a size/);
  });

  it('packs a host tree with owners and modes from a manifest and a callback', () => {
    const src = join(tmp.path, 'tree');
    mkdirSync(join(src, 'etc'), { recursive: true });
    mkdirSync(join(src, 'home/alice'), { recursive: true });
    mkdirSync(join(src, 'bin'));
    writeFileSync(join(src, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n');
    writeFileSync(join(src, 'bin/tool'), bytes(2_000_000, 4));
    chmodSync(join(src, 'bin/tool'), 0o755);
    writeFileSync(join(src, 'home/alice/notes'), 'hello');
    symlinkSync('/bin/tool', join(src, 'bin/alias'));
    const image = join(tmp.path, 'built.img');
    const stats = buildImage(image, parseSize('32M'), src, {
      owner: (p) => (p.startsWith('/home/alice') ? { uid: 1000, gid: 1000 } : undefined),
      manifest: { '/etc/passwd': { mode: 0o600 }, '/home/alice': { mode: 0o700 } },
      files: [
        { path: '/etc/hostname', data: 'macrohard\n' },
        { path: 'etc/motd', data: 'hi', mode: 0o600, uid: 1000, gid: 1000 },
        { path: '/usr/bin', directory: true, mode: 0o755 },
        { path: '/usr/bin/sh', symlink: '/bin/tool' },
        { path: '/etc/hostname', data: 'replaced\n' },
      ],
    });
    assert.deepEqual(stats, { files: 3, directories: 4, symlinks: 1, bytes: 2_000_000 + 5 + readFileSync(join(src, 'etc/passwd')).length });
    const img = openImage(image, Access.ReadOnly);
    try {
      const fs = img.fs;
      const passwd = fs.stat(fs.resolve('/etc/passwd'));
      assert.deepEqual([passwd.mode & 0o7777, passwd.uid], [0o600, 0]);
      const home = fs.stat(fs.resolve('/home/alice'));
      assert.deepEqual([home.mode & 0o7777, home.uid, home.gid], [0o700, 1000, 1000]);
      assert.equal(fs.stat(fs.resolve('/home/alice/notes')).uid, 1000);
      assert.equal(fs.stat(fs.resolve('/bin/tool')).mode & 0o777, 0o755);
      assert.equal(fs.readlink(fs.resolve('/bin/alias', Follow.No)), '/bin/tool');
      assert.deepEqual(readFile(fs, '/bin/alias'), bytes(2_000_000, 4));
      assert.equal(new TextDecoder().decode(readFile(fs, '/etc/hostname')), 'replaced\n');
      const motd = fs.stat(fs.resolve('/etc/motd'));
      assert.deepEqual([motd.mode & 0o7777, motd.uid, motd.gid], [0o600, 1000, 1000]);
      assert.equal(fs.readlink(fs.resolve('/usr/bin/sh', Follow.No)), '/bin/tool');
    } finally {
      img.close();
    }
    const disk = new FileBlockDevice(image);
    try {
      assertClean(mhfsDevice(disk));
    } finally {
      disk.close();
    }
  });

  it('macrohard mkfs, fs and fsck work on a GPT disk image', () => {
    const image = join(tmp.path, 'cli.img');
    const host = join(tmp.path, 'host.bin');
    const back = join(tmp.path, 'back.bin');
    writeFileSync(host, bytes(100_000, 8));
    let r = macrohard('mkfs', image, '16M');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /GPT disk, MHFS partition/);
    assert.equal(macrohard('fs', 'put', image, host, '/deep/er/file.bin').status, 0);
    assert.equal(macrohard('fs', 'mkdir', image, '/x/y').status, 0);
    assert.equal(macrohard('fs', 'get', image, '/deep/er/file.bin', back).status, 0);
    assert.deepEqual(readFileSync(back), readFileSync(host));
    r = macrohard('fs', 'ls', image, '/deep/er');
    assert.match(r.stdout, /^-rw-r--r-- +1 +0 +0 +100000 .* file\.bin\n$/);
    r = macrohard('fs', 'cat', image, '/nope');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /ENOENT/);
    assert.equal(macrohard('fs', 'rm', image, '/x/y').status, 0);
    r = macrohard('fs', 'ls', image, '/x');
    assert.equal(r.stdout, '');
    r = macrohard('fsck', image);
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /clean, generation \d+, 5 nodes/);
  });

  it('macrohard fsck exits 4 on damage it cannot repair, saying where, and mkfs --bare works', () => {
    const image = join(tmp.path, 'bare.img');
    assert.equal(macrohard('mkfs', '--bare', image, '8M').status, 0);
    writeFileSync(join(tmp.path, 'f'), bytes(50_000, 1));
    assert.equal(macrohard('fs', 'put', image, join(tmp.path, 'f'), '/f').status, 0);
    const img = openImage(image, Access.ReadOnly);
    const addr = img.fs.vol.dataTree(img.fs.resolve('/f')).leafPtr(3).addr;
    img.close();
    const bytesOnDisk = readFileSync(image);
    bytesOnDisk[addr * 4096 + 9]! ^= 0xff;
    writeFileSync(image, bytesOnDisk);
    const r = macrohard('fsck', image);
    assert.equal(r.status, 4);
    assert.match(r.stdout, new RegExp(`ERROR: node \\d+ data block 3 \\(block ${addr}\\): checksum mismatch`));
    const blank = join(tmp.path, 'blank.img');
    writeFileSync(blank, new Uint8Array(1 << 20));
    const b = macrohard('fsck', blank);
    assert.equal(b.status, 4);
    assert.match(b.stdout, /no MHFS header/);
  });
});
