// MACROHARD on a TAP device, talking to this host's own Linux TCP/IP stack: the test makes a
// TAP interface (10.77.N.1/24 on the host side), boots with `--net tap,ifname=...,addr=...`,
// and checks both directions — MACROHARD pings the host and fetches from a Node HTTP server on
// the host's TAP address; the host's curl fetches from MACROHARD's httpd. Skipped with the
// reason where TAP cannot be made (not Linux, not root, no /dev/net/tun, no `ip` tool).
//
// Bulk transfers: the host sends random bytes to `nc -l` inside MACROHARD, which pipes them to
// `nc` back to a server on the host, and the host compares SHA-256 digests — every byte
// crossed the TAP link both ways. Once on a clean link, once with faults injected in
// MACROHARD's link layer (5% loss, 5% reordering, 1–2 ms delay, both ways): this host's
// kernel has no netem queueing discipline to do it on the host's side. MH_TAP_MIB sets the
// size of both (the 100 MiB: MH_TAP_MIB=100); npm test moves 8 MiB clean and 1 MiB
// through the faults, where TCP spends most of its time waiting out retransmission timers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
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

const CLEAN_MIB = Number(process.env.MH_TAP_MIB ?? 8);
const FAULTY_MIB = Number(process.env.MH_TAP_MIB ?? 1);

/** Sends `mib` random MiB through MACROHARD and back, and compares the digests. */
async function relay(t: { after(fn: () => unknown): void; skip(m: string): void }, mib: number, faults: string): Promise<void> {
  const n = 100 + ((process.pid + (faults ? 50 : 0)) % 100);
  const dev = `mhtr${n}`;
  const hostIp = `10.76.${n}.1`;
  const mhIp = `10.76.${n}.2`;
  const made = ip('tuntap', 'add', 'dev', dev, 'mode', 'tap');
  if (made.status !== 0) return t.skip(`cannot create a TAP device: ${made.stderr.trim()}`);
  t.after(() => void ip('link', 'del', dev));
  assert.equal(ip('addr', 'add', `${hostIp}/24`, 'dev', dev).status, 0);
  assert.equal(ip('link', 'set', dev, 'up').status, 0);

  const back = createHash('sha256');
  let backBytes = 0;
  const returned = new Promise<void>((resolve, reject) => {
    const server = net.createServer((c) => {
      c.on('data', (d: Buffer) => {
        back.update(d);
        backBytes += d.length;
      });
      c.on('end', () => {
        c.end();
        server.close();
        resolve();
      });
      c.on('error', reject);
    });
    server.listen(9002, hostIp);
    t.after(() => server.close());
  });

  const child = spawn(process.execPath, [bin, 'boot', '--net', `tap,ifname=${dev},addr=${mhIp}/24${faults}`, '-c', `nc -l 9001 | nc ${hostIp} 9002 && ip stats && cat /scheme/nic/0/config`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.after(() => child.kill('SIGKILL'));

  // Connect once nc listens (the machine is still booting at first).
  let sock: net.Socket | null = null;
  for (let i = 0; i < 200 && !sock; i++) {
    sock = await new Promise<net.Socket | null>((resolve) => {
      // nc inside half-closes at once (its standard input is empty): keep sending regardless.
      const s = net.connect({ port: 9001, host: mhIp, allowHalfOpen: true });
      s.once('connect', () => resolve(s));
      s.once('error', () => resolve(null));
    });
    if (!sock) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(sock, `nc -l never listened:\n${out}`);
  const sent = createHash('sha256');
  const total = mib * 1024 * 1024;
  for (let done = 0; done < total; ) {
    const chunk = randomBytes(Math.min(256 * 1024, total - done));
    sent.update(chunk);
    done += chunk.length;
    if (!sock.write(chunk)) await new Promise((r) => sock!.once('drain', r));
  }
  sock.end();
  sock.on('error', () => undefined);
  await returned;
  assert.equal(await exited, 0, out);
  assert.equal(backBytes, total, out);
  assert.equal(back.digest('hex'), sent.digest('hex'));
  // The faults were there: the stack saw segments out of order and resent lost ones.
  if (faults) assert.match(out, /out-of-order/, out);
  if (faults) assert.match(out, /retransmit/, out);
  // A clean TAP link moves frames through netd's nic ring; one with faults (injected in the
  // kernel's link layer) through the batch descriptor.
  if (faults) assert.doesNotMatch(out, /ring=on/, out);
  else assert.match(out, /ring=on\ntx_bad=0\n/, out);
}

test(`tap: ${CLEAN_MIB} MiB from the host through nc inside MACROHARD and back, digests equal`, { skip: whyNot() ?? false, timeout: 1_200_000 }, (t) =>
  relay(t, CLEAN_MIB, ''));

test(`tap: ${FAULTY_MIB} MiB the same way with 5% loss, 5% reordering and 1-2 ms delay each way`, { skip: whyNot() ?? false, timeout: 1_200_000 }, (t) =>
  relay(t, FAULTY_MIB, ',loss=0.05,reorder=0.05,delay=1,jitter=1,seed=7'));
