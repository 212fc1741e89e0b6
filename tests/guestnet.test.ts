// A RISC-V Linux guest on MACROHARD's network: a kernel with netd (and httpd serving its
// initfs), the guests' switch as its nic link, the user-mode NAT to this host beside it, and the
// Debian-source BusyBox guest in a VMM process (`vm run --switch`) plugged into the switch.
// The guest gets its address from netd's DHCP server (busybox udhcpc), downloads a file from
// MACROHARD's httpd with busybox wget and checks its SHA-256, reaches an HTTP server on this
// host through netd's NAT and the user-mode NAT, and serves a page that MACROHARD's fetch
// reads. Skipped, with the build command, when no guest is cached.
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
import { NicScheme } from '../src/kernel/schemes/nic.js';
import { HostSwitch } from '../src/host/node/nic.js';
import { NatLink } from '../src/host/node/nat.js';
import { GUEST_NET } from '../src/host/node/netlinks.js';
import { cachedGuest } from '../src/hv/guest/build.js';

const runJs = fileURLToPath(new URL('../src/hv/riscv/run.js', import.meta.url));
const netdFile = fileURLToPath(new URL('../initfs/bin/netd', import.meta.url));

/** The guest's serial console, read as it arrives. */
class GuestConsole {
  text = '';
  private waiting: (() => void)[] = [];

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (b: Buffer) => {
      this.text += b.toString('latin1');
      for (const w of this.waiting.splice(0)) w();
    });
    child.stderr.on('data', (b: Buffer) => (this.text += b.toString('latin1')));
  }

  type(line: string): void {
    this.child.stdin.write(line + '\n');
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
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`guest never printed ${re}; console:\n${this.text.slice(-3000)}`);
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

test('guest network: DHCP from netd, wget from httpd, the host through the NAT, and back', { timeout: 400_000 }, async (t) => {
  const guest = cachedGuest();
  if (!guest) {
    t.skip('no cached RISC-V guest: build it with `node bin/macrohard.js vm image build`');
    return;
  }
  const hostBody = 'hello from the host, through two NATs\n';
  const hostServer = http.createServer((_req, res) => res.writeHead(200, { 'Content-Length': Buffer.byteLength(hostBody) }).end(hostBody));
  await new Promise<void>((r) => hostServer.listen(0, '127.0.0.1', () => r()));
  const hostPort = (hostServer.address() as AddressInfo).port;

  const sockPath = join(tmpdir(), `mh-guestnet-${process.pid}.sock`);
  const tk = bootKernel(4);
  const sw = new HostSwitch();
  const nat = new NatLink({ mode: 'user', forwards: [] });
  tk.k.register(new NicScheme([nat, sw.link(GUEST_NET.mac, GUEST_NET.addr, undefined, { dhcp: GUEST_NET.pool, nat: 'on' })]));
  const switchServer = await sw.serve(sockPath);
  let vmm: ChildProcessWithoutNullStreams | undefined;
  try {
    await tk.startNetd();
    const httpd = tk.run('httpd', ['httpd', '-p', '80', '-q', '/scheme/initfs']);
    void httpd.catch(() => undefined);

    vmm = spawn(process.execPath, [runJs, '--switch', sockPath, '--clock', 'paced', '--timeout', '360'], { stdio: 'pipe' });
    const con = new GuestConsole(vmm);
    await con.prompt();

    // BusyBox's udhcpc hands the lease to a script; the initramfs has none, so write a small one.
    con.type(`mkdir -p /usr/share/udhcpc && cat > /usr/share/udhcpc/default.script <<'EOF'
#!/bin/sh
if [ "$1" = bound ]; then ifconfig $interface $ip netmask $subnet; route add default gw $router; fi
EOF
chmod +x /usr/share/udhcpc/default.script; ifconfig eth0 up; udhcpc -i eth0 -n -q -t 10 && echo LEASED`);
    const dhcp = await con.until('LEASED');
    const addr = /lease of (10\.0\.3\.\d+) obtained/.exec(dhcp)?.[1];
    assert.ok(addr, `no lease in:\n${dhcp}`);

    con.type('wget -q -O /tmp/netd http://10.0.3.1/bin/netd; sha256sum /tmp/netd; echo FETCHED');
    const sum = await con.until('FETCHED');
    const want = createHash('sha256').update(readFileSync(netdFile)).digest('hex');
    assert.match(sum, new RegExp(`${want}  /tmp/netd`), sum);

    con.type(`wget -q -O - http://10.0.2.2:${hostPort}/; echo HOSTDONE`);
    assert.match(await con.until('HOSTDONE'), /hello from the host, through two NATs/);

    con.type('mkdir -p /tmp/www && echo "served by the guest" > /tmp/www/index.html && httpd -p 8080 -h /tmp/www && echo SERVING');
    await con.until('SERVING');
    const page = await tk.run('fetch', ['fetch', '-q', `http://${addr}:8080/index.html`]);
    assert.equal(page.stderr, '');
    assert.equal(page.stdout, 'served by the guest\n');

    con.type('poweroff -f');
    const code = await new Promise<number | null>((r) => (vmm!.exitCode !== null ? r(vmm!.exitCode) : vmm!.on('exit', (c) => r(c))));
    assert.equal(code, 0, con.text.slice(-2000));
  } finally {
    vmm?.kill('SIGKILL');
    for (const p of tk.k.procs.values()) if (p.alive && p.argv[0] === 'httpd') tk.k.signal(p, 9);
    tk.shutdown();
    await new Promise<void>((r) => switchServer.close(() => r()));
    rmSync(sockPath, { force: true });
    hostServer.closeAllConnections();
    await new Promise<void>((r) => hostServer.close(() => r()));
  }
});
