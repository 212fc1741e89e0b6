// AF_INET6 in C programs: tests/c/sockets6.c, built with `macrohard cc`, run as processes of a
// booted MACROHARD with netd on its loopback — an IPv6 echo server with an IPv6 client over ::1
// and an IPv4 client it sees v4-mapped, UDP over ::1, and getaddrinfo/getnameinfo with
// AF_INET6. The same source built with gcc runs on the host (when it has ::1) and must print
// the same.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { bootWithFs, CBuild, install, skipReason } from './c/harness.js';
import { killAll, startNetd, waitListening } from './net-harness.js';

const skip = skipReason();

/** Whether the host has an IPv6 loopback to compare against. */
async function hostHasIpv6(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}

/** The native build as a server and then each client in turn on the host, the port written back as PORT. */
async function onHost(bin: string, serverArgs: string[], clients: string[][]): Promise<{ server: string; clients: string[] }> {
  const port = String(20000 + ((process.pid * 3 + hostRuns++ * 11) % 20000));
  const fill = (a: string[]) => a.map((x) => (x === 'PORT' ? port : x));
  const server = spawn(bin, fill(serverArgs), { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  server.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const done = new Promise<void>((resolve) => server.on('close', () => resolve()));
  try {
    const outs = clients.map((args) => spawnSync(bin, fill(args), { encoding: 'utf8', timeout: 20000 }).stdout.replaceAll(port, 'PORT'));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((r) => (timer = setTimeout(r, 20000)))]);
    clearTimeout(timer);
    return { server: out.replaceAll(port, 'PORT'), clients: outs };
  } finally {
    server.kill();
  }
}
let hostRuns = 0;

test('C programs use AF_INET6 sockets through netd', { skip }, async (t) => {
  const b = new CBuild();
  const { t: k } = await bootWithFs(4);
  t.after(() => {
    k.shutdown();
    b.cleanup();
  });
  install(k, 'sockets6', b.wasm('sockets6'));
  await startNetd(k, ['--no-nic']);
  const native = (await hostHasIpv6()) ? b.native('sockets6') : null;

  await t.test('an IPv6 echo server: an IPv6 client over ::1 and an IPv4 one, v4-mapped', async () => {
    const server = k.run('sockets6', ['sockets6', 'server', '7600', '2']);
    try {
      await waitListening(k, 'tcp', 7600);
      const c1 = await k.run('sockets6', ['sockets6', 'client', '::1', '7600', 'hello', 'world']);
      const c2 = await k.run('sockets6', ['sockets6', 'client', '127.0.0.1', '7600', 'again']);
      const s = await server;
      assert.equal(c1.stderr, '');
      assert.equal(c1.stdout, ['connected from AF_INET6 (a port: 1) to [::1]:7600', 'echoed: hello', 'echoed: world', 'after shutdown, recv says 0', ''].join('\n'));
      assert.equal(c2.stdout, ['connected from AF_INET (a port: 1) to 127.0.0.1:7600', 'echoed: again', 'after shutdown, recv says 0', ''].join('\n'));
      assert.equal(s.stdout, [
        'listening on [::]:7600 (family AF_INET6, a sockaddr_in6)',
        'accepted a connection from ::1 (a sockaddr_in6)', 'a connection closed after 10 bytes',
        'accepted a connection from ::ffff:127.0.0.1 (a sockaddr_in6)', 'a connection closed after 5 bytes',
        'server done', '',
      ].join('\n'));
      if (native) {
        const host = await onHost(native, ['server', 'PORT', '2'], [['client', '::1', 'PORT', 'hello', 'world'], ['client', '127.0.0.1', 'PORT', 'again']]);
        assert.equal(host.server, s.stdout.replaceAll('7600', 'PORT'));
        assert.deepEqual(host.clients, [c1.stdout, c2.stdout].map((o) => o.replaceAll('7600', 'PORT')));
      }
    } finally {
      killAll(k, 'sockets6');
      await server.catch(() => undefined);
    }
  });

  await t.test('UDP over ::1: sendto and recvfrom on AF_INET6 sockets', async () => {
    const server = k.run('sockets6', ['sockets6', 'udpecho', '7601', '2']);
    try {
      await waitListening(k, 'udp', 7601);
      const c = await k.run('sockets6', ['sockets6', 'udpsend', '::1', '7601', 'one', 'three']);
      assert.equal(c.stdout, 'udp echo from [::1]:7601: one\nudp echo from [::1]:7601: three\n');
      const s = await server;
      assert.equal(s.stdout, 'datagram of 3 bytes\ndatagram of 5 bytes\n');
      if (native) {
        const host = await onHost(native, ['udpecho', 'PORT', '2'], [['udpsend', '::1', 'PORT', 'one', 'three']]);
        assert.equal(host.server, s.stdout);
        assert.deepEqual(host.clients, [c.stdout.replaceAll('7601', 'PORT')]);
      }
    } finally {
      killAll(k, 'sockets6');
      await server.catch(() => undefined);
    }
  });

  await t.test('getaddrinfo and getnameinfo with AF_INET6', async () => {
    for (const name of ['::1', '2001:db8::5', 'fe80::1:2']) {
      const r = await k.run('sockets6', ['sockets6', 'lookup', name]);
      assert.equal(r.stdout, `${name}: [${name}]:80 (a sockaddr_in6)\ngetnameinfo: ok ${name} 80\n`);
      if (native) assert.equal(spawnSync(native, ['lookup', name], { encoding: 'utf8' }).stdout, r.stdout);
    }
    // localhost is ::1 for IPv6 even without a hosts file (the host's answer depends on its /etc/hosts).
    assert.equal((await k.run('sockets6', ['sockets6', 'lookup', 'localhost'])).stdout, 'localhost: [::1]:80 (a sockaddr_in6)\ngetnameinfo: ok ::1 80\n');
    assert.equal((await k.run('sockets6', ['sockets6', 'lookup', '10.1.2.3'])).stdout, '10.1.2.3: EAI_NONAME\n');
  });
});
