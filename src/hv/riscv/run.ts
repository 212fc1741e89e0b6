// `vm run` for RISC-V guests: the body of `macrohard vm run`, also runnable on its own as
// `node dist/src/hv/riscv/run.js [options]`. Options:
//   --kernel PATH    Linux Image (default: the cached BusyBox guest from guest/build.ts)
//   --initrd PATH    initramfs (default: the cached guest's, when --kernel is not given)
//   --append TEXT    kernel command line (default "console=ttyS0")
//   --disk PATH      raw disk image as virtio-blk (repeatable; --disk-ro for read-only)
//   --mem MiB        guest RAM (default 256)        --smp N   harts (default 1)
//   --script FILE    type FILE's lines at the first shell prompt ("-" for stdin), no terminal;
//                    the run ends when the guest powers off
//   --timeout S      stop a run after S seconds (the watchdog for scripts and tests)
//   --switch PATH    virtio-net on a port of the switch listening at PATH (macrohard boot --switch)
//   --mac MAC        the NIC's address (default 52:54:00 and three bytes of the VMM's pid, so
//                    guests started side by side on one switch differ)
//   --clock KIND     real (default), virtual (deterministic) or paced (virtual while running,
//                    real while idle: for a networked guest on a loaded host)
// The serial console is attached to the terminal in raw mode; Ctrl-A X quits, Ctrl-A Ctrl-A
// sends a Ctrl-A, as in QEMU. Exit status: 0 poweroff or reboot, 1 guest fault, 2 bad usage or
// unreadable input files, 3 timeout.
import { readFileSync } from 'node:fs';
import { RiscvMachine, type MachineExit } from './machine.js';
import { BootError } from './boot.js';
import { cachedGuest } from '../guest/build.js';
import { FileDisk, DiskError } from '../devices/file-disk.js';
import { VirtioMmio } from '../virtio/mmio.js';
import { VirtioBlk } from '../virtio/blk.js';
import { VirtioRng } from '../virtio/rng.js';
import { VirtioNet } from '../virtio/net.js';
import type { IrqLine } from '../device.js';
import { StreamSwitchPort } from '../../host/node/framestream.js';

export interface VmOptions {
  kernel?: string;
  initrd?: string;
  append: string;
  disks: Array<{ path: string; readOnly: boolean }>;
  memMiB: number;
  smp: number;
  script?: string;
  timeoutS?: number;
  switchPath?: string;
  mac: Uint8Array;
  clock: 'real' | 'virtual' | 'paced';
}

function defaultMac(): Uint8Array {
  const pid = process.pid;
  return Uint8Array.of(0x52, 0x54, 0, (pid >> 16) & 0xff, (pid >> 8) & 0xff, pid & 0xff);
}

function parseMac(text: string): Uint8Array {
  const parts = text.split(':');
  const bytes = parts.map((p) => (/^[0-9a-fA-F]{1,2}$/.test(p) ? parseInt(p, 16) : NaN));
  if (bytes.length !== 6 || bytes.some(Number.isNaN)) throw new UsageError(`bad MAC address ${text} (want six hex bytes, 52:54:00:12:34:56)`);
  if (bytes[0]! & 1) throw new UsageError(`MAC address ${text} is a group address`);
  return Uint8Array.from(bytes);
}

export class UsageError extends Error {}

/** How often a networked guest's run loop looks for frames (see MachineConfig.pollIntervalMs). */
export const NET_POLL_MS = 2;

export function parseVmArgs(argv: string[]): VmOptions {
  const o: VmOptions = { append: 'console=ttyS0', disks: [], memMiB: 256, smp: 1, mac: defaultMac(), clock: 'real' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    const num = (min: number, max: number): number => {
      const v = Number(val());
      if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(`${a} must be an integer from ${min} to ${max}`);
      return v;
    };
    switch (a) {
      case '--kernel': o.kernel = val(); break;
      case '--initrd': o.initrd = val(); break;
      case '--append': o.append = val(); break;
      case '--disk': o.disks.push({ path: val(), readOnly: false }); break;
      case '--disk-ro': o.disks.push({ path: val(), readOnly: true }); break;
      case '--mem': o.memMiB = num(16, 3800); break;
      case '--smp': o.smp = num(1, 8); break;
      case '--script': o.script = val(); break;
      case '--timeout': o.timeoutS = num(1, 86400); break;
      case '--switch': o.switchPath = val(); break;
      case '--mac': o.mac = parseMac(val()); break;
      case '--clock': {
        const c = val();
        if (c !== 'real' && c !== 'virtual' && c !== 'paced') throw new UsageError(`--clock must be real, virtual or paced`);
        o.clock = c;
        break;
      }
      default: throw new UsageError(`unknown option ${a}`);
    }
  }
  return o;
}

