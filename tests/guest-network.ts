// The guests' network for tests and benchmarks: a kernel as `macrohard boot --net user --switch
// PATH` makes it (the user-mode NAT as eth0; the guests' switch, netd at 10.0.3.1 with DHCP and
// NAT, as eth1; two guest ports for `vm`; the switch's socket for host VMMs), netd and httpd
// (serving initfs) running, the host's guests in initfs, an HTTP server on the host's loopback;
// and the RISC-V BusyBox guest run on it by a host VMM or by `vm` inside MACROHARD, driven
// through its console.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootKernel, type TestKernel } from './kernel-harness.js';
import { isErr } from '../src/abi/errno.js';
import { WaitStatus } from '../src/abi/flags.js';
import { kclose, kpipe, kread, kwrite } from '../src/kernel/kio.js';
import { NicScheme } from '../src/kernel/schemes/nic.js';
import type { InitfsScheme } from '../src/kernel/schemes/initfs.js';
import { HostSwitch } from '../src/host/node/nic.js';
import { NatLink } from '../src/host/node/nat.js';
import { GUEST_NET, guestPorts } from '../src/host/node/netlinks.js';
import { addGuests } from '../src/host/node/initfs.js';
import { GuestConsole } from '../src/hv/riscv/testing/guest-console.js';

const runJs = fileURLToPath(new URL('../src/hv/riscv/run.js', import.meta.url));

/** A running guest: type a command, wait for it to finish; `exited` resolves with 0 on poweroff. */
export class Guest {
  readonly con = new GuestConsole();
  exited!: Promise<number>;
  kill: () => void = () => {};

  private constructor(private readonly send: (text: string) => void) {}

  /**
   * Types `command` and waits for it to finish; returns what it printed. The end marker is
   * computed by the guest's shell, so the terminal's echo of the command line never matches it.
   */
  async run(command: string, ms = 120_000): Promise<string> {
    this.send(`${command}; echo "DONE-$((6 * 7))"\n`);
    return (await this.con.expect(/DONE-42\r?\n/, ms)).replace(/DONE-42\r?\n$/, '');
  }

  /** Waits for the shell's first prompt (what is typed before it is lost). */
  ready(): Promise<string> {
    return this.con.expect(/# $/, 120_000);
  }

  powerOff(): Promise<number> {
    this.send('poweroff -f\n');
    return this.exited;
  }

  /** The guest in a VMM process on the host, plugged into the switch at `sockPath`. */
  static onHost(sockPath: string): Guest {
    return Guest.attach(spawn(process.execPath, [runJs, '--switch', sockPath, '--clock', 'paced', '--timeout', '600'], { stdio: 'pipe' }));
  }

  /** A guest in any VMM process whose standard streams are its serial console (QEMU's too). */
  static attach(child: ChildProcessWithoutNullStreams): Guest {
    const g = new Guest((s) => child.stdin.write(s));
    child.stdout.on('data', g.con.sink);
    child.stderr.on('data', g.con.sink);
    g.exited = new Promise((r) => child.on('exit', (c) => r(c ?? -1)));
    g.kill = () => child.kill('SIGKILL');
    return g;
  }

  /** The guest run by `vm run NAME` in a MACROHARD process. */
  static async inMacrohard(tk: TestKernel, name = 'busybox'): Promise<Guest> {
    const k = tk.k;
    const inp = kpipe(k);
    const out = kpipe(k);
    const child = await k.spawn(null, {
      path: '/scheme/initfs/bin/vm', argv: ['vm', 'run', name], env: ['PATH=/scheme/initfs/bin'], cwd: '', flags: 0, pgid: 0,
      uid: -1, gid: -1, fds: [[0, inp.read], [1, out.write], [2, out.write]], ns: null, filter: null,
    });
    kclose(k, inp.read);
    kclose(k, out.write);
    if (isErr(child)) {
      kclose(k, inp.write);
      kclose(k, out.read);
      throw new Error(`spawn vm: ${child}`);
    }
    const enc = new TextEncoder();
    const g = new Guest((s) => void kwrite(k, inp.write, enc.encode(s)));
    void (async () => {
      for (;;) {
        const b = await kread(k, out.read);
        if (isErr(b) || b.length === 0) break;
        g.con.sink(b);
      }
      kclose(k, out.read);
    })();
    g.exited = k.waitExit(child.pid).then((ws) => {
      kclose(k, inp.write);
      return WaitStatus.ifExited(ws) ? WaitStatus.exitStatus(ws) : 128 + WaitStatus.termSig(ws);
    });
    g.kill = () => {
      const p = k.procs.get(child.pid);
      if (p?.alive) k.signal(p, 9);
    };
    return g;
  }
}

export interface GuestNetwork {
  tk: TestKernel;
  /** The guests' switch: `sw.port()` plugs a plain stack of the test process in. */
  sw: HostSwitch;
  sockPath: string;
  /** The port of the HTTP server on the host's 127.0.0.1 (10.0.2.2 from inside). */
  hostPort: number;
  close(): Promise<void>;
}

/** Boots the kernel and its network; the host's HTTP server answers every request with `hostBody`. */
export async function guestNetwork(hostBody: Uint8Array | string, initfsExtra: Record<string, Uint8Array> = {}): Promise<GuestNetwork> {
  const hostServer = http.createServer((_req, res) => res.writeHead(200, { 'Content-Length': Buffer.byteLength(hostBody) }).end(hostBody));
  await new Promise<void>((r) => hostServer.listen(0, '127.0.0.1', () => r()));
  const hostPort = (hostServer.address() as AddressInfo).port;
  const sockPath = join(tmpdir(), `mh-guestnet-${process.pid}.sock`);
  const tk = bootKernel(4);
  const initfs = tk.k.schemes.get('initfs') as InitfsScheme;
  for (const [path, f] of addGuests(new Map())) initfs.add(path, f);
  for (const [path, data] of Object.entries(initfsExtra)) initfs.add(path, { data, mode: 0o644 });
  const sw = new HostSwitch();
  const nat = new NatLink({ mode: 'user', forwards: [] });
  tk.k.register(new NicScheme([nat, sw.link(GUEST_NET.mac, GUEST_NET.addr, undefined, { dhcp: GUEST_NET.pool, nat: 'on' }), ...guestPorts(sw)]));
  const switchServer = await sw.serve(sockPath);
  await tk.startNetd();
  void tk.run('httpd', ['httpd', '-p', '80', '-q', '/scheme/initfs']).catch(() => undefined);
  // Ready once netd shows its listener (a guest can be quicker than httpd's start).
  for (let i = 0; i < 200 && !/^tcp \*:80 /m.test((await tk.run('ip', ['ip', 'sockets'])).stdout); i++) await new Promise((r) => setTimeout(r, 20));
  return {
    tk, sw, sockPath, hostPort,
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
