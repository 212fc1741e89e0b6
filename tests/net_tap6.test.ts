// IPv6 between MACROHARD and this host's Linux stack over TAP, in a network namespace the test
// makes (so nothing of the host's own network is touched): the TAP device in the namespace
// has fd00:6::1/64, MACROHARD boots inside it with `--net tap,...,addr6=fd00:6::2/64`, and
// both directions are checked — MACROHARD pings the host and its fetch downloads from a Node
// HTTP server on [fd00:6::1], and pings the host's link-local address with a zone; the host
// pings MACROHARD's global and link-local addresses and `curl -g http://[fd00:6::2]/` fetches
// from its httpd. Neighbour discovery runs both ways. Skipped with the reason where a
// namespace or a TAP device cannot be made (not Linux, not root, no /dev/net/tun, no `ip`,
// `ping` or `curl`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/macrohard.js', import.meta.url));

function whyNot(): string | null {
  if (process.platform !== 'linux') return 'TAP needs Linux';
  if (process.getuid?.() !== 0) return 'TAP and network namespaces need root';
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun';
  for (const [tool, arg] of [['ip', '-V'], ['ping', '-V'], ['curl', '--version']] as const) {
    if (spawnSync(tool, [arg]).error) return `the ${tool} tool is missing`;
  }
  return null;
}

const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });

test('tap ipv6: MACROHARD and Linux in a namespace reach each other over IPv6 (ping both ways, fetch, curl -g)', { skip: whyNot() ?? false }, async (t) => {
  const ns = `mh6ns${process.pid % 10000}`;
  const dev = 'mh6tap';
  const made = ip('netns', 'add', ns);
  if (made.status !== 0) return t.skip(`cannot create a network namespace: ${made.stderr.trim()}`);
  // Deleting the namespace deletes the TAP device in it.
  t.after(() => void ip('netns', 'del', ns));
  const inNs = (...args: string[]) => spawnSync('ip', ['netns', 'exec', ns, ...args], { encoding: 'utf8', timeout: 20_000 });
  const tap = ip('-n', ns, 'tuntap', 'add', 'dev', dev, 'mode', 'tap');
  if (tap.status !== 0) return t.skip(`cannot create a TAP device: ${tap.stderr.trim()}`);
  assert.equal(ip('-n', ns, 'link', 'set', 'lo', 'up').status, 0);
  // nodad: the address is usable at once, not after a second of duplicate address detection.
  assert.equal(ip('-n', ns, 'addr', 'add', 'fd00:6::1/64', 'dev', dev, 'nodad').status, 0);
  assert.equal(ip('-n', ns, 'addr', 'add', 'fe80::1/64', 'dev', dev, 'nodad').status, 0);
  assert.equal(ip('-n', ns, 'link', 'set', dev, 'up').status, 0);

  const procs: ChildProcess[] = [];
  t.after(() => procs.forEach((p) => p.kill('SIGKILL')));
  // The host's HTTP server, a Node process inside the namespace.
  const server = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e',
    `require('http').createServer((q, r) => r.writeHead(200, {'Content-Length': 16}).end('hello over ipv6\\n')).listen(8086, 'fd00:6::1', () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  procs.push(server);
  await new Promise<void>((resolve, reject) => {
    server.stdout!.once('data', () => resolve());
    server.once('exit', (c) => reject(new Error(`the host's server exited with ${c}`)));
  });

  // A link-local address for the host's side, for MACROHARD to ping with a zone (Linux makes its
  // own only once the device has a carrier, that is once MACROHARD holds it).
  const hostLl = 'fe80::1';
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, bin, 'boot', '--net', `tap,ifname=${dev},addr6=fd00:6::2/64`, '-c',
    `ping -c 2 -i 0.2 fd00:6::1 && ping -c 1 ${hostLl}%eth0 && fetch -q http://[fd00:6::1]:8086/ && ip addr && httpd -q -p 80 /scheme/initfs/etc & nc -l 9999`], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(child);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    let text = '';
    for (let i = 0; i < 200 && !text.includes('[console]'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      const c = inNs('curl', '-g', '-s', '-m', '2', 'http://[fd00:6::2]/init.toml');
      text = c.status === 0 ? c.stdout : '';
    }
    assert.match(text, /\[console\]/, out);
    const ping = inNs('ping', '-6', '-c', '2', '-i', '0.2', '-W', '2', 'fd00:6::2');
    assert.match(ping.stdout, /2 packets transmitted, 2 received/, ping.stdout + ping.stderr);
    // MACROHARD's link-local address is its MAC's (52:54:00:4d:48:01) modified EUI-64.
    const ll = inNs('ping', '-6', '-c', '1', '-W', '2', `fe80::5054:ff:fe4d:4801%${dev}`);
    assert.match(ll.stdout, /1 packets transmitted, 1 received/, ll.stdout + ll.stderr);
    // The neighbour Linux learned for MACROHARD's address is its TAP MAC.
    assert.match(inNs('ip', '-6', 'neigh', 'show', 'dev', dev).stdout, /fd00:6::2 lladdr 52:54:00:4d:48:01/);
    const end = inNs(process.execPath, '-e', `require('net').connect(9999, 'fd00:6::2', function () { this.end('finished\\n'); })`);
    assert.equal(end.status, 0, end.stderr);
    assert.equal(await exited, 0, out);
    assert.match(out, /PING fd00:6::1 \(fd00:6::1\) 56\(104\) bytes/);
    assert.match(out, /2 packets transmitted, 2 received/);
    assert.match(out, new RegExp(`PING ${hostLl}%eth0 \\(${hostLl}%eth0\\)[^]*1 packets transmitted, 1 received`));
    assert.match(out, /hello over ipv6\n/);
    assert.match(out, /inet6 fd00:6::2\/64\n/);
    assert.match(out, /finished/);
  } finally {
    clearTimeout(killer);
    child.kill('SIGKILL');
  }
});
