// vm: runs a RISC-V guest inside MACROHARD, in this process. The RISC-V engine's WebAssembly
// core is read from /scheme/initfs/lib/hv/riscv-core.wasm and compiled here; guest RAM is this
// process's memory; the kernel and initrd are files (the guest description names them); the
// guest's virtio-net takes a free guest port of the kernel's nic scheme (a port of the switch
// netd serves DHCP on, `macrohard boot --switch`); its serial console is this process's
// terminal, in raw mode (Ctrl-A X quits, Ctrl-A Ctrl-A sends Ctrl-A).
//
//   vm run NAME|FILE.toml [--mem MiB] [--smp N] [--append TEXT] [--no-net]
//   vm list                 the guests in /scheme/initfs/guests, and the free guest ports
//
// NAME is /scheme/initfs/guests/NAME.toml (the host puts its built guests there). The machine's
// run loop waits with this process's event queue: the terminal, the nic and a timer. Disks
// ([[disk]] in the description) are images in the file system (disk.ts).
// Exit status: 0 poweroff or reboot, 1 a guest fault, 2 bad usage or input.

import * as mh from 'libmh';
import { EVENT_RECORD } from '../../abi/scheme.js';
import { provideCore } from '../../hv/riscv/engine.js';
import { RiscvMachine, type MachineExit } from '../../hv/riscv/machine.js';
import { BootError } from '../../hv/riscv/boot.js';
import { VirtioMmio } from '../../hv/virtio/mmio.js';
import { VirtioRng } from '../../hv/virtio/rng.js';
import { VirtioNet } from '../../hv/virtio/net.js';
import { VirtioBlk } from '../../hv/virtio/blk.js';
import { SchemeDisk } from './disk.js';
import type { IrqLine } from '../../hv/device.js';
import type { FrameSwitch } from '../../hv/ethernet-switch.js';
import { GuestDescriptionError, parseGuest, type GuestDescription } from '../../hv/guest/parse.js';

const GUESTS = '/scheme/initfs/guests';
const CORE = '/scheme/initfs/lib/hv/riscv-core.wasm';
const TOKEN_TTY = 1;
const TOKEN_NIC = 2;
const TOKEN_TIMER = 3;
const CTRL_A = 0x01;
/** How often a networked guest's run loop looks for frames (see MachineConfig.pollIntervalMs). */
const NET_POLL_MS = 2;

const USAGE = 'usage: vm run NAME|FILE.toml [--mem MiB] [--smp N] [--append TEXT] [--no-net]\n       vm list';

class Usage extends Error {}

export async function main(argv: string[]): Promise<number> {
  if (argv[1] === 'list' && argv.length === 2) return list();
  if (argv[1] !== 'run' || !argv[2]) {
    mh.eprintln(USAGE);
    return 2;
  }
  installHostGlobals();
  let guest: GuestDescription;
  let net = true;
  try {
    guest = describe(argv[2]);
    for (let i = 3; i < argv.length; i++) {
      const a = argv[i]!;
      const num = (min: number, max: number): number => {
        const v = Number(argv[++i]);
        if (!Number.isInteger(v) || v < min || v > max) throw new Usage(`${a} must be an integer from ${min} to ${max}`);
        return v;
      };
      if (a === '--mem') guest.memMiB = num(16, 2048);
      else if (a === '--smp') guest.harts = num(1, 8);
      else if (a === '--append') guest.append = argv[++i] ?? '';
      else if (a === '--no-net') net = false;
      else throw new Usage(`unknown option ${a}\n${USAGE}`);
    }
    if (!guest.kernel) throw new Usage(`${argv[2]}: the description names no kernel`);
  } catch (e) {
    if (e instanceof Usage || e instanceof GuestDescriptionError || e instanceof mh.MhError) {
      mh.eprintln(`vm: ${e.message}`);
      return 2;
    }
    throw e;
  }
  return run(guest, net);
}

