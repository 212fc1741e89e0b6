// The kernel driven through real programs running as processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isErr } from '../src/abi/errno.js';
import { Sig } from '../src/abi/signal.js';
import { settle } from '../src/kernel/settle.js';
import { bootKernel, initfsFiles, waitFor, writeFile } from './kernel-harness.js';

test('a program runs, prints, and exits with its status', async () => {
  const t = bootKernel();
  try {
    const r = await t.run('hello', ['hello', 'world']);
    assert.equal(r.stdout, 'hello world\n');
    assert.equal(r.code, 0);
  } finally {
    t.shutdown();
  }
});

test('programs run through the whole kernel: pipes, spawn, wait, signals, capabilities', async (t) => {
  const k = bootKernel(4);
  t.after(() => k.shutdown());

  await t.test('a four-stage pipeline moves every byte, with EOF at the end', async () => {
    const r = await k.run('probe', ['probe', 'pipeline', '3000000']);
    assert.equal(r.stderr, '');
    const [count] = r.stdout.trim().split(' ');
    assert.equal(count, '3000000');
    assert.equal(r.code, 0);
  });

  await t.test('a reader sees EOF once every copy of the write end is closed', async () => {
    const r = await k.run('probe', ['probe', 'eof']);
    assert.equal(r.stdout, 'got 10 then eof; child 0\n');
  });

  await t.test('regression (eof-before-last-write): the last writer\'s data always comes before end of file', async () => {
    const r = await k.run('probe', ['probe', 'eofrace', '150']);
    assert.equal(r.stdout, 'lost 0 of 150\n');
  });

  await t.test('a writer to a closed pipe dies of SIGPIPE; with SIGPIPE ignored it gets EPIPE', async () => {
    const r = await k.run('probe', ['probe', 'sigpipe']);
    assert.equal(r.stdout, 'signaled 13\nEPIPE\n');
  });
});

test('process life cycle', async (t) => {
  const k = bootKernel(4);
  t.after(() => k.shutdown());

  await t.test('a waitpid storm: 200 short-lived children, each reaped with its own status', async () => {
    const r = await k.run('probe', ['probe', 'storm', '200']);
    assert.equal(r.stdout, 'reaped 200/200\n');
    assert.equal(r.code, 0, 'no child is left unreaped');
  });

  await t.test('waitpid without children is ECHILD', async () => {
    assert.equal((await k.run('probe', ['probe', 'noChildren'])).stdout, 'ECHILD\n');
  });

  await t.test('a process blocked in read is killed, and nothing else is disturbed', async () => {
    const running = k.run('probe', ['probe', 'block']);
    const pid = await waitFor(() => [...k.k.procs.values()].find((p) => p.argv[1] === 'block' && p.displayState === 'sleeping')?.pid);
    assert.equal(k.k.kill(k.k.kernelContext(), pid, 9), 0);
    const r = await running;
    assert.equal(r.signal, 9);
    assert.equal((await k.run('hello', ['hello', 'after'])).stdout, 'hello after\n');
  });

  await t.test('a signal that came while the program ran its own code ends its next wait with EINTR', { timeout: 20_000 }, async () => {
    // A run whose signal lands during a call instead (its handler then runs before the sleep,
    // which must not be cut short) says `early` and is tried again.
    let out = '';
    for (let i = 0; i < 5 && out !== 'sleep -4 handler true\n'; i++) {
      const running = k.run('probe', ['probe', 'sigbusy']);
      const p = await waitFor(() => [...k.k.procs.values()].find((q) => q.argv[1] === 'sigbusy' && q.fds.entries().length >= 5));
      k.k.signal(p, Sig.SIGUSR1);
      out = (await running).stdout;
      assert.match(out, /^(early|sleep -4 handler true)\n$/);
    }
    assert.equal(out, 'sleep -4 handler true\n');
  });

  await t.test('exec replaces the program in the same process', async () => {
    const r = await k.run('probe', ['probe', 'execme']);
    assert.equal(r.code, 42);
  });

  await t.test('an uncaught error prints to stderr and exits with status 1', async () => {
    const r = await k.run('probe', ['probe', 'throws']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /probe: Error: deliberate failure/);
  });

  await t.test('signal handlers run in TypeScript programs and interrupt blocking calls', async () => {
    const running = k.run('probe', ['probe', 'handler']);
    const pid = await waitFor(() => [...k.k.procs.values()].find((p) => p.argv[1] === 'handler' && p.state === 'sleeping')?.pid);
    k.k.kill(k.k.kernelContext(), pid, 2);
    const r = await running;
    assert.equal(r.stdout, 'caught 10\nready\ninterrupted\n');
    assert.equal(r.code, 0);
  });

  await t.test('SIGTSTP stops and SIGCONT continues a child, and the parent sees both', async () => {
    const r = await k.run('probe', ['probe', 'stopcont']);
    assert.equal(r.stdout, 'stopped 20 continued true exited 0\n');
  });

  await t.test('identity: pid, parent, user, group, process group and session', async () => {
    const r = await k.run('probe', ['probe', 'ids']);
    assert.match(r.stdout, /^pid \d+ ppid 0 uid 0 gid 0 pgid \d+ sid \d+\n$/);
  });

  await t.test("proc: a process's status and arguments, and control with the rights of kill", async () => {
    const r = await k.run('probe', ['probe', 'proc']);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^Name: probe; State: sleeping; PPid: \d+\n/);
    assert.match(r.stdout, /\ncmdline "probe\\u0000sleep\\u0000100000\\u0000"\nlisted true\n/);
    assert.match(r.stdout, /\nEPERM\nas another user: 0\nbad command: EINVAL\nchild 143\ngone: ENOENT\n$/);
  });

  await t.test('sys: lists processes with state and memory, and the uptime', async () => {
    const r = await k.run('probe', ['probe', 'sys']);
    assert.match(r.stdout, /^PID PPID PGID SID UID GID STATE MEM CALLS TIME CMD\n/);
    assert.match(r.stdout, /\d+ 0 \d+ \d+ 0 0 running \d+ \d+ [\d.]+ probe sys\n/);
    assert.match(r.stdout, /uptime true\n$/);
  });
});

