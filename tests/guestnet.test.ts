// A RISC-V Linux guest on MACROHARD's network: a kernel with netd (and httpd serving its
// initfs), the guests' switch as its nic link, the user-mode NAT to this host beside it, and the
// Debian-source BusyBox guest plugged into the switch — run by a VMM on the host
// (`vm run --switch`), and by the `vm` program inside MACROHARD on a guest port.
// The guest gets its address from netd's DHCP server (busybox udhcpc), downloads a file from
// MACROHARD's httpd with busybox wget and checks its SHA-256, reaches an HTTP server on this
// host through netd's NAT and the user-mode NAT; the host VMM's guest also serves a page that
// MACROHARD's fetch reads. Skipped, with the build command, when no guest is cached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootKernel } from './kernel-harness.js';
import { isErr } from '../src/abi/errno.js';
import { WaitStatus } from '../src/abi/flags.js';
import { kclose, kpipe, kread, kwrite } from '../src/kernel/kio.js';
import { NicScheme } from '../src/kernel/schemes/nic.js';
import type { InitfsScheme } from '../src/kernel/schemes/initfs.js';
import { HostSwitch } from '../src/host/node/nic.js';
import { NatLink } from '../src/host/node/nat.js';
import { GUEST_NET, guestPorts } from '../src/host/node/netlinks.js';
import { addGuests } from '../src/host/node/initfs.js';
import { cachedGuest } from '../src/hv/guest/build.js';
import { GuestConsole } from '../src/hv/riscv/testing/guest-console.js';

const runJs = fileURLToPath(new URL('../src/hv/riscv/run.js', import.meta.url));
const netdFile = fileURLToPath(new URL('../initfs/bin/netd', import.meta.url));

/** A guest's console, wherever its VMM runs: type a line, wait for what it prints. */
class Guest {
  readonly con = new GuestConsole();
  constructor(private readonly send: (text: string) => void) {}

  /** Types `command`, then waits for it to finish; returns what it printed. The marker is computed by the guest's shell, so its echo of the command line never matches. */
  async run(command: string, ms = 120_000): Promise<string> {
    this.send(`${command}; echo "DONE-$((6 * 7))"\n`);
    return (await this.con.expect(/DONE-42\r?\n/, ms)).replace(/DONE-42\r?\n$/, '');
  }
}

const HOST_BODY = 'hello from the host, through two NATs\n';

/**
 * A kernel on the guests' network, as `macrohard boot --net user --switch PATH` makes it: the
 * user-mode NAT as eth0, the guest switch (netd at 10.0.3.1, DHCP, NAT) as eth1, two guest ports
 * for `vm`, the switch's socket for host VMMs; netd and httpd (serving initfs) running; the
 * guests in initfs; an HTTP server on the host's loopback.
 */
async function guestNetwork() {
  const hostServer = http.createServer((_req, res) => res.writeHead(200, { 'Content-Length': Buffer.byteLength(HOST_BODY) }).end(HOST_BODY));
  await new Promise<void>((r) => hostServer.listen(0, '127.0.0.1', () => r()));
  const hostPort = (hostServer.address() as AddressInfo).port;
  const sockPath = join(tmpdir(), `mh-guestnet-${process.pid}.sock`);
  const tk = bootKernel(4);
  const initfs = tk.k.schemes.get('initfs') as InitfsScheme;
  for (const [path, f] of addGuests(new Map())) initfs.add(path, f);
  const sw = new HostSwitch();
  const nat = new NatLink({ mode: 'user', forwards: [] });
  tk.k.register(new NicScheme([nat, sw.link(GUEST_NET.mac, GUEST_NET.addr, undefined, { dhcp: GUEST_NET.pool, nat: 'on' }), ...guestPorts(sw)]));
  const switchServer = await sw.serve(sockPath);
  await tk.startNetd();
  void tk.run('httpd', ['httpd', '-p', '80', '-q', '/scheme/initfs']).catch(() => undefined);
  return {
    tk, sockPath, hostPort,
    async close() {
      for (const p of tk.k.procs.values()) if (p.alive && p.argv[0] === 'httpd') tk.k.signal(p, 9);
      tk.shutdown();
      await new Promise<void>((r) => switchServer.close(() => r()));
      rmSync(sockPath, { force: true });
      hostServer.closeAllConnections();
      await new Promise<void>((r) => hostServer.close(() => r()));
    },
  };
}