function readInput(what: string, path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export interface VmIo {
  stdout: { write(b: Uint8Array | string): unknown };
  stderr: { write(s: string): unknown };
  stdin: NodeJS.ReadStream;
}

/** Runs a guest to its end; returns the exit status described above. */
export async function runVm(o: VmOptions, io: VmIo): Promise<number> {
  let kernelPath = o.kernel;
  let initrdPath = o.initrd;
  if (!kernelPath) {
    const g = cachedGuest();
    if (!g) throw new UsageError('no --kernel given and no cached guest: build one with `node dist/src/hv/guest/build.js`');
    kernelPath = g.kernel;
    initrdPath ??= g.initrd;
  }
  const kernel = readInput('kernel', kernelPath);
  const initrd = initrdPath ? readInput('initrd', initrdPath) : undefined;
  const disks = o.disks.map((d) => new FileDisk(d.path, d.readOnly));
  let uplink: StreamSwitchPort | undefined;
  try {
    uplink = o.switchPath ? await StreamSwitchPort.connect(o.switchPath) : undefined;
  } catch (e) {
    disks.forEach((d) => d.close());
    throw new UsageError((e as Error).message);
  }
  let quitArmed = false;
  let watchOutput: ((b: Uint8Array) => void) | undefined;
  const machine = await RiscvMachine.create({
    ramSize: o.memMiB << 20, harts: o.smp, kernel, initrd, cmdline: o.append, clock: o.clock, pollIntervalMs: uplink ? NET_POLL_MS : undefined,
    output: (b) => {
      io.stdout.write(b);
      watchOutput?.(b);
    },
    virtio: [
      ...disks.map((d) => (irq: IrqLine, m: RiscvMachine) => new VirtioMmio(m.hart.ram, irq, new VirtioBlk(d))),
      (irq, m) => new VirtioMmio(m.hart.ram, irq, new VirtioRng()),
      ...(uplink ? [(irq: IrqLine, m: RiscvMachine) => new VirtioMmio(m.hart.ram, irq, new VirtioNet(uplink!, o.mac))] : []),
    ],
  }).catch((e: unknown) => {
    disks.forEach((d) => d.close());
    uplink?.close();
    throw e;
  });
  let timedOut = false;
  const timer = o.timeoutS ? setTimeout(() => {
    timedOut = true;
    machine.stop();
  }, o.timeoutS * 1000) : undefined;
  if (timer) timer.unref?.();
  const stdin = io.stdin;
  let onData: ((b: Buffer) => void) | undefined;
  const raw = !o.script && stdin.isTTY;
  if (o.script) {
    const text = o.script === '-' ? readFileSync(0, 'utf8') : readFileSync(o.script, 'utf8');
    // Type the script once the shell is ready; the guest's line discipline queues the rest.
    let seen = '';
    watchOutput = (b: Uint8Array) => {
      seen = (seen + new TextDecoder().decode(b)).slice(-64);
      if (/[#$] $/.test(seen)) {
        watchOutput = undefined;
        machine.input(text.endsWith('\n') ? text : text + '\n');
      }
    };
  } else {
    if (raw) stdin.setRawMode(true);
    onData = (b: Buffer) => {
      const bytes: number[] = [];
      for (const c of b) {
        if (quitArmed) {
          quitArmed = false;
          if (c === 0x78 || c === 0x58) {
            machine.stop();
            return;
          }
          bytes.push(c);
        } else if (c === 0x01) quitArmed = true;
        else bytes.push(c);
      }
      if (bytes.length) machine.input(Uint8Array.from(bytes));
    };
    stdin.on('data', onData);
    stdin.resume();
  }
  let exit: MachineExit;
  try {
    exit = await machine.run();
  } finally {
    if (timer) clearTimeout(timer);
    if (onData) stdin.off('data', onData);
    if (raw) stdin.setRawMode(false);
    stdin.pause();
    disks.forEach((d) => d.close());
    uplink?.close();
  }
  switch (exit.kind) {
    case 'poweroff': case 'reboot': return 0;
    case 'fault': io.stderr.write(`\nguest fault:\n${exit.report}\n`); return 1;
    case 'watchdog': io.stderr.write(`\nguest stopped after ${exit.instructions} instructions\n`); return 3;
    case 'stopped': if (timedOut) { io.stderr.write(`\nguest timed out after ${o.timeoutS} s\n`); return 3; } return 0;
  }
}

// Run as a program.
if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.exitCode = await runVm(parseVmArgs(process.argv.slice(2)), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
  } catch (e) {
    if (e instanceof UsageError || e instanceof BootError || e instanceof DiskError) {
      process.stderr.write(`vm run: ${e.message}\n`);
      process.exitCode = 2;
    } else throw e;
  }
}
