// The kernel's attribute cache for file daemons that declare SCHEME_COHERENT: a stat asked
// again is answered by the kernel, and every change another process makes through the daemon
// shows in the next stat; two users get their own answers; a restarted daemon starts afresh;
// a scheme that did not opt in is always asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sig } from '../src/abi/signal.js';
import { FileBlockDevice } from '../src/fs/blockdev.js';
import { makeImage } from '../src/fs/image.js';
import { bootKernel, waitFor, type TestKernel } from './kernel-harness.js';

/** One file operation in a process of its own (as uid 0 unless told); its one line of output. */
async function op(k: TestKernel, args: string[], uid?: number): Promise<string> {
  const r = await k.run('probe', ['probe', 'fsop', ...args], uid === undefined ? {} : { uid, gid: 100 });
  assert.equal(r.stderr, '');
  return r.stdout.trimEnd();
}

/** The value of one field of a stat line, or the errno. */
async function field(k: TestKernel, path: string, name: string, how = 'stat'): Promise<string> {
  const line = await op(k, [how, path]);
  const m = new RegExp(`\\b${name}=(\\S+)`).exec(line);
  return m ? m[1]! : line;
}

/** Asks twice, so that the second answer is the kept one when the cache is in use. */
async function twice(k: TestKernel, path: string, name: string, how = 'stat'): Promise<string> {
  const a = await field(k, path, name, how);
  assert.equal(await field(k, path, name, how), a);
  return a;
}

async function changesShow(k: TestKernel): Promise<void> {
  assert.equal(await op(k, ['mkdir', '/d', '755']), 'ok');
  assert.equal(await op(k, ['create', '/d/f', 'abc']), 'ok');
  assert.equal(await twice(k, '/d/f', 'size'), '3');
  assert.equal(await op(k, ['append', '/d/f', 'defg']), 'ok');
  assert.equal(await twice(k, '/d/f', 'size'), '7', 'a write that grows the file');
  assert.equal(await op(k, ['truncate', '/d/f', '2']), 'ok');
  assert.equal(await twice(k, '/d/f', 'size'), '2', 'truncate');
  assert.equal(await twice(k, '/d/f', 'mode', 'lstat'), '644');
  assert.equal(await op(k, ['chmod', '/d/f', '600']), 'ok');
  assert.equal(await twice(k, '/d/f', 'mode'), '600', 'chmod');
  assert.equal(await twice(k, '/d/f', 'mode', 'lstat'), '600', 'chmod, seen by lstat');
  assert.equal(await op(k, ['chown', '/d/f', '1000', '100']), 'ok');
  assert.equal(await twice(k, '/d/f', 'uid'), '1000', 'chown');
  assert.equal(await op(k, ['utimens', '/d/f', '1000', '5000']), 'ok');
  assert.equal(await twice(k, '/d/f', 'mtime'), '5000', 'utimens');

  assert.equal(await op(k, ['create', '/d/g', 'xyzxyz']), 'ok');
  const gIno = await twice(k, '/d/g', 'ino');
  assert.equal(await op(k, ['rename', '/d/g', '/d/f']), 'ok');
  assert.equal(await twice(k, '/d/f', 'ino'), gIno, 'rename over it');
  assert.equal(await field(k, '/d/f', 'size'), '6');
  assert.equal(await twice(k, '/d/g', 'size'), 'ENOENT');
  assert.equal(await op(k, ['unlink', '/d/f']), 'ok');
  assert.equal(await twice(k, '/d/f', 'size'), 'ENOENT', 'unlink');

  assert.equal(await twice(k, '/d/new', 'size'), 'ENOENT');
  assert.equal(await twice(k, '/d/new/x', 'size'), 'ENOENT');
  assert.equal(await op(k, ['create', '/d/new', 'q']), 'ok');
  assert.equal(await twice(k, '/d/new', 'size'), '1', 'create of a file that was missing');
  assert.equal(await twice(k, '/d/new/x', 'size'), 'ENOTDIR');

  assert.equal(await op(k, ['create', '/d/h', 'a']), 'ok');
  assert.equal(await twice(k, '/d/h', 'nlink'), '1');
  assert.equal(await op(k, ['link', '/d/h', '/d/h2']), 'ok');
  assert.equal(await twice(k, '/d/h', 'nlink'), '2', 'a hard link');
  assert.equal(await op(k, ['append', '/d/h2', 'bbb']), 'ok');
  assert.equal(await twice(k, '/d/h', 'size'), '4', 'a write through the other name');
}