function list(): number {
  const names = mh.exists(GUESTS) ? mh.readdir(GUESTS).map((d) => d.name).filter((n) => n.endsWith('.toml')).sort() : [];
  for (const n of names) {
    const name = n.slice(0, -'.toml'.length);
    try {
      const g = describe(name);
      mh.println(`${name.padEnd(16)} ${g.arch} ${g.memMiB} MiB ${g.harts} hart${g.harts > 1 ? 's' : ''}  ${g.append}`);
    } catch (e) {
      mh.println(`${name.padEnd(16)} (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  if (!names.length) mh.println(`no guests in ${GUESTS} (boot with --switch to have the host's guests there)`);
  const ports = mh.exists('/scheme/nic') ? mh.readdir('/scheme/nic').filter((d) => /^role=guest$/m.test(mh.readText(`/scheme/nic/${d.name}/config`))) : [];
  mh.println(`guest ports: ${ports.length ? ports.map((d) => `nic ${d.name}`).join(', ') : 'none'}`);
  return 0;
}

/** The sandbox has ECMAScript's built-ins only: the engine's clock and entropy come from libmh. */
function installHostGlobals(): void {
  const g = globalThis as { performance?: { now(): number }; crypto?: { getRandomValues<T extends ArrayBufferView>(b: T): T } };
  g.performance ??= { now: () => mh.now() };
  g.crypto ??= {
    getRandomValues<T extends ArrayBufferView>(b: T): T {
      mh.randomFill(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      return b;
    },
  };
}

function describe(nameOrPath: string): GuestDescription {
  const file = nameOrPath.includes('/') || nameOrPath.endsWith('.toml') ? nameOrPath : `${GUESTS}/${nameOrPath}.toml`;
  const here = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.';
  return parseGuest(mh.readText(file), file, {
    path: (p) => (p.startsWith('/') ? p : `${here}/${p}`),
    busybox: () => (mh.exists(`${GUESTS}/riscv64-busybox/Image`) ? { kernel: `${GUESTS}/riscv64-busybox/Image`, initrd: `${GUESTS}/riscv64-busybox/initramfs.cpio` } : undefined),
  });
}

/** A guest port of the kernel's nic scheme (config `role=guest`) as a switch to plug virtio-net into. */
class NicPort implements FrameSwitch {
  private receive: ((f: Uint8Array) => void) | null = null;
  private readonly buf = new Uint8Array(128 * 1024);
  private readonly out = new Uint8Array(16 * 1024);

  constructor(readonly fd: number, readonly mac: Uint8Array) {}

  static open(): NicPort | null {
    if (!mh.exists('/scheme/nic')) return null;
    for (const d of mh.readdir('/scheme/nic')) {
      const cfg = mh.readText(`/scheme/nic/${d.name}/config`);
      if (!/^role=guest$/m.test(cfg)) continue;
      try {
        const fd = mh.open(`/scheme/nic/${d.name}/batch`, mh.O.RDWR | mh.O.NONBLOCK);
        const mac = /^mac=([0-9a-f:]+)$/m.exec(cfg)?.[1] ?? '52:54:00:00:03:10';
        return new NicPort(fd, Uint8Array.from(mac.split(':').map((h) => parseInt(h, 16))));
      } catch (e) {
        if (!(e instanceof mh.MhError && e.errno === mh.Errno.EBUSY)) throw e;
      }
    }
    return null;
  }

  attach(receive: (frame: Uint8Array) => void) {
    this.receive = receive;
    return {
      send: (frame: Uint8Array) => {
        // The batch form's record: the frame behind its length (u32 little-endian).
        if (frame.length + 4 > this.out.length) return;
        new DataView(this.out.buffer).setUint32(0, frame.length, true);
        this.out.set(frame, 4);
        mh.write(this.fd, this.out.subarray(0, frame.length + 4));
      },
      close: () => mh.close(this.fd),
    };
  }

  /** Hands every waiting frame to the device: each read takes all the kernel holds that fit. */
  drain(): void {
    const v = new DataView(this.buf.buffer);
    for (;;) {
      let n: number;
      try {
        n = mh.read(this.fd, this.buf);
      } catch (e) {
        if (e instanceof mh.MhError && e.errno === mh.Errno.EAGAIN) return;
        if (e instanceof mh.MhError && e.errno === mh.Errno.EINVAL) continue; // a frame too large, dropped
        throw e;
      }
      for (let pos = 0; pos + 4 <= n; ) {
        const len = v.getUint32(pos, true);
        this.receive?.(this.buf.subarray(pos + 4, pos + 4 + len));
        pos += 4 + len;
      }
    }
  }
}

async function run(guest: GuestDescription, net: boolean): Promise<number> {
  let kernel: Uint8Array;
  let initrd: Uint8Array | undefined;
  try {
    provideCore(mh.readFile(CORE));
    kernel = mh.readFile(guest.kernel!);
    initrd = guest.initrd ? mh.readFile(guest.initrd) : undefined;
  } catch (e) {
    mh.eprintln(`vm: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const disks: SchemeDisk[] = [];
  for (const d of guest.disks) {
    const disk = SchemeDisk.open(d.path, d.readOnly);
    if (typeof disk === 'string') {
      disks.forEach((x) => x.close());
      mh.eprintln(`vm: ${disk}`);
      return 2;
    }
    disks.push(disk);
  }
  const nic = net ? NicPort.open() : null;
  if (net && !nic) mh.eprintln('vm: no free guest port on /scheme/nic (boot with --switch); the guest has no network');
  const tty = mh.isatty(0);
  const saved = tty ? mh.tcgetattr(0) : null;
  const ev = mh.open('/scheme/event', mh.O.RDWR);
  const timer = mh.open('/scheme/time/realtime', mh.O.RDWR);
  const watch = [0, 1, TOKEN_TTY, timer, 1, TOKEN_TIMER, ...(nic ? [nic.fd, 1, TOKEN_NIC] : [])];
  mh.write(ev, new Uint8Array(new Float64Array(watch).buffer));
  let machine: RiscvMachine;
  try {
    machine = await RiscvMachine.create({
      ramSize: guest.memMiB << 20, harts: guest.harts, kernel, initrd, cmdline: guest.append, clock: 'paced',
      output: (b) => void mh.write(1, b),
      virtio: [
        ...disks.map((d) => (irq: IrqLine, m: RiscvMachine) => new VirtioMmio(m.hart.ram, irq, new VirtioBlk(d))),
        (irq: IrqLine, m: RiscvMachine) => new VirtioMmio(m.hart.ram, irq, new VirtioRng()),
        ...(nic ? [(irq: IrqLine, m: RiscvMachine) => new VirtioMmio(m.hart.ram, irq, new VirtioNet(nic, nic.mac))] : []),
      ],
      events: { idle: (ms) => wait(ms), poll: () => wait(-1) },
      pollIntervalMs: nic ? NET_POLL_MS : undefined,
    });
  } catch (e) {
    if (!(e instanceof BootError || e instanceof RangeError)) throw e;
    mh.eprintln(`vm: ${e.message}`);
    return 2;
  }
  if (saved) mh.tcsetattr(0, mh.makeRaw(saved));

  const events = new Uint8Array(EVENT_RECORD * 8);
  const evView = new Float64Array(events.buffer);
  const input = new Uint8Array(4096);
  const when = new Uint8Array(16);
  const whenView = new DataView(when.buffer);
  let blocking = true;
  let quitArmed = false;
  /** Waits up to `ms` (-1: not at all) for the terminal, a frame or the timer, and delivers what came. */
  function wait(ms: number): void {
    const block = ms >= 0;
    if (block !== blocking) {
      mh.fcntl(ev, mh.F.SETFL, block ? 0 : mh.O.NONBLOCK);
      blocking = block;
    }
    if (block) {
      const due = mh.now() + ms;
      whenView.setFloat64(0, Math.floor(due / 1000), true);
      whenView.setFloat64(8, (due % 1000) * 1e6, true);
      mh.write(timer, when);
    }
    let n = 0;
    try {
      n = mh.read(ev, events);
    } catch (e) {
      if (!(e instanceof mh.MhError && (e.errno === mh.Errno.EAGAIN || e.errno === mh.Errno.EINTR))) throw e;
    }
    for (let i = 0; i < n / EVENT_RECORD; i++) {
      const token = evView[i * 3 + 2]!;
      if (token === TOKEN_NIC) nic!.drain();
      else if (token === TOKEN_TIMER) mh.read(timer, input);
      else if (token === TOKEN_TTY) typed(mh.read(0, input));
    }
  }
  function typed(n: number): void {
    if (n === 0) {
      // End of a piped input: stop watching it (the queue is level-triggered); the guest runs on.
      mh.write(ev, new Uint8Array(new Float64Array([0, 0, TOKEN_TTY]).buffer));
      return;
    }
    const out: number[] = [];
    for (const c of input.subarray(0, n)) {
      if (quitArmed) {
        quitArmed = false;
        if (c === 0x78 || c === 0x58) machine.stop();
        else out.push(c);
      } else if (c === CTRL_A && tty) quitArmed = true;
      else out.push(c);
    }
    if (out.length) machine.input(Uint8Array.from(out));
  }

  let exit: MachineExit;
  try {
    exit = await machine.run();
  } finally {
    if (saved) mh.tcsetattr(0, saved);
    mh.close(ev);
    mh.close(timer);
    if (nic) mh.close(nic.fd);
    disks.forEach((d) => d.close());
  }
  switch (exit.kind) {
    case 'poweroff': case 'reboot': case 'stopped': return 0;
    case 'fault': mh.eprintln(`\nvm: guest fault:\n${exit.report}`); return 1;
    case 'watchdog': return 1;
  }
}