/** What both VMMs are checked for: a lease from netd, a file from httpd, the host and its name server through the NATs. */
async function useTheNetwork(g: Guest, hostPort: number): Promise<string> {
  await g.con.expect(/# $/, 120_000); // input typed before the shell's prompt is lost
  const dhcp = await g.run('udhcpc -n -q -t 10');
  const addr = /lease of (10\.0\.3\.\d+) obtained/.exec(dhcp)?.[1];
  assert.ok(addr, `no lease in:\n${dhcp}`);
  const sum = await g.run('wget -q -O /tmp/netd http://10.0.3.1/bin/netd; sha256sum /tmp/netd');
  const want = createHash('sha256').update(readFileSync(netdFile)).digest('hex');
  assert.match(sum, new RegExp(`${want}  /tmp/netd`), sum);
  assert.match(await g.run(`wget -q -O - http://10.0.2.2:${hostPort}/`), /hello from the host, through two NATs/);
  // The name server the lease named (the user-mode NAT's relay), reached through netd's NAT.
  assert.match(await g.run('nslookup -type=a localhost'), /Name:\s+localhost\s+Address:\s+127\.0\.0\.1/);
  return addr;
}

test('vm: usage, a missing description and a bad one are refused with a message', async () => {
  const tk = bootKernel(2);
  const initfs = tk.k.schemes.get('initfs') as InitfsScheme;
  initfs.add('guests/bad.toml', { data: new TextEncoder().encode('[machine]\nmemory = 5\n'), mode: 0o644 });
  initfs.add('guests/nokernel.toml', { data: new TextEncoder().encode('[machine]\nmemory = 64\n'), mode: 0o644 });
  try {
    const usage = await tk.run('vm', ['vm']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: vm run NAME\|FILE\.toml/);
    const missing = await tk.run('vm', ['vm', 'run', 'nosuch']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^vm: .*nosuch\.toml/);
    const bad = await tk.run('vm', ['vm', 'run', 'bad']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad\.toml: machine\.memory must be an integer from 16/);
    const none = await tk.run('vm', ['vm', 'run', 'nokernel']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /names no kernel/);
    const opt = await tk.run('vm', ['vm', 'run', 'nokernel', '--smp', '99']);
    assert.match(opt.stderr, /--smp must be an integer from 1 to 8/);
  } finally {
    tk.shutdown();
  }
});

test('guest network: a host VMM on the switch gets DHCP from netd, fetches from httpd and the host, and serves MACROHARD', { timeout: 400_000 }, async (t) => {
  if (!cachedGuest()) {
    t.skip('no cached RISC-V guest: build it with `node bin/macrohard.js vm image build`');
    return;
  }
  const net = await guestNetwork();
  let vmm: ChildProcessWithoutNullStreams | undefined;
  try {
    vmm = spawn(process.execPath, [runJs, '--switch', net.sockPath, '--clock', 'paced', '--timeout', '360'], { stdio: 'pipe' });
    const child = vmm;
    const g = new Guest((s) => child.stdin.write(s));
    child.stdout.on('data', g.con.sink);
    child.stderr.on('data', g.con.sink);
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    const addr = await useTheNetwork(g, net.hostPort);

    await g.run('mkdir -p /tmp/www && echo "served by the guest" > /tmp/www/index.html && httpd -p 8080 -h /tmp/www');
    const page = await net.tk.run('fetch', ['fetch', '-q', `http://${addr}:8080/index.html`]);
    assert.equal(page.stderr, '');
    assert.equal(page.stdout, 'served by the guest\n');

    child.stdin.write('poweroff -f\n');
    assert.equal(await exited, 0, g.con.recent);
  } finally {
    vmm?.kill('SIGKILL');
    await net.close();
  }
});

test('guest network: `vm run busybox` inside MACROHARD boots the guest on a guest port of the switch', { timeout: 400_000 }, async (t) => {
  if (!cachedGuest()) {
    t.skip('no cached RISC-V guest: build it with `node bin/macrohard.js vm image build`');
    return;
  }
  const net = await guestNetwork();
  const k = net.tk.k;
  const inp = kpipe(k);
  const out = kpipe(k);
  let pid = -1;
  try {
    const child = await k.spawn(null, {
      path: '/scheme/initfs/bin/vm', argv: ['vm', 'run', 'busybox'], env: ['PATH=/scheme/initfs/bin'], cwd: '', flags: 0, pgid: 0,
      uid: -1, gid: -1, fds: [[0, inp.read], [1, out.write], [2, out.write]], ns: null, filter: null,
    });
    kclose(k, inp.read);
    kclose(k, out.write);
    if (isErr(child)) throw new Error(`spawn vm: ${child}`);
    pid = child.pid;
    const enc = new TextEncoder();
    const g = new Guest((s) => void kwrite(k, inp.write, enc.encode(s)));
    void (async () => {
      for (;;) {
        const b = await kread(k, out.read);
        if (isErr(b) || b.length === 0) break;
        g.con.sink(b);
      }
    })();
    const exited = k.waitExit(pid);
    await useTheNetwork(g, net.hostPort);
    void kwrite(k, inp.write, enc.encode('poweroff -f\n'));
    const status = await exited;
    assert.ok(WaitStatus.ifExited(status) && WaitStatus.exitStatus(status) === 0, g.con.recent);
  } finally {
    const p = k.procs.get(pid);
    if (p?.alive) k.signal(p, 9);
    kclose(k, inp.write);
    kclose(k, out.read);
    await net.close();
  }
});
