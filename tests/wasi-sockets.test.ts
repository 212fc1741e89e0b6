// BSD sockets in C programs: tests/c/sockets.c, built with `macrohard cc`, run as processes of
// a booted MACROHARD with netd on its loopback — an echo server and its clients as separate
// processes, a connection handed to a child (inetd style), UDP, a refused connection, name
// lookups through /etc/hosts and DNS, and an HTTP GET from httpd. The servers and clients are
// also built with gcc and talk to each other on the host; the transcripts must be the same.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bootWithFs, CBuild, install, skipReason } from './c/harness.js';
import { onHost } from './c/onhost.js';
import { killAll, startNetd } from './net-harness.js';

const skip = skipReason();


test('C programs use BSD sockets through netd', { skip }, async (t) => {
  const b = new CBuild();
  const { t: k, fs } = await bootWithFs(4);
  t.after(() => {
    k.shutdown();
    b.cleanup();
  });
  install(k, 'sockets', b.wasm('sockets'));

  await t.test('without netd, connect says the network is down', async () => {
    const r = await k.run('sockets', ['sockets', 'refused', '127.0.0.1', '7499']);
    assert.equal(r.stdout, 'connect to a closed port: Network is down\n');
  });

  await startNetd(k, ['--no-nic']);

  await t.test('an echo server and two clients in three processes (poll, select, getaddrinfo, shutdown)', async () => {
    const server = k.run('sockets', ['sockets', 'server', '7400', '2']);
    try {
      const c1 = await k.run('sockets', ['sockets', 'client', '127.0.0.1', '7400', 'hello', 'world']);
      const c2 = await k.run('sockets', ['sockets', 'client', 'localhost', '7400', 'again']);
      const s = await server;
      assert.equal(c1.stderr, '');
      assert.equal(c1.code, 0, c1.stdout);
      assert.equal(c1.stdout, [
        'connected from 127.0.0.1 (an ephemeral port: 1) to 127.0.0.1:7400',
        'non-blocking recv before anything was sent: EAGAIN',
        'echoed: hello', 'echoed: world', 'after shutdown, recv says 0', 'send after shutdown with MSG_NOSIGNAL: EPIPE', '',
      ].join('\n'));
      assert.equal(c2.code, 0, c2.stdout);
      assert.match(c2.stdout, /echoed: again\n/);
      assert.equal(s.code, 0, s.stdout + s.stderr);
      assert.equal(s.stdout, [
        'SO_REUSEADDR: 1', 'listening on port 7400',
        'accepted a connection from 127.0.0.1', 'a connection closed after 10 bytes',
        'accepted a connection from 127.0.0.1', 'a connection closed after 5 bytes',
        'server done', '',
      ].join('\n'));

      const bin = b.native('sockets');
      if (bin) {
        const host = await onHost(bin, ['server', 'PORT', '2'], [['client', '127.0.0.1', 'PORT', 'hello', 'world'], ['client', 'localhost', 'PORT', 'again']]);
        assert.equal(host.server, s.stdout.replaceAll('7400', 'PORT'));
        assert.deepEqual(host.clients, [c1.stdout, c2.stdout].map((o) => o.replaceAll('7400', 'PORT')));
      }
    } finally {
      killAll(k, 'sockets');
      await server.catch(() => undefined);
    }
  });

  await t.test('inetd style: a child process serves the connection its parent accepted, at descriptor 3', async () => {
    const self = '/scheme/initfs/bin/sockets';
    const server = k.run(self, ['sockets', 'inetd', self, '7401']);
    try {
      const c = await k.run('sockets', ['sockets', 'client', '127.0.0.1', '7401', 'hello', 'world']);
      assert.equal(c.code, 0, c.stdout);
      assert.match(c.stdout, /echoed: HELLO\nechoed: WORLD\nafter shutdown, recv says 0\n/);
      const s = await server;
      assert.equal(s.stdout, 'handler: a connection from 127.0.0.1\nhandler exited 0\n');
      const bin = b.native('sockets');
      if (bin) {
        const host = await onHost(bin, ['inetd', bin, 'PORT'], [['client', '127.0.0.1', 'PORT', 'hello', 'world']]);
        assert.equal(host.server, s.stdout);
        assert.deepEqual(host.clients, [c.stdout.replaceAll('7401', 'PORT')]);
      }
    } finally {
      killAll(k, 'sockets');
      await server.catch(() => undefined);
    }
  });

  await t.test('UDP: sendto and recvfrom between two processes', async () => {
    const server = k.run('sockets', ['sockets', 'udpecho', '7402', '2']);
    try {
      const c = await k.run('sockets', ['sockets', 'udpsend', '127.0.0.1', '7402', 'one', 'three']);
      assert.equal(c.stdout, 'udp echo from 127.0.0.1:7402: one\nudp echo from 127.0.0.1:7402: three\n');
      const s = await server;
      assert.equal(s.stdout, 'datagram of 3 bytes\ndatagram of 5 bytes\n');
      const bin = b.native('sockets');
      if (bin) {
        const host = await onHost(bin, ['udpecho', 'PORT', '2'], [['udpsend', '127.0.0.1', 'PORT', 'one', 'three']]);
        assert.equal(host.server, s.stdout);
        assert.deepEqual(host.clients, [c.stdout.replaceAll('7402', 'PORT')]);
      }
    } finally {
      killAll(k, 'sockets');
      await server.catch(() => undefined);
    }
  });

  await t.test('connecting to a closed port is ECONNREFUSED', async () => {
    const r = await k.run('sockets', ['sockets', 'refused', '127.0.0.1', '7499']);
    assert.equal(r.stdout, 'connect to a closed port: ECONNREFUSED\n');
    assert.equal(r.code, 0);
  });

  await t.test('getaddrinfo: dotted quads, localhost, /etc/hosts, and EAI_NONAME for an unknown name', { skip: !fs && 'no file daemon (ramfsd) in this build' }, async () => {
    const w = await k.run('sh', ['sh', '-c', 'mkdir -p /etc && echo "10.9.8.7 far.example echo.example  # a comment" > /etc/hosts']);
    assert.equal(w.code, 0, w.stderr);
    assert.equal((await k.run('sockets', ['sockets', 'lookup', '192.168.1.2'])).stdout, '192.168.1.2: 192.168.1.2 port 80\n');
    assert.equal((await k.run('sockets', ['sockets', 'lookup', 'localhost'])).stdout, 'localhost: 127.0.0.1 port 80\n');
    assert.equal((await k.run('sockets', ['sockets', 'lookup', 'echo.example'])).stdout, 'echo.example: 10.9.8.7 port 80\n');
    const none = await k.run('sockets', ['sockets', 'lookup', 'nosuch.invalid']);
    assert.equal(none.stdout, 'nosuch.invalid: EAI_NONAME\n');
    assert.equal(none.code, 2);

    // Through DNS: a server in another process answers for one name, NXDOMAIN for the rest.
    assert.equal((await k.run('sh', ['sh', '-c', 'echo "nameserver 127.0.0.1" > /etc/resolv.conf'])).code, 0);
    const dns = k.run('sockets', ['sockets', 'dns', '53', 'dns.example', '10.1.2.3']);
    try {
      // Until the server has bound its port, queries go unanswered (EAI_AGAIN after 3 s).
      let r = await k.run('sockets', ['sockets', 'lookup', 'dns.example']);
      for (let i = 0; i < 5 && /EAI_AGAIN/.test(r.stdout); i++) r = await k.run('sockets', ['sockets', 'lookup', 'dns.example']);
      assert.equal(r.stdout, 'dns.example: 10.1.2.3 port 80\n');
      r = await k.run('sockets', ['sockets', 'lookup', 'other.example']);
      assert.equal(r.stdout, 'other.example: EAI_NONAME\n');
      assert.equal((await k.run('sockets', ['sockets', 'lookup', 'far.example'])).stdout, 'far.example: 10.9.8.7 port 80\n', '/etc/hosts comes first');
    } finally {
      killAll(k, 'sockets');
      const d = await dns;
      assert.equal(d.stdout, 'dns server ready\n');
    }
  });

  await t.test('an HTTP GET from httpd in another process', async () => {
    const httpd = k.run('httpd', ['httpd', '-p', '8091', '-q', '/scheme/initfs']);
    try {
      let r = await k.run('sockets', ['sockets', 'get', '127.0.0.1', '8091', '/etc/init.toml']);
      for (let i = 0; i < 50 && /ECONNREFUSED/.test(r.stdout); i++) {
        await new Promise((res) => setTimeout(res, 50));
        r = await k.run('sockets', ['sockets', 'get', '127.0.0.1', '8091', '/etc/init.toml']);
      }
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const toml = readFileSync(new URL('../../src/userland/init/init.toml', import.meta.url), 'utf8');
      assert.equal(r.stdout, `HTTP/1.1 200 OK\n${toml}`);
      const missing = await k.run('sockets', ['sockets', 'get', '127.0.0.1', '8091', '/nope']);
      assert.match(missing.stdout, /^HTTP\/1.1 404 /);
    } finally {
      killAll(k, 'httpd');
      await httpd.catch(() => undefined);
    }
  });
});