test('capabilities and sandboxing', async (t) => {
  const k = bootKernel(2);
  t.after(() => k.shutdown());

  await t.test('mkns only narrows; capability mode leaves only held descriptors', async () => {
    const r = await k.run('probe', ['probe', 'ns']);
    assert.equal(r.stdout, ['ns initfs,null', 'sys EACCES', 'null ok', 'widen initfs', 'capmode EACCES', 'held readable', 'spawn EACCES', ''].join('\n'));
  });

  await t.test('a call outside the syscall filter kills with SIGSYS and leaves an audit line', async () => {
    const r = await k.run('probe', ['probe', 'filter']);
    assert.equal(r.stdout, 'filtered\nstill here\n');
    assert.equal(r.signal, 31);
    assert.ok(k.log.some((l) => /audit: pid \d+ \(probe\) called getpid outside its syscall filter/.test(l)), k.log.join('\n'));
  });

  await t.test('a spawn with a filter and a namespace starts the child narrowed', async () => {
    const r = await k.run('probe', ['probe', 'ids'], { filter: [5, 18, 22] });
    assert.equal(r.signal, 31, 'getpid is outside the filter');
    const r2 = await k.run('probe', ['probe', 'sys'], { ns: ['initfs'] });
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /EACCES|Permission denied/);
  });

  await t.test('malformed frames fail that call alone', async () => {
    const r = await k.run('probe', ['probe', 'malformed']);
    assert.equal(r.stdout, 'unknown -38\noverlong -22\nbadutf8 -22\nbadfd -9\nbadspawn -22\nafter alive\n');
  });

  await t.test('descriptors pass across chan', async () => {
    const r = await k.run('probe', ['probe', 'chan']);
    assert.equal(r.stdout, 'message "here is a pipe" fd data "through the passed descriptor" child 0\n');
  });

  await t.test('the event scheme reports the descriptor that became ready', async () => {
    const r = await k.run('probe', ['probe', 'event']);
    assert.equal(r.stdout, 'events 1 first token 22 flags 1\n');
  });

  await t.test('shared memory: fmap maps a region the kernel also reaches', async () => {
    const r = await k.run('probe', ['probe', 'shm']);
    assert.equal(r.stdout, 'mapped sees "written through the kernel"; kernel sees "MAPPED"; size 4096\nresize after map: EBUSY\n');
  });

  await t.test('the time scheme arms a deadline that the event scheme reports', async () => {
    const r = await k.run('probe', ['probe', 'timer']);
    assert.equal(r.stdout, 'timer fired with token 7 after about 50 ms\n');
  });

  await t.test('zero, rand and null, by long and short names', async () => {
    const r = await k.run('probe', ['probe', 'devices']);
    assert.equal(r.stdout, 'zero 00000000 rand true null 7 eof 0 pool 5000 true\n');
  });

  await t.test('random syscall frames from a sandboxed process are all answered; the kernel goes on', async () => {
    for (const seed of [1, 2, 3, 4]) {
      const r = await k.run('probe', ['probe', 'fuzz', String(seed), '1500']);
      assert.match(r.stdout, /^answered \d+\n$/, r.stderr);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.ok(!k.log.some((l) => l.startsWith('BUG')), k.log.filter((l) => l.startsWith('BUG')).join('\n'));
    assert.equal((await k.run('hello', ['hello', 'ok'])).stdout, 'hello ok\n');
  });

  await t.test('a program finds no ambient authority in its context', async () => {
    const r = await k.run('probe', ['probe', 'escape']);
    assert.equal(r.stdout, 'undefined undefined undefined undefined undefined own-realm own-chain no-host-globals no-import\n');
  });
});

