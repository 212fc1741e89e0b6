// `vm run`: option parsing, errors for missing or malformed inputs before anything boots, and a
// scripted run of the cached guest that ends when the guest powers off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseVmArgs, runVm, UsageError, type VmIo } from './run.js';
import { BootError } from './boot.js';
import { DiskError } from '../devices/file-disk.js';
import { cachedGuest } from '../guest/build.js';

function io(): VmIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out, err,
    stdout: { write: (b: Uint8Array | string) => out.push(typeof b === 'string' ? b : new TextDecoder().decode(b)) },
    stderr: { write: (s: string) => err.push(s) },
    stdin: Readable.from([]) as unknown as NodeJS.ReadStream,
  };
}

test('options parse; bad ones are usage errors', () => {
  const o = parseVmArgs(['--kernel', 'k', '--initrd', 'i', '--append', 'console=ttyS0', '--disk', 'a.img', '--disk-ro', 'b.img', '--mem', '64', '--smp', '2', '--timeout', '5',
    '--switch', '/tmp/s.sock', '--mac', '52:54:00:ab:cd:0e', '--clock', 'paced']);
  assert.deepEqual(o, {
    kernel: 'k', initrd: 'i', append: 'console=ttyS0', disks: [{ path: 'a.img', readOnly: false }, { path: 'b.img', readOnly: true }], memMiB: 64, smp: 2, timeoutS: 5,
    switchPath: '/tmp/s.sock', mac: Uint8Array.of(0x52, 0x54, 0, 0xab, 0xcd, 0x0e), clock: 'paced',
  });
  assert.equal(parseVmArgs([]).clock, 'real');
  assert.throws(() => parseVmArgs(['--mac', '53:54:00:00:00:01']), /group address/);
  assert.throws(() => parseVmArgs(['--mac', '52:54:00:00:01']), /bad MAC/);
  assert.throws(() => parseVmArgs(['--clock', 'sundial']), UsageError);
  assert.throws(() => parseVmArgs(['--mem']), UsageError);
  assert.throws(() => parseVmArgs(['--smp', '9']), UsageError);
  assert.throws(() => parseVmArgs(['--frobnicate']), UsageError);
});

test('missing kernel, malformed kernel and bad disk images are reported before boot', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mh-vmrun-'));
  try {
    await assert.rejects(runVm(parseVmArgs(['--kernel', join(dir, 'nope')]), io()), /cannot read kernel .*ENOENT/);
    writeFileSync(join(dir, 'junk'), 'not a kernel at all, but long enough to have a header of sixty-four bytes....');
    await assert.rejects(runVm(parseVmArgs(['--kernel', join(dir, 'junk')]), io()), BootError);
    writeFileSync(join(dir, 'odd.img'), new Uint8Array(1000));
    await assert.rejects(runVm(parseVmArgs(['--kernel', join(dir, 'junk'), '--disk', join(dir, 'odd.img')]), io()), DiskError);
    await assert.rejects(runVm(parseVmArgs(['--kernel', join(dir, 'junk'), '--switch', join(dir, 'no.sock')]), io()), /cannot reach the switch at .*no\.sock: ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const guest = cachedGuest();
test('a script is typed at the first prompt and the run ends with the guest\'s poweroff', { skip: guest ? false : 'no cached RISC-V guest', timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mh-vmrun-'));
  try {
    writeFileSync(join(dir, 'script'), 'echo "scripted $((40 + 2))"\npoweroff -f\n');
    const t = io();
    const status = await runVm(parseVmArgs(['--append', 'console=ttyS0 quiet', '--script', join(dir, 'script'), '--timeout', '200']), t);
    assert.equal(status, 0, t.err.join(''));
    assert.match(t.out.join(''), /scripted 42/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
