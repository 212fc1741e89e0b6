// Boots the Debian-source Linux kernel with the BusyBox initramfs in the RISC-V machine and uses
// it through its serial console: the shell prompt, commands, a user program that executes an
// illegal instruction (SIGILL in the guest, not a VMM crash), virtio-rng, and a virtio-blk disk
// that the host formats, the guest mounts and writes, and the host reads back after poweroff;
// an SMP guest; two guests that ping each other over virtio-net on the in-process switch. Needs the guest from `node dist/src/hv/guest/build.js`; skips
// with that message when it is not cached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedGuest } from '../guest/build.js';
import { parseCpio, buildCpio, S_IFREG } from '../cpio.js';
import { RiscvMachine } from './machine.js';
import { GuestConsole } from './testing/guest-console.js';
import { VirtioMmio } from '../virtio/mmio.js';
import { VirtioRng } from '../virtio/rng.js';
import { VirtioBlk } from '../virtio/blk.js';
import { FileDisk } from '../devices/file-disk.js';
import { VirtioNet } from '../virtio/net.js';
import { VirtioConsole } from '../virtio/console.js';
import { EthernetSwitch } from '../ethernet-switch.js';
import { toolchain } from './testing/gnu-as.js';

const guest = cachedGuest();
const skip = guest ? false : 'no cached RISC-V guest: build it with `node dist/src/hv/guest/build.js`';
const PROMPT = /\/ # $/;

/** A static RISC-V program whose first instruction is illegal, assembled now. */
function illegalProgram(dir: string): Uint8Array | undefined {
  if (!toolchain()) return undefined;
  writeFileSync(join(dir, 'ill.s'), '  .globl _start\n_start:\n  .word 0xffffffff\n');
  const as = spawnSync('riscv64-linux-gnu-as', ['-o', join(dir, 'ill.o'), join(dir, 'ill.s')]);
  const ld = spawnSync('riscv64-linux-gnu-ld', ['-static', '-o', join(dir, 'ill'), join(dir, 'ill.o')]);
  return as.status === 0 && ld.status === 0 ? new Uint8Array(readFileSync(join(dir, 'ill'))) : undefined;
}