for (const mode of ['read-write', 'serve'] as const) {
test(`user schemes (${mode}): tagged requests, out-of-order replies, and a daemon that crashes`, async (t) => {
  const k = bootKernel(4);
  t.after(() => k.shutdown());
  const daemon = k.run('probe', ['probe', 'daemon', 'echo', ...(mode === 'serve' ? ['serve'] : [])]);
  await waitFor(() => k.k.schemes.get('echo'));

  await t.test('requests carry the caller uid; a later request is answered first', async () => {
    const slow = k.run('probe', ['probe', 'client', '/scheme/echo/hang1'], { uid: 1000, gid: 100 });
    await waitFor(() => [...k.k.procs.values()].find((p) => p.argv[2] === '/scheme/echo/hang1' && p.state === 'sleeping'));
    const fast = await k.run('probe', ['probe', 'client', '/scheme/echo/fast']);
    assert.equal(fast.stdout, 'fast read by uid 0\n');
    assert.equal((await slow).stdout, 'hang1 read by uid 1000\n');
  });

  await t.test('a signal interrupts a call the daemon holds: the request is cancelled and the call restarts', async () => {
    const slow = k.run('probe', ['probe', 'intrclient', '/scheme/echo/hang3']);
    const caller = await waitFor(() => [...k.k.procs.values()].find((p) => p.argv[2] === '/scheme/echo/hang3' && p.state === 'sleeping'));
    k.k.signal(caller, Sig.SIGUSR1);
    // The restarted open is held again; a later request releases it.
    await waitFor(() => caller.state === 'sleeping' && caller.inflight !== null);
    assert.equal((await k.run('probe', ['probe', 'client', '/scheme/echo/fast2'])).stdout, 'fast2 read by uid 0 after 1 cancel(s)\n');
    assert.equal((await slow).stdout, 'handler ran\nhang3 read by uid 0 after 1 cancel(s)\n');
  });

  await t.test('the daemon dies mid-request: its callers get EIO, the scheme is gone, the kernel goes on', async () => {
    const pending = k.run('probe', ['probe', 'client', '/scheme/echo/hang2']);
    await waitFor(() => [...k.k.procs.values()].find((p) => p.argv[2] === '/scheme/echo/hang2' && p.state === 'sleeping'));
    const crasher = await k.run('probe', ['probe', 'client', '/scheme/echo/crash']);
    assert.equal(crasher.stdout, '/scheme/echo/crash: EIO\n');
    assert.equal((await pending).stdout, '/scheme/echo/hang2: EIO\n');
    const d = await daemon;
    assert.equal(d.code, 7);
    // Replies that do not parse are refused whole, and the daemon's scheme goes on.
    if (mode === 'serve') assert.match(d.stdout, /garbage replies: -22\n/);
    assert.equal(k.k.schemes.has('echo'), false);
    assert.equal((await k.run('probe', ['probe', 'client', '/scheme/echo/x'])).stdout, '/scheme/echo/x: ENOENT\n');
    assert.equal((await k.run('hello', ['hello', 'still', 'up'])).stdout, 'hello still up\n');
  });

  await t.test('only uid 0 may register a scheme', async () => {
    const r = await k.run('probe', ['probe', 'daemon', 'nope'], { uid: 1000, gid: 100 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Operation not permitted/);
  });
});
}

test('files through a filesystem daemon (ramfsd serving file:)', async () => {
  const k = bootKernel(2);
  try {
    await k.startRamfs();
    const r = await k.run('probe', ['probe', 'files']);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, [
      'mkdir: ok', 'chmod: ok', 'write: ok', 'append: ok', 'read: "hello world\\nmore\\n"', 'size: 17',
      'seek+read: world', 'pwrite: HELLO world end=17', 'symlink: ok', 'readlink: a.txt', 'via link: 17', 'lstat: true',
      'rename: ok', 'dangling: ENOENT', 'readdir: .,..,link,b.txt', 'chdir: ok', 'cwd: /tmp', 'relative: 17',
      'escape: EXDEV', 'openat: 17', 'fpath: /tmp/b.txt', 'exists: true false', 'rmdir nonempty: ENOTEMPTY', 'unlink: ok',
      'own file: 1000', 'root dir: EACCES', 'setuid: EPERM', 'scheme: EPERM', 'as user 1000: 0', 'uid 1000 euid 0', 'setuid copy: 0', '',
    ].join('\n'));
    const locks = await k.run('probe', ['probe', 'locks', '/tmp/locks']);
    assert.equal(locks.stderr, '');
    assert.equal(locks.stdout, [
      "getlk: write 2+3, the parent's: true", 'setlk: EAGAIN', 'flock: EAGAIN',
      'POSIX WRITE PID file:DEV:INO 2 4', 'FLOCK WRITE - file:DEV:INO 0 EOF',
      'getlk: unlocked', 'setlk: ok', 'flock: ok', 'POSIX WRITE PID file:DEV:INO 4 4', 'FLOCK WRITE - file:DEV:INO 0 EOF',
      'from the end: 6+4', '',
    ].join('\n'));
    assert.deepEqual(k.k.locks.list(), []);
  } finally {
    k.shutdown();
  }
});

test('regression (exec-cache-bypass): a program the loader knows is still refused to a caller who may not read it', async () => {
  const k = bootKernel(2);
  try {
    await k.startRamfs();
    await writeFile(k.k, '/usr/bin/private', initfsFiles().get('bin/true')!.data, 0o700);
    assert.equal((await k.run('/usr/bin/private')).code, 0, 'root runs it (and the loader keeps it)');
    // The loader reads a program with the rights of the process that starts it: a shell of uid 1000.
    const asUser = () => k.run('sh', ['sh', '-c', '/usr/bin/private; echo status $?'], { uid: 1000, gid: 1000 });
    const denied = await asUser();
    assert.match(denied.stdout + denied.stderr, /Permission denied/);
    assert.match(denied.stdout, /status 126\n/);
    const f = k.k.resolve(k.k.kernelContext(), '/usr/bin/private');
    assert.ok(!isErr(f));
    await settle(() => f.scheme.chmod(f.ref, 0o755, k.k.kernelContext().caller()));
    assert.equal((await asUser()).stdout, 'status 0\n');
    await assert.rejects(k.run('/usr/bin/missing'), /ENOENT/);
  } finally {
    k.shutdown();
  }
});

