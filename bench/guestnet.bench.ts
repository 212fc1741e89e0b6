// The guests' network: the RISC-V BusyBox guest downloading 8 MiB with busybox wget over
// virtio-net from MACROHARD's httpd (through the guests' switch and netd) — run by a VMM on the
// host and by `vm` inside MACROHARD — beside QEMU TCG running the same kernel and initramfs with
// its own user networking, downloading the same bytes from an HTTP server on the host. Also each
// guest's ping round trip to its gateway (netd at 10.0.3.1; QEMU's 10.0.2.2).
import { spawn, spawnSync } from 'node:child_process';
import { cachedGuest } from '../src/hv/guest/build.js';
import { Guest, guestNetwork, type GuestNetwork } from '../tests/guest-network.js';
import type { Benchmark, Case } from './harness.js';

const BYTES = 8 << 20;
const blob = new Uint8Array(BYTES).map((_, i) => (i * 131 + 17) & 0xff);
const guest = cachedGuest();
const qemu = spawnSync('qemu-system-riscv64', ['--version'], { stdio: 'ignore' }).status === 0;

let net: GuestNetwork | null = null;
const guests = new Map<string, Guest>();

/** MB/s of one download, timed from the command typed to its end. */
async function download(name: string, url: string): Promise<number> {
  const g = guests.get(name)!;
  const t0 = performance.now();
  const out = await g.run(`wget -q -O /dev/null ${url} && echo fetched-ok`, 600_000);
  if (!/fetched-ok/.test(out)) throw new Error(`${name}: download failed:\n${out}`);
  return BYTES / 1e6 / ((performance.now() - t0) / 1000);
}

/** The median round trip of five pings, as the guest's ping reports its average. */
async function ping(name: string, to: string): Promise<number> {
  const out = await guests.get(name)!.run(`ping -c 5 -i 0.2 ${to}`);
  const m = /min\/avg\/max = [\d.]+\/([\d.]+)\//.exec(out);
  if (!m) throw new Error(`${name}: ping failed:\n${out}`);
  return Number(m[1]);
}

async function lease(g: Guest): Promise<void> {
  await g.ready();
  const out = await g.run('udhcpc -n -q -t 10');
  if (!/lease of/.test(out)) throw new Error(`no DHCP lease:\n${out}`);
}

const QEMU_GET = 'QEMU TCG guest, QEMU user networking: wget 8 MiB from the host';
const QEMU_PING = 'QEMU TCG guest: ping its gateway';
const cases: Case[] = !guest ? [] : [
  ...(qemu ? [{ name: QEMU_GET, peer: true, unit: 'MB/s', better: 'higher' as const, run: () => download('qemu', `http://10.0.2.2:${net!.hostPort}/blob`) }] : []),
  { name: 'host VMM guest, switch and netd: wget 8 MiB from MACROHARD httpd', unit: 'MB/s', better: 'higher', run: () => download('host', 'http://10.0.3.1/blob') },
  { name: '`vm` inside MACROHARD: wget 8 MiB from MACROHARD httpd', unit: 'MB/s', better: 'higher', run: () => download('vm', 'http://10.0.3.1/blob') },
  ...(qemu ? [{ name: QEMU_PING, peer: true, unit: 'ms', better: 'lower' as const, run: () => ping('qemu', '10.0.2.2') }] : []),
  { name: 'host VMM guest: ping netd', unit: 'ms', better: 'lower', run: () => ping('host', '10.0.3.1'), ...(qemu ? { vs: QEMU_PING } : {}) },
  { name: '`vm` inside MACROHARD: ping netd', unit: 'ms', better: 'lower', run: () => ping('vm', '10.0.3.1'), ...(qemu ? { vs: QEMU_PING } : {}) },
];

const bench: Benchmark = {
  name: 'guestnet',
  description: guest
    ? 'RISC-V guest networking: busybox wget of 8 MiB and ping, MACROHARD (host VMM and `vm` on its switch, netd, httpd) beside QEMU TCG with user networking (same kernel and initramfs).'
    : 'RISC-V guest networking: skipped, no cached guest (`macrohard vm image build`).',
  rounds: 3,
  async setup() {
    if (!guest) return;
    net = await guestNetwork(blob, { blob });
    guests.set('host', Guest.onHost(net.sockPath));
    guests.set('vm', await Guest.inMacrohard(net.tk));
    if (qemu) {
      guests.set('qemu', Guest.attach(spawn('qemu-system-riscv64', ['-M', 'virt', '-m', '256M', '-smp', '1', '-nographic', '-monitor', 'none',
        '-serial', 'stdio', '-bios', 'default', '-kernel', guest.kernel, '-initrd', guest.initrd, '-append', 'console=ttyS0 quiet',
        '-netdev', 'user,id=n0', '-device', 'virtio-net-device,netdev=n0'], { stdio: 'pipe' })));
    }
    await Promise.all([...guests.values()].map(lease));
  },
  cases,
  async teardown() {
    await Promise.all([...guests.values()].map((g) => Promise.race([g.powerOff(), new Promise((r) => setTimeout(r, 5000))]).finally(() => g.kill())));
    guests.clear();
    await net?.close();
    net = null;
  },
};

export default bench;
