// MACROHARD on a TAP device, talking to this host's own Linux TCP/IP stack: the test makes a
// TAP interface (10.77.N.1/24 on the host side), boots with `--net tap,ifname=...,addr=...`,
// and checks both directions — MACROHARD pings the host and fetches from a Node HTTP server on
// the host's TAP address; the host's curl fetches from MACROHARD's httpd. Skipped with the
// reason where TAP cannot be made (not Linux, not root, no /dev/net/tun, no `ip` tool).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/macrohard.js', import.meta.url));

function whyNot(): string | null {
  if (process.platform !== 'linux') return 'TAP needs Linux';
  if (process.getuid?.() !== 0) return 'TAP needs root';
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun';
  if (spawnSync('ip', ['-V']).status !== 0) return 'the ip tool is missing';
  return null;
}

const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });

test('tap: MACROHARD and the host\'s Linux stack reach each other (ping, fetch, curl)', { skip: whyNot() ?? false }, async (t) => {
  const n = 100 + (process.pid % 100);
  const dev = `mhtap${n}`;
  const hostIp = `10.77.${n}.1`;
  const mhIp = `10.77.${n}.2`;
  const made = ip('tuntap', 'add', 'dev', dev, 'mode', 'tap');
  if (made.status !== 0) return t.skip(`cannot create a TAP device: ${made.stderr.trim()}`);
  t.after(() => void ip('link', 'del', dev));
  assert.equal(ip('addr', 'add', `${hostIp}/24`, 'dev', dev).status, 0);
  assert.equal(ip('link', 'set', dev, 'up').status, 0);
  const server = http.createServer((_req, res) => res.writeHead(200, { 'Content-Length': 15 }).end('hello from tap\n'));
  await new Promise<void>((r) => server.listen(0, hostIp, () => r()));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as net.AddressInfo).port;

  const child = spawn(process.execPath, [bin, 'boot', '--net', `tap,ifname=${dev},addr=${mhIp}/24`, '-c',
    `ping -c 2 -i 0.2 ${hostIp} && fetch -q http://${hostIp}:${port}/ && httpd -q -p 80 /scheme/initfs/etc & nc -l 9999`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    let text = '';
    for (let i = 0; i < 100 && !text.includes('[console]'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      const c = spawnSync('curl', ['-s', '-m', '2', `http://${mhIp}/init.toml`], { encoding: 'utf8' });
      text = c.status === 0 ? c.stdout : '';
    }
    assert.match(text, /\[console\]/, out);
    const s = net.connect(9999, mhIp);
    s.on('error', () => undefined);
    s.end('finished\n');
    assert.equal(await exited, 0, out);
    assert.match(out, /2 packets transmitted, 2 received/);
    assert.match(out, /hello from tap\n/);
    assert.match(out, /finished/);
  } finally {
    clearTimeout(killer);
    child.kill('SIGKILL');
  }
});
