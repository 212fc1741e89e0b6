// C programs of our own, built with `macrohard cc` during the run and run as processes inside
// a booted MACROHARD: files and directories, processes and pipes, signals, waiting, and the
// ways a program can fail. Where the same source makes sense natively, it is also built with
// gcc and run on the host, and the two transcripts must be the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isErr } from '../src/abi/errno.js';
import type { InitfsScheme } from '../src/kernel/schemes/initfs.js';
import { bootWithFs, CBuild, install, skipReason } from './c/harness.js';

const skip = skipReason();

function native(bin: string | null, args: string[], cwd?: string) {
  if (!bin) return null;
  const r = spawnSync(bin, args, { encoding: 'utf8', cwd, timeout: 20000 });
  return { stdout: r.stdout, code: r.status, signal: r.signal };
}

test('C programs under MACROHARD, beside the same source built natively', { skip }, async (t) => {
  const b = new CBuild();
  const { t: k, fs } = await bootWithFs(3);
  t.after(() => {
    k.shutdown();
    b.cleanup();
  });
  for (const name of ['files', 'procs', 'signals', 'poll', 'traps']) install(k, name, b.wasm(name));

  await t.test('files: create, write, seek, pread/pwrite, truncate, append, stat, rename, symlink, readdir', { skip: !fs && 'no file daemon (ramfsd) in this build' }, async () => {
    const r = await k.run('/scheme/initfs/bin/files', ['files', '/']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /^mkdir again: EEXIST\n/);
    assert.match(r.stdout, /lines read: 1000, last: line 0999\n/);
    assert.match(r.stdout, /ls d: lines link@ sub\/ \(d_ino matches st_ino\)\n/);
    const dir = mkdtempSync(join(tmpdir(), 'mh-files-'));
    try {
      const n = native(b.native('files'), [dir]);
      if (n) assert.equal(r.stdout.replace('cwd is the argument: 1', ''), n.stdout.replace('cwd is the argument: 1', ''));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  await t.test('procs: posix_spawn, exit statuses, pipes, a pipeline, environment, getppid, kill, dup2', async () => {
    const self = '/scheme/initfs/bin/procs';
    const r = await k.run(self, ['procs', self]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 5, r.stdout);
    assert.match(r.stdout, /child exit 21: exited 1 status 21\n/);
    assert.match(r.stdout, /pipeline: 300000 bytes\n/);
    assert.match(r.stdout, /killed child: signaled 1 by 15\n/);
    const bin = b.native('procs');
    const n = native(bin, [bin!]);
    if (n) {
      assert.equal(r.stdout, n.stdout);
      assert.equal(n.code, 5);
    }
  });

  await t.test('signals: handlers, sigaction, sigprocmask, SIG_IGN, SIG_DFL, SIGPIPE and EPIPE', async () => {
    const self = '/scheme/initfs/bin/signals';
    const r = await k.run(self, ['signals', self]);
    assert.equal(r.signal, 15);
    assert.equal(r.stdout, [
      'handler ran for raise: 1', 'handler ran for kill: 1', 'sigaction handler ran: 1', 'sigaction reports the handler: 1',
      'blocked: handler ran 0', 'unblocked: handler ran 1', 'survived an ignored SIGTERM',
      'pipe writer (SIGPIPE default): killed by 13', 'write: -1 EPIPE', 'pipe writer (SIGPIPE ignored): exited 0', '',
    ].join('\n'));
    const bin = b.native('signals');
    const n = native(bin, [bin!]);
    if (n) {
      assert.equal(r.stdout, n.stdout);
      assert.equal(n.signal, 'SIGTERM');
    }
  });

  await t.test('system, popen and pclose run commands through the shell', async (st) => {
    const initfs = k.k.schemes.get('initfs') as InitfsScheme;
    if (isErr(initfs.stat('bin/sh'))) return st.skip('no shell (sh) in this build');
    install(k, 'shell', b.wasm('shell'));
    const r = await k.run('/scheme/initfs/bin/shell', ['shell']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, [
      'shell available: 1', 'system exit 3: exited 1 status 3', 'from system', 'system echo: status 0',
      'popen read 1: one', 'popen read 2: two', 'pclose: 0', 'written through popen', 'pclose writer: 0', '',
    ].join('\n'));
    const n = native(b.native('shell'), []);
    if (n) assert.equal(r.stdout, n.stdout);
  });

  await t.test('a child keeps the descriptors it was given at 3 and 5 and still opens files by path (preopens take free numbers)', { skip: !fs && 'no file daemon (ramfsd) in this build' }, async () => {
    install(k, 'inherit', b.wasm('inherit'));
    const self = '/scheme/initfs/bin/inherit';
    const r = await k.run(self, ['inherit', self, '/']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const want = [
      'fd 3 (a pipe): through the pipe', 'fd 5 (the file): a file opened by path', 'opened by path: a file opened by path',
      'the new descriptor is not an inherited one: 1', 'child exited 0', '',
    ].join('\n');
    assert.equal(r.stdout, want);
    const dir = mkdtempSync(join(tmpdir(), 'mh-inherit-'));
    try {
      const bin = b.native('inherit');
      const n = native(bin, [bin!, dir]);
      if (n) assert.equal(n.stdout, want);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  await t.test('libc additions: setjmp/longjmp, tmpfile, mkstemp', { skip: !fs && 'no file daemon (ramfsd) in this build' }, async () => {
    install(k, 'libc', b.wasm('libc'));
    const r = await k.run('/scheme/initfs/bin/libc', ['libc']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, [
      'longjmp from depth 50 returned 50', 'nested: 1 -7 1', 'looped 5 times', 'tmpfile: temporary',
      'mkstemp: 1 name changed 1', 'second name differs: 1', '',
    ].join('\n'));
    const n = native(b.native('libc'), []);
    if (n) assert.equal(r.stdout, n.stdout);
  });

  await t.test('locks: record locks and flock between two processes, release on close and exit, EINTR, EDEADLK', { skip: !fs && 'no file daemon (ramfsd) in this build' }, async () => {
    install(k, 'locks', b.wasm('locks'));
    const self = '/scheme/initfs/bin/locks';
    const r = await k.run(self, ['locks', self, '/locks.dat']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /^getlk 0: write start 0 len 10, held by the parent: 1\nchild write-locks byte 5 \(F_SETLK\): -1 EAGAIN\n/m);
    assert.match(r.stdout, /child F_SETLKW: ok, then byte 50 is 'X'\n/);
    assert.match(r.stdout, /child F_SETLKW under signals: EINTR, handler ran: 1\n/);
    assert.match(r.stdout, /exactly one of the two was refused with EDEADLK: 1\n/);
    assert.match(r.stdout, /after closing another descriptor of the file:\ngetlk 0: unlocked\n/);
    assert.match(r.stdout, /child flock LOCK_EX\|LOCK_NB: -1 EAGAIN\n/);
    assert.match(r.stdout, /A upgrades with LOCK_EX\|LOCK_NB: -1 EAGAIN\nB upgrades with LOCK_EX\|LOCK_NB: ok\n$/);
    assert.deepEqual(k.k.locks.list(), [], 'no lock outlives its processes');
    const dir = mkdtempSync(join(tmpdir(), 'mh-locks-'));
    try {
      const bin = b.native('locks');
      const n = native(bin, [bin!, join(dir, 'locks.dat')]);
      if (n) assert.equal(r.stdout, n.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  await t.test('lock waiters in order: a waiting writer holds back later readers; flock deadlocks refused with EDEADLK', { skip: !fs && 'no file daemon (ramfsd) in this build' }, async () => {
    install(k, 'lockfair', b.wasm('lockfair'));
    const self = '/scheme/initfs/bin/lockfair';
    const r = await k.run(self, ['lockfair', self, '/lockfair.dat']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0, r.stdout);
    // Not compared with the host: Linux lets the reader past the writer and lets a flock cycle hang.
    assert.equal(r.stdout, [
      'parent read-locks 0..9: ok',
      'parent read-locks 5..14 beside the writer that waits for it: ok',
      'reader F_SETLK 0..9 behind the waiting writer: EAGAIN',
      'reader F_SETLK 20..29, clear of the writer: ok',
      'writer F_SETLKW 0..9: ok',
      'writer unlocks',
      'reader F_SETLKW 0..9 (after the writer): ok',
      'parent unlocked: ok',
      'parent read-locks 0..9 again: ok',
      "a later reader's F_SETLK 0..9: EAGAIN",
      'writer killed: 1',
      "a later reader's F_SETLK 0..9: ok",
      'parent flock LOCK_SH: ok',
      'a later LOCK_SH|LOCK_NB behind the waiting LOCK_EX: EAGAIN',
      'flock writer LOCK_EX: ok',
      'parent flock LOCK_UN: ok',
      'description A flock LOCK_EX: ok',
      'description B flock LOCK_EX (would wait for A, held by the same process): EDEADLK',
      'parent flock LOCK_EX on the first file: ok',
      "child LOCK_EX on the file the parent holds, while the parent waits for the child's: EDEADLK",
      'parent LOCK_EX on the second file once the child is gone: ok',
      '',
    ].join('\n'));
    assert.deepEqual(k.k.locks.list(), [], 'no lock outlives its processes');
  });

  await t.test('mmap: a private mapping is a copy; a shared mapping of a file is refused, not faked', { skip: !fs && 'no file daemon (ramfsd) in this build' }, async () => {
    install(k, 'mman', b.wasm('mman'));
    const r = await k.run('/scheme/initfs/bin/mman', ['mman']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'private: mapped bytes\nshared: ENOTSUP\nanonymous shared: mapped\n');
  });

  await t.test('poll: timeouts, readiness, sleeps and clocks', async () => {
    const r = await k.run('/scheme/initfs/bin/poll', ['poll']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, [
      'empty pipe, no wait: 0 ready', 'empty pipe, 60 ms: 0 ready, waited enough 1', 'write end: 1 ready, POLLOUT 1',
      'after write: 1 ready, POLLIN 1', 'read 2', 'usleep 30 ms: waited enough 1', 'realtime after 2020: 1',
      'monotonic does not go back: 1', '',
    ].join('\n'));
  });

  await t.test('traps end the process with the signal a native program would get, and a message', async () => {
    const cases: [string, number, RegExp][] = [
      ['abort', 6, /traps: trap: unreachable/],
      ['segv', 11, /traps: trap: memory access out of bounds/],
      ['div', 8, /traps: trap: divide by zero/],
      ['stack', 11, /traps: trap: stack overflow/],
    ];
    for (const [how, sig, msg] of cases) {
      const r = await k.run('/scheme/initfs/bin/traps', ['traps', how]);
      assert.equal(r.signal, sig, how);
      assert.equal(r.stdout, `before ${how}\n`);
      assert.match(r.stderr, msg);
    }
    assert.equal((await k.run('/scheme/initfs/bin/poll', ['poll'])).code, 0, 'nothing else is disturbed');
  });

  await t.test('out of memory: malloc returns NULL at the module\'s memory limit', async () => {
    install(k, 'traps-small', b.wasm('traps', ['-Wl,--max-memory=67108864']));
    const r = await k.run('/scheme/initfs/bin/traps-small', ['traps', 'oom']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'before oom\nmalloc returned NULL after some MiB\n');
  });

  await t.test('a module with imports nobody provides is refused with the list, or traps on opt-in', async () => {
    install(k, 'traps-import', b.wasm('traps', ['-DUNKNOWN_IMPORT']));
    const r = await k.run('/scheme/initfs/bin/traps-import', ['traps', 'import']);
    assert.equal(r.code, 126);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'traps: cannot run: unresolved imports: env.not_provided\n');
    const t2 = await k.run('/scheme/initfs/bin/traps-import', ['traps', 'import'], { env: ['MACROHARD_TRAP_UNKNOWN_IMPORTS=1'] });
    assert.equal(t2.signal, 4);
    assert.match(t2.stderr, /trap: unknown import env.not_provided called/);
  });

  await t.test('a truncated module is refused at spawn with ENOEXEC', async () => {
    install(k, 'truncated', b.wasm('traps').subarray(0, 4000));
    await assert.rejects(k.run('/scheme/initfs/bin/truncated', ['truncated']), /ENOEXEC/);
    assert.ok(k.log.some((l) => /invalid WebAssembly/.test(l)));
  });

  await t.test('a module that cannot be instantiated (memory beyond the limit) exits 126 with a message', async () => {
    // A hand-made module: memory of 65536 pages minimum (4 GiB) and an empty _start.
    const bytes = new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type: () -> ()
      0x03, 0x02, 0x01, 0x00, // func 0
      0x05, 0x05, 0x01, 0x00, 0x80, 0x80, 0x04, // memory min 65536
      0x07, 0x13, 0x02, 0x06, ...Buffer.from('memory'), 0x02, 0x00, 0x06, ...Buffer.from('_start'), 0x00, 0x00,
      0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
    ]);
    install(k, 'huge', bytes);
    const r = await k.run('/scheme/initfs/bin/huge', ['huge']);
    if (r.code === 0) return; // this host could reserve 4 GiB: nothing to refuse
    assert.equal(r.code, 126);
    assert.match(r.stderr, /huge: cannot instantiate: /);
  });
});
