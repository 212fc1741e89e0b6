// WASI preview 1 conformance, one test per function family, through a C program that calls
// the functions directly (tests/c/conform.c) as a process inside MACROHARD. Expected values
// are what the preview1 witx prescribes; errors are WASI errno numbers (8 EBADF, 20 EEXIST,
// 28 EINVAL, 44 ENOENT, 54 ENOTDIR, 55 ENOTEMPTY, 58 ENOTSUP, 70 ESPIPE, 76 ENOTCAPABLE).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootWithFs, CBuild, install, skipReason } from './c/harness.js';

const skip = skipReason();

function lines(...l: string[]): string {
  return l.join('\n') + '\n';
}

test('WASI preview 1 conformance, per function family', { skip }, async (t) => {
  const b = new CBuild();
  const { t: k, fs } = await bootWithFs(2);
  t.after(() => {
    k.shutdown();
    b.cleanup();
  });
  install(k, 'conform', b.wasm('conform'));
  const run = (family: string, opts = {}) => k.run('/scheme/initfs/bin/conform', ['conform', family, 'third arg'], opts);
  const noFs = !fs && 'no file daemon (ramfsd) in this build';

  await t.test('fd_*: read/write, seek/tell, pread/pwrite, filestat, flags, rights, renumber, close', { skip: noFs }, async () => {
    const r = await run('fd');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, lines(
      'fdstat stdout = 0', 'stdout seekable = 1', 'open = 0', 'write = 0', 'written = 7', 'tell = 7', 'seek -3 cur = 0',
      'pos = 4', 'read = 3 efg', 'read at eof = 0', 'pwrite = 0', 'tell after pwrite = 7', 'pread = aZZdefg',
      'filetype = 4', 'size = 7', 'set_size 3 = 0', 'size = 3', 'allocate 0+10 = 0', 'size = 10', 'set_times = 0',
      'mtim = 1000000000000', 'set_times both atim flags = 28', 'set append = 0', 'flags = 1', 'size after append = 11',
      'sync = 0', 'datasync = 0', 'advise = 0', 'advise bad = 28', 'narrow rights = 0', 'write without the right = 8',
      'widen rights = 76', 'renumber = 0', 'old fd closed = 8', 'renumbered size = 11', 'close = 0', 'close again = 8',
      'seek on a pipe = 70', 'read bad fd = 8', 'write read-only = 8',
    ));
  });

  await t.test('path_*: open flags, sandboxing beneath a directory, stat, symlinks, links, rename, readdir cookies', { skip: noFs }, async () => {
    const r = await run('path');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, lines(
      'mkdir = 0', 'mkdir again = 20', 'create excl = 0', 'create excl again = 20', 'file as directory = 54',
      'climb out of the preopen = 76', 'absolute path = 76', 'missing = 44', 'open dir = 0', 'dir filetype = 3',
      'open beneath dir = 0', 'climb out of dir = 76', 'dot-dot that stays inside = 0', 'filestat = 0', 'filetype = 4',
      'symlink = 0', 'readlink = 0', 'target = x', 'lstat type = 7', 'stat type = 4', 'link = 0', 'rename = 0',
      'old name = 44', 'set times = 0', 'mtim = 3000000000000',
      `readdir = hard lnk ${Array.from({ length: 20 }, (_, i) => `n${String(i).padStart(2, '0')}`).join(' ')} y`,
      'readdir needed several calls = 1', 'd_ino matches = 1', 'rmdir non-empty = 55', 'unlink missing = 44', 'rmdir = 0',
    ));
  });

  await t.test('poll_oneoff: relative and absolute clocks, pipes, EOF, writability, bad descriptors', async () => {
    const r = await run('poll');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, lines(
      'clock = 0', 'events = 1 userdata 11 type 0 waited 1', 'abstime events = 1 waited 1',
      'empty pipe + clock = 1 event(s), first userdata 11', 'pipe with data + clock = 1 event(s), first userdata 22 type 1',
      'pipe at eof = 1 event(s), first userdata 22', 'stdout writable = 1 event(s), userdata 22 type 2',
      'bad fd = 1 event(s), error 8', 'no subscriptions = 28',
    ));
  });

  await t.test('args, environ, preopens, sched_yield, proc_exit', async () => {
    const r = await run('proc', { env: ['CONFORM=yes', 'OTHER=1'] });
    assert.equal(r.code, 7);
    assert.equal(r.stdout, lines(
      'args_sizes_get = 0', 'argc matches = 1', 'argv[2] = third arg', 'env = CONFORM=yes', 'prestat 3 = 0',
      'preopen = /', 'prestat 4 = 8', 'prestat stdout = 8', 'sched_yield = 0',
      'filestat of the preopen = 0', 'preopen is a directory: 1', 'readdir of the preopen = 0', 'preopen lists entries: 1',
    ));
    const narrow = await run('proc', { env: ['CONFORM=ns'], ns: ['initfs', 'null'] });
    assert.match(narrow.stdout, /preopen = \/scheme\/initfs\nprestat 4 = 0\n/, 'a narrowed namespace is preopened scheme by scheme');
    assert.match(narrow.stdout, /preopen is a directory: 1\n.*\npreopen lists entries: 1\n/);
  });

  await t.test('clock_* and random_get', async () => {
    const r = await run('clock');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, lines(
      'res 0 = 0', 'time 0 = 0', 'res 1 = 0', 'time 1 = 0', 'res 2 = 0', 'time 2 = 0', 'res 3 = 0', 'time 3 = 0',
      'bad clock = 28', 'realtime after 2020 = 1', 'monotonic = 1', 'random = 0', 'random differs = 1', 'random big = 0',
    ));
  });

  await t.test('sock_*: on descriptors that are not sockets', async () => {
    const r = await run('sock');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, lines('accept on a pipe = 76', 'shutdown on a pipe = 76', 'sent', 'send = 0', 'sent = 5', 'recv peek = 58'));
  });
});
