// User-mode networking through `macrohard boot --net user`: MACROHARD's fetch downloads from an
// HTTP server on the host's 127.0.0.1 (reached as the gateway, 10.0.2.2), and the host's curl
// fetches from MACROHARD's httpd through a port forward (hostfwd=tcp::PORT-:80). Everything
// stays on this machine's loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import { DnsPacket, DnsType, dnsBufferLen, emitDns, parseDns, type DnsRecord } from '../src/net/wire/dns.js';

const bin = fileURLToPath(new URL('../../bin/macrohard.js', import.meta.url));

function boot(args: string[]): { done: Promise<{ status: number | null; out: string }>; kill(): void } {
  const child = spawn(process.execPath, [bin, 'boot', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
  const done = new Promise<{ status: number | null; out: string }>((resolve) =>
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, out });
    }),
  );
  return { done, kill: () => child.kill('SIGKILL') };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('nat: fetch inside MACROHARD downloads from a host HTTP server (redirect, chunked, length)', async () => {
  const body = new Uint8Array(1_500_000).map((_, i) => (i * 31 + 7) & 0xff);
  const server = http.createServer((req, res) => {
    if (req.url === '/old') {
      res.writeHead(302, { Location: '/chunked' }).end();
    } else if (req.url === '/chunked') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' }); // no length: chunked
      for (let o = 0; o < body.length; o += 100_000) res.write(body.subarray(o, o + 100_000));
      res.end();
    } else if (req.url === '/plain') {
      res.writeHead(200, { 'Content-Length': 12 }).end('hello, host\n');
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  // What MACROHARD sends back with nc, hashed as it arrives.
  const hash = createHash('sha256');
  let returned = 0;
  const sink = net.createServer((s) => {
    s.on('data', (d) => {
      hash.update(d);
      returned += d.length;
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  const sinkPort = (sink.address() as net.AddressInfo).port;
  try {
    const b = boot(['--net', 'user', '-c', `fetch -q http://10.0.2.2:${port}/plain && fetch -q -O http://10.0.2.2:${port}/old && wc -c chunked && nc 10.0.2.2 ${sinkPort} < chunked`]);
    const r = await b.done;
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /^hello, host\n/);
    assert.match(r.out, /1500000 chunked/);
    assert.equal(returned, body.length);
    assert.equal(hash.digest('hex'), createHash('sha256').update(body).digest('hex'));
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => sink.close(() => r()));
  }
});

test('nat: the host reaches MACROHARD\'s httpd through a port forward (curl)', async (t) => {
  const hasCurl = spawnSync('curl', ['--version']).status === 0;
  const [web, ctl] = [await freePort(), await freePort()];
  const b = boot(['--net', `user,hostfwd=tcp::${web}-:80,hostfwd=tcp::${ctl}-:9999`, '-c', 'httpd -q -p 80 /scheme/initfs/etc & nc -l 9999']);
  try {
    const url = `http://127.0.0.1:${web}/init.toml`;
    let text = '';
    for (let i = 0; i < 100 && !text.includes('[console]'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = await fetch(url).then((r) => r.text(), () => '');
    }
    assert.match(text, /\[console\]/);
    if (hasCurl) {
      const c = spawnSync('curl', ['-s', '-i', '-r', '0-5', url], { encoding: 'utf8', timeout: 10_000 });
      assert.match(c.stdout, /^HTTP\/1\.1 206 Partial Content/);
      assert.match(c.stdout, /Content-Range: bytes 0-5\/\d+/);
      assert.ok(c.stdout.endsWith('\r\n\r\n# init'), c.stdout);
      const l = spawnSync('curl', ['-s', `http://127.0.0.1:${web}/`], { encoding: 'utf8', timeout: 10_000 });
      assert.match(l.stdout, /Index of \//);
    } else t.diagnostic('curl is not installed: checked with Node fetch only');
    // Tell the console command to finish: nc -l 9999 prints what we send and exits.
    const s = net.connect(ctl, '127.0.0.1');
    s.end('finished\n');
    s.on('error', () => undefined);
    const r = await b.done;
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /finished/);
  } finally {
    b.kill();
  }
});

test('nat: UDP out through the host (a DNS answer for host), ping and ip inside', async () => {
  const { createSocket } = await import('node:dgram');
  const dns = createSocket('udp4');
  dns.on('message', (m, from) => {
    const p = DnsPacket.checked(new Uint8Array(m.buffer, m.byteOffset, m.length));
    if (typeof p === 'string') return;
    const q = parseDns(p);
    if (typeof q === 'string') return;
    const name = q.questions[0]!.name;
    const answers: DnsRecord[] = name === 'macrohard.test' ? [{ name, class: 1, ttl: 60, data: { type: DnsType.A, address: 0x0a_01_02_03 } }] : [];
    const r = { ...q, response: true, recursionAvailable: true, rcode: answers.length ? 0 : 3, answers };
    const out = new Uint8Array(dnsBufferLen(r));
    emitDns(r, out);
    dns.send(out, from.port, from.address);
  });
  await new Promise<void>((r) => dns.bind(0, '127.0.0.1', () => r()));
  const port = dns.address().port;
  try {
    const b = boot(['--net', 'user', '-c', `host macrohard.test 10.0.2.2:${port}; host nothing.test 10.0.2.2:${port}; ping -c 1 -W 5 10.0.2.2; ip addr; ip route; cat /etc/resolv.conf; host localhost 10.0.2.3`]);
    const r = await b.done;
    assert.match(r.out, /macrohard\.test has address 10\.1\.2\.3/);
    assert.match(r.out, /Host nothing\.test not found/);
    assert.match(r.out, /1 packets transmitted, 1 received/);
    assert.match(r.out, /eth0: mtu 1500 link nic\n +ether 52:54:00:12:34:56\n +inet 10\.0\.2\.15\/24/);
    assert.match(r.out, /default via 10\.0\.2\.2 dev eth0/);
    // The gateway's DNS relay (10.0.2.3) answers from the host's resolver: its hosts file here.
    assert.match(r.out, /nameserver 10\.0\.2\.3\n/);
    assert.match(r.out, /localhost has address 127\.0\.0\.1/);
  } finally {
    dns.close();
  }
});

test('nat: 200 concurrent connections from the host to httpd through a port forward, none fails', async () => {
  const [web, ctl] = [await freePort(), await freePort()];
  const b = boot(['--net', `user,hostfwd=tcp::${web}-:80,hostfwd=tcp::${ctl}-:9999`, '-c', 'httpd -q -p 80 /scheme/initfs/etc & nc -l 9999']);
  try {
    const url = `http://127.0.0.1:${web}/init.toml`;
    let up = false;
    for (let i = 0; i < 100 && !up; i++) {
      await new Promise((r) => setTimeout(r, 100));
      up = await fetch(url).then((r) => r.ok, () => false);
    }
    assert.ok(up, 'httpd did not come up');
    const agent = new http.Agent({ keepAlive: false, maxSockets: 200 });
    const results = await Promise.all(Array.from({ length: 200 }, () => new Promise<number>((resolve) => {
      http.get({ host: '127.0.0.1', port: web, path: '/init.toml', agent }, (res) => {
        let n = 0;
        res.on('data', (d: Buffer) => (n += d.length));
        res.on('end', () => resolve(res.statusCode === 200 ? n : -1));
      }).on('error', () => resolve(-2));
    })));
    agent.destroy();
    const size = results[0]!;
    assert.ok(size > 1000);
    assert.deepEqual(results.filter((n) => n !== size), []);
    const s = net.connect(ctl, '127.0.0.1');
    s.on('error', () => undefined);
    s.end('done\n');
    assert.equal((await b.done).status, 0);
  } finally {
    b.kill();
  }
});
