// Boots MACROHARD on this Node.js host: the kernel, its initfs, the host terminal as the
// console, and init as PID 1; then waits for init to end, and reboots when it asks to.

import { isErr } from '../../abi/errno.js';
import { WaitStatus } from '../../abi/flags.js';
import { Kernel } from '../../kernel/kernel.js';
import { DiskScheme } from '../../kernel/schemes/disk.js';
import { InitfsScheme } from '../../kernel/schemes/initfs.js';
import { FileBlockStore } from './disk.js';
import { HostConsole, type ConsoleIo } from './console.js';
import { NodeHost } from './host.js';
import { addGuests, loadInitfs } from './initfs.js';
import { netLinks } from './netlinks.js';

export const REBOOT_STATUS = 200;
const VERSION = '0.1.0';

export interface BootOptions {
  /** A disk image (GPT with an MHFS partition, or a bare MHFS) to boot with as the root. */
  image?: string;
  /** Run this shell command instead of the interactive console, then power off. */
  command?: string;
  /** Print no boot log (the default with a command). */
  quiet?: boolean;
  io?: ConsoleIo;
  /** Threads kept ready for new processes. */
  poolSize?: number;
  /** The network link: none (the default), loopback, user[,hostfwd=...], tap[,ifname=...]. */
  net?: string;
  /** A Unix socket where hypervisor guests plug into MACROHARD's guest switch. */
  switch?: string;
}

export interface BootResult {
  /** What the host process should exit with. */
  status: number;
  /** Milliseconds from the start of boot to init's first system call. */
  bootMs: number;
}

async function bootOnce(opts: BootOptions): Promise<BootResult & { reboot: boolean }> {
  const t0 = performance.now();
  const io = opts.io ?? { input: process.stdin, output: process.stdout };
  const quiet = opts.quiet ?? opts.command !== undefined;
  const host = new NodeHost({ poolSize: opts.poolSize ?? 4 });
  const cmdline = ['console=pty0', opts.image ? 'root=disk' : 'root=ram', opts.net && !opts.net.startsWith('none') ? `net=${opts.net.split(',')[0]}` : opts.switch ? 'net=switch' : '', opts.command !== undefined ? `run=${opts.command}` : ''].filter(Boolean).join(' ');
  let console: HostConsole | null = null;
  const early: string[] = [];
  const k = new Kernel(host, {
    cmdline,
    onLog: (text) => {
      if (quiet) return;
      const line = `[${((performance.now() - t0) / 1000).toFixed(6).padStart(11)}] ${text}\n`;
      if (console) console.print(line);
      else early.push(line);
    },
  });
  k.klog.log(`MACROHARD ${VERSION} kernel on Node.js ${process.version}, ${k.schemes.size} kernel schemes: ${[...k.schemes.keys()].sort().join(' ')}`);
  const files = loadInitfs();
  if (opts.switch) addGuests(files); // a machine with a guest network can run guests itself
  k.register(new InitfsScheme(files, Date.now()));
  k.klog.log(`initfs: ${files.size} files`);
  if (opts.image) {
    const store = await FileBlockStore.open(opts.image);
    k.register(new DiskScheme([store]));
    k.klog.log(`disk 0: ${opts.image} (${(store.size / 1048576).toFixed(0)} MiB)`);
  }
  if (opts.net || opts.switch) await netLinks(k, opts.net ?? 'none', opts.switch);
  console = new HostConsole(k, io);
  await console.open();
  for (const l of early) console.print(l);
  k.klog.log(`console: pty 0 on the host terminal (${io.output.columns ?? 80}x${io.output.rows ?? 24}${io.input.isTTY ? ', raw' : ', not a terminal'})`);
  console.start();
  const init = await k.spawn(null, {
    path: '/scheme/initfs/bin/init', argv: ['init'], env: [], cwd: '/', flags: 0, pgid: 0, uid: -1, gid: -1,
    fds: [[0, console.slave], [1, console.slave], [2, console.slave]], ns: null, filter: null,
  });
  if (isErr(init)) {
    console.print(`macrohard: cannot start init: ${init}\n`);
    await console.stop();
    k.shutdown();
    return { status: 1, bootMs: performance.now() - t0, reboot: false };
  }
  const bootMs = performance.now() - t0;
  k.klog.log(`init: started as pid ${init.pid}`);
  const ws = await k.waitExit(init.pid);
  await console.stop();
  k.shutdown();
  const code = WaitStatus.ifExited(ws) ? WaitStatus.exitStatus(ws) : 128 + WaitStatus.termSig(ws);
  if (!quiet && code !== REBOOT_STATUS) io.output.write('MACROHARD: power off\n');
  return { status: code === REBOOT_STATUS ? 0 : code, bootMs, reboot: code === REBOOT_STATUS };
}

export async function boot(opts: BootOptions = {}): Promise<BootResult> {
  for (;;) {
    const r = await bootOnce(opts);
    if (!r.reboot) return r;
    if (!(opts.quiet ?? opts.command !== undefined)) (opts.io?.output ?? process.stdout).write('MACROHARD: rebooting\n');
  }
}