test('Linux boots to a BusyBox shell; commands, SIGILL in user space, virtio-rng, virtio-console, poweroff', { skip, timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mh-linux-'));
  try {
    const ill = illegalProgram(dir);
    const base = parseCpio(readFileSync(guest!.initrd));
    const initrd = ill ? buildCpio([...base, { name: 'bin/ill', mode: S_IFREG | 0o755, data: ill }]) : readFileSync(guest!.initrd);
    const con = new GuestConsole();
    const hvc: number[] = [];
    const m = await RiscvMachine.create({
      ramSize: 128 << 20, kernel: readFileSync(guest!.kernel), initrd, cmdline: 'console=ttyS0 quiet', output: con.sink, clock: 'virtual',
      virtio: [
        (irq, mach) => new VirtioMmio(mach.hart.ram, irq, new VirtioRng()),
        (irq, mach) => new VirtioMmio(mach.hart.ram, irq, new VirtioConsole((b) => hvc.push(...b))),
      ],
    });
    const running = m.run({ maxInstructions: 20_000_000_000n });
    try {
      await con.expect(/MACROHARD guest: Linux 6\.1/);
      await con.expect(PROMPT);
      m.input('echo $((6 * 7))\n');
      assert.match(await con.expect(PROMPT), /\n42\r?\n/);
      if (ill) {
        m.input('/bin/ill; echo "status $?"\n');
        const out = await con.expect(PROMPT);
        assert.match(out, /Illegal instruction/);
        assert.match(out, /status 132/); // 128 + SIGILL
      }
      m.input('cat /sys/class/misc/hw_random/rng_current; head -c 64 /dev/hwrng | wc -c\n');
      const rng = await con.expect(PROMPT);
      assert.match(rng, /virtio_rng/);
      assert.match(rng, /\n64\r?\n/);
      // hvc0 is the SBI console (HVC_RISCV_SBI); the virtio-console port is the next hvc.
      m.input('echo through-virtio-console > /dev/hvc1; echo sent\n');
      await con.expect(/sent\r?\n[^]*\/ # $/);
      assert.match(new TextDecoder().decode(Uint8Array.from(hvc)), /through-virtio-console/);
      m.input('poweroff -f\n');
    } catch (e) {
      m.stop();
      await running;
      throw e;
    }
    const exit = await running;
    assert.equal(exit.kind, 'poweroff', JSON.stringify(exit));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const e2fs = spawnSync('mke2fs', ['-V'], { stdio: 'ignore' }).status === 0 && spawnSync('debugfs', ['-V'], { stdio: 'ignore' }).status === 0;
test('an SMP guest (2 harts) mounts a virtio-blk disk, writes a file, syncs, powers off; the host reads the file', { skip: skip || (e2fs ? false : 'mke2fs/debugfs (e2fsprogs) not found'), timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mh-disk-'));
  const img = join(dir, 'disk.img');
  try {
    writeFileSync(img, new Uint8Array(8 << 20));
    assert.equal(spawnSync('mke2fs', ['-q', '-F', '-t', 'ext2', img]).status, 0);
    const disk = new FileDisk(img);
    const con = new GuestConsole();
    const m = await RiscvMachine.create({
      ramSize: 128 << 20, harts: 2, kernel: readFileSync(guest!.kernel), initrd: readFileSync(guest!.initrd), cmdline: 'console=ttyS0 quiet', output: con.sink, clock: 'virtual',
      virtio: [(irq, mach) => new VirtioMmio(mach.hart.ram, irq, new VirtioBlk(disk))],
    });
    const running = m.run({ maxInstructions: 20_000_000_000n });
    try {
      await con.expect(PROMPT);
      m.input('echo "cpus $(nproc)"\n');
      assert.match(await con.expect(PROMPT), /cpus 2/);
      m.input('mount -t ext2 /dev/vda /mnt && echo "written by a MACROHARD guest" > /mnt/hello.txt && sync && umount /mnt && echo done-$((1+1))\n');
      assert.match(await con.expect(PROMPT), /done-2/);
      m.input('poweroff -f\n');
    } catch (e) {
      m.stop();
      await running;
      throw e;
    }
    assert.equal((await running).kind, 'poweroff');
    disk.close();
    const r = spawnSync('debugfs', ['-R', 'cat /hello.txt', img], { encoding: 'utf8' });
    assert.equal(r.stdout.trim(), 'written by a MACROHARD guest');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two guests on the in-process switch ping each other over virtio-net', { skip, timeout: 240_000 }, async () => {
  const sw = new EthernetSwitch();
  const boot = async (n: number) => {
    const con = new GuestConsole();
    const m = await RiscvMachine.create({
      ramSize: 96 << 20, kernel: readFileSync(guest!.kernel), initrd: readFileSync(guest!.initrd), cmdline: 'console=ttyS0 quiet', output: con.sink,
      virtio: [(irq, mach) => new VirtioMmio(mach.hart.ram, irq, new VirtioNet(sw, Uint8Array.of(0x52, 0x54, 0, 0, 0, n)))],
    });
    return { con, m, running: m.run({ maxInstructions: 20_000_000_000n }) };
  };
  const a = await boot(1);
  const b = await boot(2);
  try {
    await Promise.all([a.con.expect(PROMPT), b.con.expect(PROMPT)]);
    a.m.input('ip addr add 10.0.2.1/24 dev eth0 && ip link set eth0 up && echo up-a\n');
    b.m.input('ip addr add 10.0.2.2/24 dev eth0 && ip link set eth0 up && echo up-b\n');
    await Promise.all([a.con.expect(/up-a/), b.con.expect(/up-b/)]);
    await Promise.all([a.con.expect(PROMPT), b.con.expect(PROMPT)]);
    a.m.input('ping -c 2 -W 5 10.0.2.2\n');
    assert.match(await a.con.expect(PROMPT, 30_000), /2 packets transmitted, 2 packets received/);
    a.m.input('poweroff -f\n');
    b.m.input('poweroff -f\n');
  } catch (e) {
    a.m.stop();
    b.m.stop();
    throw e;
  } finally {
    await Promise.all([a.running, b.running]);
  }
});

test('a running guest survives a whole-machine snapshot into a new machine', { skip, timeout: 240_000 }, async () => {
  const kernel = readFileSync(guest!.kernel);
  const initrd = readFileSync(guest!.initrd);
  const first = new GuestConsole();
  const make = (con: GuestConsole) => RiscvMachine.create({
    ramSize: 64 << 20, kernel, initrd, cmdline: 'console=ttyS0 quiet', output: con.sink, clock: 'virtual',
    virtio: [(irq, mach) => new VirtioMmio(mach.hart.ram, irq, new VirtioRng())],
  });
  const a = await make(first);
  const runningA = a.run({ maxInstructions: 20_000_000_000n });
  await first.expect(PROMPT);
  a.input('export MARK=before-snapshot\n');
  await first.expect(PROMPT);
  a.stop();
  assert.equal((await runningA).kind, 'stopped');
  const snap = a.save();
  const second = new GuestConsole();
  const b = await make(second);
  b.restore(snap);
  const runningB = b.run({ maxInstructions: 20_000_000_000n });
  try {
    b.input('echo "$MARK restored $((3 * 3))"\n');
    assert.match(await second.expect(PROMPT), /before-snapshot restored 9/);
    b.input('poweroff -f\n');
  } catch (e) {
    b.stop();
    throw e;
  } finally {
    await runningB;
  }
});
