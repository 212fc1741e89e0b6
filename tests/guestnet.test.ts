// A RISC-V Linux guest on MACROHARD's network: a kernel with netd (and httpd serving its
// initfs), the guests' switch as its nic link, the user-mode NAT to this host beside it, and the
// Debian-source BusyBox guest plugged into the switch — run by a VMM on the host
// (`vm run --switch`), and by the `vm` program inside MACROHARD on a guest port.
// The guest gets its address from netd's DHCP server (busybox udhcpc), downloads a file from
// MACROHARD's httpd with busybox wget and checks its SHA-256, reaches an HTTP server on this
// host through netd's NAT and the user-mode NAT; the host VMM's guest also serves a page that
// MACROHARD's fetch reads. Those are skipped, with the build command, when no guest is cached;
// a plain stack of the test process on the switch checks netd's DHCP server and NAT always.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bootKernel } from './kernel-harness.js';
import type { InitfsScheme } from '../src/kernel/schemes/initfs.js';
import { cachedGuest } from '../src/hv/guest/build.js';
import { Guest, guestNetwork } from './guest-network.js';
import { Interface } from '../src/net/iface/interface.js';
import { DhcpClient, DhcpClientState } from '../src/net/iface/dhcp_client.js';
import { seededRandom } from '../src/net/iface/sim.js';
import { SocketSet } from '../src/net/socket/set.js';
import { TcpSocket, TcpState } from '../src/net/socket/tcp.js';
import { formatIpv4, ip } from '../src/net/wire/address.js';

const netdFile = fileURLToPath(new URL('../initfs/bin/netd', import.meta.url));
const initToml = fileURLToPath(new URL('../initfs/etc/init.toml', import.meta.url));
const HOST_BODY = 'hello from the host, through two NATs\n';

/** What both VMMs are checked for: a lease from netd, a file from httpd, the host and its name server through the NATs. */
async function useTheNetwork(g: Guest, hostPort: number): Promise<string> {
  await g.ready();
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
  // Not a kernel (init's configuration), once alone and once with a disk of 1,000 bytes.
  const notKernel = '[machine]\nmemory = 64\n[boot]\nkernel = "/scheme/initfs/etc/init.toml"\n';
  initfs.add('guests/notkernel.toml', { data: new TextEncoder().encode(notKernel), mode: 0o644 });
  initfs.add('guests/odddisk.toml', { data: new TextEncoder().encode(`${notKernel}[[disk]]\npath = "odd.img"\nread_only = true\n`), mode: 0o644 });
  initfs.add('guests/odd.img', { data: new Uint8Array(1000), mode: 0o644 });
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
    const notKernel = await tk.run('vm', ['vm', 'run', 'notkernel', '--no-net']);
    assert.equal(notKernel.code, 2);
    assert.match(notKernel.stderr, /^vm: kernel has no RISC-V Image magic/);
    const odd = await tk.run('vm', ['vm', 'run', 'odddisk', '--no-net']);
    assert.equal(odd.code, 2);
    assert.match(odd.stderr, /^vm: disk image .*odd\.img is 1000 bytes: not a whole number of 512-byte sectors/);
    const list = await tk.run('vm', ['vm', 'list']);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^bad +\(.*machine\.memory must be/m);
    assert.match(list.stdout, /^nokernel +riscv64 64 MiB 1 hart  console=ttyS0$/m);
    assert.match(list.stdout, /^guest ports: none$/m);
  } finally {
    tk.shutdown();
  }
});

/**
 * A plain MACROHARD stack of this process as the guest, so netd's side (DHCP server, NAT) is
 * checked without a Linux guest: it leases an address, then fetches over TCP from httpd and
 * from the host.
 */
