// The network links a booted machine gets from `macrohard boot --net MODE [--switch PATH]`:
// parses the option, makes the host adapters (user-mode NAT, TAP, a loopback cable) and
// registers them with the kernel as the nic scheme, where netd finds them. A link the host
// cannot provide (TAP without privileges, say) fails the boot with a message saying why. Fault
// options wrap the first link in a FaultLink (fault_link.ts).
//
// --switch PATH adds the guests' network: a switch whose first port is a nic link (netd is
// 10.0.3.1/24 there, serves DHCP from 10.0.3.15 and routes the guests out through its NAT);
// GUEST_PORTS more nic links on it are for the `vm` program inside MACROHARD (`role=guest`,
// each with its guest's MAC); and VMMs on the host add ports by connecting to the Unix socket
// PATH (`macrohard vm run --switch PATH`).

import { rmSync } from 'node:fs';
import type { Kernel } from '../../kernel/kernel.js';
import { NicScheme, type NicLink } from '../../kernel/schemes/nic.js';
import { FaultLink } from './fault_link.js';
import { NatLink } from './nat.js';
import { HostSwitch, LoopbackLink, parseNetOption } from './nic.js';
import { openTap } from './tap.js';

/** The guests' network: netd's address on it, and the pool its DHCP server hands out. */
export const GUEST_NET = { mac: 0x02_00_00_00_03_01, addr: '10.0.3.1/24', pool: '10.0.3.15-10.0.3.254' };
/** Ports for guests run by `vm` inside MACROHARD. */
export const GUEST_PORTS = 2;

export async function netLinks(k: Kernel, option: string, switchPath?: string): Promise<NicLink[]> {
  const opt = parseNetOption(option);
  if (typeof opt === 'string') throw new Error(`--net: ${opt}`);
  const links: NicLink[] = [];
  if (opt.mode === 'user') {
    const nat = new NatLink(opt);
    links.push(nat);
    const fwd = opt.forwards.map((f) => `${f.hostAddr ?? '127.0.0.1'}:${f.hostPort} -> :${f.guestPort}`).join(', ');
    k.klog.log(`nic 0: user-mode NAT, guest 10.0.2.15/24 via 10.0.2.2${fwd ? `; forwards ${fwd}` : ''}`);
  } else if (opt.mode === 'tap') {
    const tap = openTap(opt.ifname ?? 'mh0', { addr: opt.addr, gateway: opt.gateway, dns: opt.dns, addr6: opt.addr6, gateway6: opt.gateway6, mtu: opt.mtu });
    links.push(tap);
    k.klog.log(`nic 0: TAP device ${tap.ifname}${opt.addr ? `, MACROHARD at ${opt.addr}` : ''}`);
  } else if (opt.mode === 'loopback') {
    links.push(new LoopbackLink(0x02_00_00_00_00_01, '10.0.3.1/24'));
    k.klog.log('nic 0: loopback cable');
  }
  if (opt.faults && links.length) {
    const f = opt.faults;
    links[0] = new FaultLink(links[0]!, f);
    k.klog.log(`nic 0: faults injected: loss ${f.loss}, duplicate ${f.duplicate}, reorder ${f.reorder}, delay ${f.delay} ms, jitter ${f.jitter} ms, seed ${f.seed}`);
  }
  if (switchPath) links.push(...(await guestSwitch(switchPath, links.length, k)));
  k.register(new NicScheme(links));
  return links;
}

async function guestSwitch(path: string, index: number, k: Kernel): Promise<NicLink[]> {
  const sw = new HostSwitch();
  const link = sw.link(GUEST_NET.mac, GUEST_NET.addr, undefined, { dhcp: GUEST_NET.pool, nat: 'on' });
  const ports = guestPorts(sw);
  let server;
  try {
    server = await sw.serve(path);
  } catch (e) {
    throw new Error(`--switch: cannot listen on ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  k.klog.log(`nic ${index}: guest switch at ${path}, MACROHARD at ${GUEST_NET.addr}, DHCP ${GUEST_NET.pool}; nic ${index + 1}-${index + GUEST_PORTS}: ports for vm`);
  return [{
    name: link.name,
    config: link.config,
    attach: (rx) => link.attach(rx),
    send: (f) => link.send(f),
    close() {
      link.close();
      server.close();
      rmSync(path, { force: true });
    },
  }, ...ports];
}

/** The switch's ports for `vm` processes, each with the MAC its guest will use. */
export function guestPorts(sw: HostSwitch): NicLink[] {
  return Array.from({ length: GUEST_PORTS }, (_, i) => sw.link(0x52_54_00_00_03_10 + i, undefined, undefined, { role: 'guest' }));
}