async function usersApart(k: TestKernel): Promise<void> {
  assert.equal(await op(k, ['mkdir', '/p', '700']), 'ok');
  assert.equal(await op(k, ['create', '/p/x', 'secret']), 'ok');
  const asUser = async () => {
    const a = await op(k, ['stat', '/p/x'], 1000);
    assert.equal(await op(k, ['stat', '/p/x'], 1000), a);
    return a;
  };
  assert.equal(await twice(k, '/p/x', 'size'), '6');
  assert.equal(await asUser(), 'EACCES');
  assert.equal(await twice(k, '/p/x', 'size'), '6', 'root is not given the user\'s EACCES');
  assert.equal(await op(k, ['chmod', '/p', '755']), 'ok');
  assert.match(await asUser(), /^size=6 /, 'the user sees the file once the folder is open');
  assert.equal(await op(k, ['chmod', '/p', '700']), 'ok');
  assert.equal(await asUser(), 'EACCES');
}

test('ramfsd: every change by another process shows in the next stat', async (t) => {
  const k = bootKernel(2);
  t.after(() => k.shutdown());
  await k.startRamfs();
  await t.test('changes', () => changesShow(k));
  await t.test('two users', () => usersApart(k));
  await t.test('a daemon killed and started again serves nothing of the old one', async () => {
    assert.equal(await op(k, ['create', '/old', 'hello']), 'ok');
    assert.equal(await twice(k, '/old', 'size'), '5');
    assert.equal(await twice(k, '/gone', 'size'), 'ENOENT');
    const daemon = k.k.schemes.get('file') as unknown as { daemon: { pid: number } };
    k.k.signal(k.k.procs.get(daemon.daemon.pid)!, Sig.SIGKILL);
    await waitFor(() => !k.k.schemes.has('file'));
    await k.startRamfs();
    assert.equal(await twice(k, '/old', 'size'), 'ENOENT');
    assert.equal(await op(k, ['create', '/gone', 'ab']), 'ok');
    assert.equal(await twice(k, '/gone', 'size'), '2');
  });
});

test('fsd: every change by another process shows in the next stat', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'macrohard-attrcache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const img = join(dir, 'disk.img');
  const dev = FileBlockDevice.create(img, (16 * 1024 * 1024) / 4096);
  makeImage(dev).unmount();
  dev.close();
  const k = bootKernel(2);
  t.after(() => k.shutdown());
  await k.startFsd(img);
  await t.test('changes', () => changesShow(k));
  await t.test('two users', () => usersApart(k));
});

test('a scheme whose files change on their own is asked every time unless it opts in', async (t) => {
  const k = bootKernel(2);
  t.after(() => k.shutdown());
  const stop = async (name: string, run: Promise<unknown>) => {
    const p = [...k.k.procs.values()].find((q) => q.argv[1] === 'drift' && q.argv[2] === name)!;
    k.k.signal(p, Sig.SIGKILL);
    await run;
  };
  await t.test('not opted in: each stat reaches the daemon', async () => {
    const run = k.run('probe', ['probe', 'drift', 'drift']);
    await waitFor(() => k.k.schemes.get('drift'));
    const sizes = [];
    for (let i = 0; i < 3; i++) sizes.push(await field(k, '/scheme/drift/x', 'size'));
    assert.deepEqual(sizes, ['1', '2', '3']);
    await stop('drift', run);
  });
  await t.test('opted in: the kernel answers a stat asked again (which is why only daemons that own their files may opt in)', async () => {
    const run = k.run('probe', ['probe', 'drift', 'driftc', 'coherent']);
    await waitFor(() => k.k.schemes.get('driftc'));
    const sizes = [];
    for (let i = 0; i < 3; i++) sizes.push(await field(k, '/scheme/driftc/x', 'size'));
    assert.deepEqual(sizes, ['1', '1', '1']);
    // Another caller's ids are another question.
    assert.match(await op(k, ['stat', '/scheme/driftc/x'], 1000), /^size=2 /);
    await stop('driftc', run);
  });
});