test('guest network: a stack on the switch gets a lease from netd and reaches httpd and the host through its NAT', { timeout: 60_000 }, async () => {
  const net = await guestNetwork(HOST_BODY);
  const port = net.sw.port();
  const iface = new Interface({ hardwareAddr: 0x52_54_00_00_09_01, addresses: [] });
  const sockets = new SocketSet();
  const dhcp = new DhcpClient(iface, sockets, seededRandom(3), 'stack-guest');
  let sent = 0;
  const tick = (): void => {
    const now = performance.now();
    while (iface.poll(now, port, sockets)) dhcp.poll(now);
    dhcp.poll(now);
    iface.poll(now, port, sockets);
    if (port.txFrames !== sent) {
      sent = port.txFrames;
      net.sw.deliver();
    }
  };
  net.sw.onForward = tick;
  const timer = setInterval(tick, 2);
  const until = async (done: () => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 2000 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(done(), what);
  };
  /** One HTTP/1.0 GET over the stack: the whole response. */
  const get = async (addr: number, p: number, path: string): Promise<string> => {
    const s = sockets.add(new TcpSocket());
    assert.equal(s.connect(addr, p, sockets.ephemeralPort(), iface.sourceFor(addr)), null);
    await until(() => s.state === TcpState.Established || s.error !== null, `connect to ${formatIpv4(addr)}:${p}`);
    s.send(new TextEncoder().encode(`GET ${path} HTTP/1.0\r\nHost: x\r\n\r\n`));
    const buf = new Uint8Array(65536);
    let text = '';
    await until(() => {
      for (let n = s.recv(buf); typeof n === 'number' && n > 0; n = s.recv(buf)) text += new TextDecoder().decode(buf.subarray(0, n));
      return s.recv(buf) === 'finished' || s.error !== null;
    }, `response from ${formatIpv4(addr)}:${p}`);
    s.close();
    return text;
  };
  try {
    await until(() => dhcp.state === DhcpClientState.Bound, 'a DHCP lease from netd');
    assert.equal(dhcp.lease!.address.toString(), '10.0.3.15/24');
    assert.equal(dhcp.lease!.router, ip('10.0.3.1'));
    assert.deepEqual(dhcp.lease!.dns, [ip('10.0.2.3')]);
    const page = await get(ip('10.0.3.1'), 80, '/etc/init.toml');
    assert.match(page, /^HTTP\/1\.[01] 200/);
    assert.ok(page.endsWith(readFileSync(initToml, 'utf8')), page.slice(0, 300));
    const host = await get(ip('10.0.2.2'), net.hostPort, '/');
    assert.match(host, /^HTTP\/1\.1 200 OK/);
    assert.ok(host.endsWith(HOST_BODY));
  } finally {
    clearInterval(timer);
    net.sw.onForward = null;
    await net.close();
  }
});

test('guest network: a host VMM on the switch gets DHCP from netd, fetches from httpd and the host, and serves MACROHARD', { timeout: 400_000 }, async (t) => {
  if (!cachedGuest()) {
    t.skip('no cached RISC-V guest: build it with `node bin/macrohard.js vm image build`');
    return;
  }
  const net = await guestNetwork(HOST_BODY);
  const g = Guest.onHost(net.sockPath);
  try {
    const addr = await useTheNetwork(g, net.hostPort);
    await g.run('mkdir -p /tmp/www && echo "served by the guest" > /tmp/www/index.html && httpd -p 8080 -h /tmp/www');
    const page = await net.tk.run('fetch', ['fetch', '-q', `http://${addr}:8080/index.html`]);
    assert.equal(page.stderr, '');
    assert.equal(page.stdout, 'served by the guest\n');
    assert.equal(await g.powerOff(), 0, g.con.recent);
  } finally {
    g.kill();
    await net.close();
  }
});

test('guest network: `vm run` inside MACROHARD boots the guest on a guest port of the switch, with a disk from initfs', { timeout: 400_000 }, async (t) => {
  if (!cachedGuest()) {
    t.skip('no cached RISC-V guest: build it with `node bin/macrohard.js vm image build`');
    return;
  }
  const image = new Uint8Array(64 * 1024).map((_, i) => (i * 7 + (i >> 9)) & 0xff);
  const description = '[boot]\nkernel = "@busybox"\ninitrd = "@busybox"\n\n[[disk]]\npath = "disk.img"\nread_only = true\n\n[[disk]]\npath = "/rw.img"\n';
  const net = await guestNetwork(HOST_BODY, { 'guests/withdisk.toml': new TextEncoder().encode(description), 'guests/disk.img': image });
  let g: Guest | undefined;
  try {
    // A writable copy in a RAM file system, for the second disk.
    await net.tk.startRamfs();
    assert.equal((await net.tk.run('cp', ['cp', '/scheme/initfs/guests/disk.img', '/rw.img'])).code, 0);
    g = await Guest.inMacrohard(net.tk, 'withdisk');
    await useTheNetwork(g, net.hostPort);
    // The disks are images in MACROHARD's file system, read and written through its schemes.
    assert.match(await g.run('md5sum /dev/vda'), new RegExp(`${createHash('md5').update(image).digest('hex')}  /dev/vda`));
    await g.run("printf 'written by the guest' | dd of=/dev/vdb conv=notrunc 2>/dev/null; sync");
    assert.equal(await g.powerOff(), 0, g.con.recent);
    const back = await net.tk.run('head', ['head', '-c', '20', '/rw.img']);
    assert.equal(back.stdout, 'written by the guest');
  } finally {
    g?.kill();
    await net.close();
  }
});
