// What event-loop software asks of sockets and pipes: tests/c/socknb.c, built with
// `macrohard cc` and run inside a booted MACROHARD with netd on its loopback — a non-blocking
// connect completed through select and poll with SO_ERROR, MSG_PEEK on TCP and UDP,
// MSG_DONTWAIT, FIONREAD/FIONBIO, SO_RCVBUF/SO_SNDBUF, O_NONBLOCK through F_GETFL/F_SETFL on
// sockets and pipes, and accept4's flags. The same source built with gcc runs on the host and
// the transcripts must be the same; what differs by design (Linux doubles buffer sizes, and
// its connects on the loopback may end at once) is on stderr and checked here alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { bootWithFs, CBuild, install, skipReason } from './c/harness.js';
import { startNetd } from './net-harness.js';

const skip = skipReason();

test('sockets and pipes the way event loops use them, beside the same source built natively', { skip }, async (t) => {
  const b = new CBuild();
  const { t: k } = await bootWithFs(4);
  t.after(() => {
    k.shutdown();
    b.cleanup();
  });
  install(k, 'socknb', b.wasm('socknb'));
  await startNetd(k, ['--no-nic']);

  const r = await k.run('socknb', ['socknb', '7410', '7411', '7412']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, [
    'a new socket is non-blocking: 0',
    'after F_SETFL O_NONBLOCK: 1',
    'non-blocking connect: in progress (or done)',
    'select says writable: 1',
    'connect again once writable: 0',
    'and again: EISCONN',
    'SO_ERROR: 0',
    'getpeername names the listener: 1',
    'recv MSG_DONTWAIT before anything was sent: EAGAIN',
    'FIONREAD before anything was sent: 0',
    'after FIONBIO 0, non-blocking: 0',
    "recv MSG_PEEK 5: 5 'hello'",
    'FIONREAD: 11',
    "recv MSG_PEEK|MSG_DONTWAIT 3: 3 'hel'",
    "peek through two buffers: 7 'hello w'",
    "recv: 11 'hello world'",
    'recv MSG_DONTWAIT on a blocking socket with nothing queued: EAGAIN',
    'recv MSG_PEEK|MSG_DONTWAIT with nothing queued: EAGAIN',
    'SO_RCVBUF > 0: 1, at least what was asked for after setting it: 1',
    'SO_SNDBUF at least what was asked for before connecting: 1',
    "recv after resizing: 5 'again'",
    'accept4 SOCK_NONBLOCK|SOCK_CLOEXEC: non-blocking 1, close-on-exec 1',
    'recv on it with nothing sent: EAGAIN',
    'refused: ECONNREFUSED',
    'poll saw it: 1',
    'SO_ERROR again: 0',
    'connect again after a refusal: ECONNREFUSED, then SO_ERROR 0',
    "udp recv MSG_PEEK 4: 4 'data'",
    'udp FIONREAD (the next datagram): 8',
    "udp recv: 8 'datagram'",
    "udp recv MSG_PEEK: 6 'second'",
    "udp recv: 6 'second'",
    'udp recv MSG_DONTWAIT with nothing queued: EAGAIN',
    'pipe read end non-blocking: 0',
    'after F_SETFL O_NONBLOCK: 1 1',
    'read from the empty pipe: EAGAIN',
    'writes until the pipe is full end with: EAGAIN (after some data: 1)',
    'FIONREAD on the full pipe is positive: 1',
    'read from the full pipe: 1',
    'after clearing O_NONBLOCK: 0',
    '',
  ].join('\n'));
  // MACROHARD's own answers: a non-blocking connect always goes on after the call; the sizes
  // are the buffers netd uses (1 MiB each way on the loopback), not Linux's doubled figures;
  // poll reports a failed connect as writable (wasi-libc's POLLOUT is 0x2).
  assert.equal(r.stderr, [
    'connect: EINPROGRESS',
    'SO_RCVBUF 1048576, then 32768 after asking for 32768; SO_SNDBUF 49152 after asking for 49152',
    'connect to a closed port: EINPROGRESS',
    'poll after a refused connect: 1 revents 0x2',
    '',
  ].join('\n'));

  const bin = b.native('socknb');
  if (bin) {
    const base = 20000 + ((process.pid * 3) % 20000);
    const n = spawnSync(bin, [String(base), String(base + 1), String(base + 2)], { encoding: 'utf8', timeout: 20000 });
    assert.equal(n.stdout, r.stdout, n.stderr);
  }
});
