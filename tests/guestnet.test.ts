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

const runJs = fileURLToPath(new URL('../src/hv/riscv/run.js', import.meta.url));
const netdFile = fileURLToPath(new URL('../initfs/bin/netd', import.meta.url));

/** The guest's serial console, read as it arrives, wherever the VMM runs. */
class GuestConsole {
  text = '';
  ended = false;
  private waiting: (() => void)[] = [];

  constructor(private readonly send: (text: string) => void) {}

  feed(text: string): void {
    this.text += text;
    for (const w of this.waiting.splice(0)) w();
  }

  type(line: string): void {
    this.send(line + '\n');
  }

  /** Waits for a line the guest printed that is exactly `marker`, and returns what came before it. */
  until(marker: string, ms = 120_000): Promise<string> {
    return this.match(new RegExp(`(?:^|\\n)${marker}\\r?\\n`), ms);
  }

  /** Waits for the shell's first prompt (input typed before the console opens is lost). */
  prompt(ms = 120_000): Promise<string> {
    return this.match(/# $/, ms);
  }

  private async match(re: RegExp, ms: number): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = re.exec(this.text);
      if (m) {
        const before = this.text.slice(0, m.index);
        this.text = this.text.slice(m.index + m[0].length);
        return before;
      }
      if (Date.now() > deadline || this.ended) throw new Error(`guest never printed ${re}; console:\n${this.text.slice(-3000)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 500);
        this.waiting.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
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
async function useTheNetwork(con: GuestConsole, hostPort: number): Promise<string> {
  await con.prompt();
  con.type('udhcpc -n -q -t 10 && echo LEASED');
  const dhcp = await con.until('LEASED');
  const addr = /lease of (10\.0\.3\.\d+) obtained/.exec(dhcp)?.[1];
  assert.ok(addr, `no lease in:\n${dhcp}`);
  con.type('wget -q -O /tmp/netd http://10.0.3.1/bin/netd; sha256sum /tmp/netd; echo FETCHED');
  const sum = await con.until('FETCHED');
  const want = createHash('sha256').update(readFileSync(netdFile)).digest('hex');
  assert.match(sum, new RegExp(`${want}  /tmp/netd`), sum);
  con.type(`wget -q -O - http://10.0.2.2:${hostPort}/; echo HOSTDONE`);
  assert.match(await con.until('HOSTDONE'), /hello from the host, through two NATs/);
  // The name server the lease named (the user-mode NAT's relay), reached through netd's NAT.
  con.type('nslookup -type=a localhost; echo DNSDONE');
  assert.match(await con.until('DNSDONE'), /Name:\s+localhost\s+Address:\s+127\.0\.0\.1/);
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
    const con = new GuestConsole((s) => child.stdin.write(s));
    child.stdout.on('data', (b: Buffer) => con.feed(b.toString('latin1')));
    child.stderr.on('data', (b: Buffer) => con.feed(b.toString('latin1')));
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => {
      con.ended = true;
      r(c);
    }));
    const addr = await useTheNetwork(con, net.hostPort);

    con.type('mkdir -p /tmp/www && echo "served by the guest" > /tmp/www/index.html && httpd -p 8080 -h /tmp/www && echo SERVING');
    await con.until('SERVING');
    const page = await net.tk.run('fetch', ['fetch', '-q', `http://${addr}:8080/index.html`]);
    assert.equal(page.stderr, '');
    assert.equal(page.stdout, 'served by the guest\n');

    con.type('poweroff -f');
    assert.equal(await exited, 0, con.text.slice(-2000));
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
    const con = new GuestConsole((s) => void kwrite(k, inp.write, enc.encode(s)));
    const dec = new TextDecoder('latin1');
    void (async () => {
      for (;;) {
        const b = await kread(k, out.read);
        if (isErr(b) || b.length === 0) break;
        con.feed(dec.decode(b));
      }
      con.ended = true;
    })();
    const exited = k.waitExit(pid);
    await useTheNetwork(con, net.hostPort);
    con.type('poweroff -f');
    const status = await exited;
    assert.ok(WaitStatus.ifExited(status) && WaitStatus.exitStatus(status) === 0, con.text.slice(-2000));
  } finally {
    const p = k.procs.get(pid);
    if (p?.alive) k.signal(p, 9);
    kclose(k, inp.write);
    kclose(k, out.read);
    await net.close();
  }
});
