// Network links the host can hand the kernel's nic scheme that need nothing from the host's
// own network: a loopback cable (what the daemon sends comes back to it) and ports of an
// in-process Ethernet switch, so tests can join several kernels, or a kernel and a plain stack
// in the test process, on one segment. The user-mode NAT (nat.ts) and TAP (tap.ts) are the
// links to the outside. Also here: the `net=` option parser shared by boot and tests.

import * as net from 'node:net';
import { rmSync } from 'node:fs';
import type { NicLink } from '../../kernel/schemes/nic.js';
import { frameSocket } from './framestream.js';
import { VirtualSwitch, type SwitchPort } from '../../net/iface/switch.js';
import { formatMac, type EthernetAddress } from '../../net/wire/address.js';

/** The config text a link reports: one `key=value` per line. */
export function linkConfig(fields: Record<string, string | number | undefined>): string {
  return Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}\n`).join('');
}

/** Frames sent come back as received, on the next turn of the event loop. */
export class LoopbackLink implements NicLink {
  readonly name = 'loopback';
  readonly config: string;
  private rx: ((f: Uint8Array) => void) | null = null;
  constructor(mac: EthernetAddress = 0x02_00_00_00_00_01, addr?: string) {
    this.config = linkConfig({ name: this.name, mac: formatMac(mac), mtu: 1500, addr });
  }
  attach(rx: (f: Uint8Array) => void): void {
    this.rx = rx;
  }
  send(frame: Uint8Array): boolean {
    const copy = frame.slice();
    queueMicrotask(() => this.rx?.(copy));
    return true;
  }
  close(): void {
    this.rx = null;
  }
}

/**
 * A learning switch whose ports become kernel links (`link()`) or stay plain devices for a
 * stack in this process (`port()`, polled by its owner). Frames forwarded to a link's port are
 * delivered to its kernel on the next microtask.
 */
export class HostSwitch {
  readonly sw = new VirtualSwitch(512);
  private readonly links: { port: SwitchPort; rx: ((f: Uint8Array) => void) | null; sock?: net.Socket }[] = [];
  private draining = false;
  /** Called after frames were forwarded, so plain ports' owners know to poll. */
  onForward: (() => void) | null = null;

  /** A kernel link on a new port; `extra` adds config lines (`dhcp=FIRST-LAST`, `nat=on`). */
  link(mac: EthernetAddress, addr?: string, gateway?: string, extra: Record<string, string> = {}): NicLink {
    const entry: { port: SwitchPort; rx: ((f: Uint8Array) => void) | null } = { port: this.sw.port(), rx: null };
    this.links.push(entry);
    const self = this;
    return {
      name: 'switch',
      config: linkConfig({ name: 'switch', mac: formatMac(mac), mtu: 1500, addr, gateway, ...extra }),
      attach(rx) {
        entry.rx = rx;
      },
      send(frame) {
        const ok = entry.port.transmit(performance.now(), frame);
        self.schedule();
        return ok;
      },
      close() {
        entry.rx = null;
      },
    };
  }

  /** A port for a stack that lives in this process; call `deliver()` after it transmits. */
  port(): SwitchPort {
    return this.sw.port();
  }

  deliver(): void {
    this.schedule();
  }

  /**
   * Listens on a Unix socket: each connection is a new port carrying frames in the stream
   * format of framestream.ts (a VMM's virtio-net, `macrohard vm run --switch PATH`). A stale
   * socket file left by an earlier run is replaced.
   */
  serve(path: string): Promise<net.Server> {
    rmSync(path, { force: true });
    const server = net.createServer((sock) => {
      const entry: { port: SwitchPort; rx: ((f: Uint8Array) => void) | null; sock?: net.Socket } = { port: this.sw.port(), rx: null, sock };
      this.links.push(entry);
      entry.rx = frameSocket(sock, (f) => {
        entry.port.transmit(performance.now(), f);
        this.schedule();
      });
      sock.on('close', () => (entry.rx = null));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  }

  private schedule(): void {
    if (this.draining) return;
    this.draining = true;
    queueMicrotask(() => {
      this.draining = false;
      for (const l of this.links) {
        // A VMM's frames leave in one write of the socket, not one each.
        l.sock?.cork();
        for (let f = l.port.receive(); f; f = l.port.receive()) l.rx?.(f);
        l.sock?.uncork();
      }
      this.onForward?.();
    });
  }
}

export interface NetOption {
  mode: 'none' | 'user' | 'tap' | 'loopback';
  /** Port forwards for user mode: host port to guest port. */
  forwards: { proto: 'tcp'; hostPort: number; guestPort: number; hostAddr?: string }[];
  /** TAP: the host interface name to create or attach to. */
  ifname?: string;
  /** TAP: how netd configures its side (address/prefix, gateway, name server; IPv6 address and router). */
  addr?: string;
  gateway?: string;
  dns?: string;
  addr6?: string;
  gateway6?: string;
  /** TAP: the link's MTU. */
  mtu?: number;
  /** Faults injected on the link, both ways (tests: loss, reordering, delay without netem). */
  faults?: LinkFaults;
}

/** What `loss=`, `duplicate=`, `reorder=`, `delay=`, `jitter=` and `seed=` set (fault_link.ts). */
export interface LinkFaults {
  loss: number;
  duplicate: number;
  reorder: number;
  /** Milliseconds every frame waits, plus up to `jitter` more; a reordered frame waits 4 ms more. */
  delay: number;
  jitter: number;
  seed: number;
}

/** Fault options and their largest values (probabilities, milliseconds, a seed). */
const FAULT_KEYS: Record<keyof LinkFaults, number> = { loss: 1, duplicate: 1, reorder: 1, delay: 10_000, jitter: 10_000, seed: 0xffff_ffff };

/**
 * Parses `none`, `loopback`, `user[,hostfwd=tcp::8080-:80,...]` or
 * `tap[,ifname=mh0][,addr=A/N][,gateway=G][,dns=D][,addr6=A6/N][,gateway6=G6][,mtu=N]` (the form QEMU's -netdev uses), any
 * of them followed by fault options (`loss=0.05,reorder=0.05,delay=2,jitter=1,duplicate=0.01,
 * seed=7`: probabilities and milliseconds). Returns a message for anything else.
 */
export function parseNetOption(text: string): NetOption | string {
  const [mode, ...opts] = text.split(',');
  if (mode !== 'none' && mode !== 'user' && mode !== 'tap' && mode !== 'loopback') return `unknown network mode '${mode}' (none, user, tap, loopback)`;
  const out: NetOption = { mode, forwards: [] };
  for (const o of opts) {
    const eq = o.indexOf('=');
    const key = eq < 0 ? o : o.slice(0, eq);
    const val = eq < 0 ? '' : o.slice(eq + 1);
    if (key === 'hostfwd' && mode === 'user') {
      const m = /^tcp:([\d.]*):(\d+)-[\d.]*:(\d+)$/.exec(val);
      if (!m) return `bad hostfwd '${val}' (want tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT)`;
      out.forwards.push({ proto: 'tcp', hostAddr: m[1] || undefined, hostPort: Number(m[2]), guestPort: Number(m[3]) });
    } else if (key === 'ifname' && mode === 'tap') out.ifname = val;
    else if ((key === 'addr' || key === 'gateway' || key === 'dns' || key === 'addr6' || key === 'gateway6') && mode === 'tap') out[key] = val;
    else if (key === 'mtu' && mode === 'tap') {
      const mtu = Number(val);
      if (!/^\d+$/.test(val) || mtu < 576 || mtu > 65521) return `bad mtu '${val}' (576 to 65521)`;
      out.mtu = mtu;
    } else if (Object.hasOwn(FAULT_KEYS, key) && mode !== 'none') {
      const x = Number(val);
      const max = FAULT_KEYS[key as keyof LinkFaults];
      if (val === '' || !Number.isFinite(x) || x < 0 || x > max) return `bad ${key} '${val}' (0 to ${max})`;
      out.faults = { loss: 0, duplicate: 0, reorder: 0, delay: 0, jitter: 0, seed: 1, ...out.faults, [key]: x };
    } else return `unknown option '${o}' for ${mode}`;
  }
  return out;
}
