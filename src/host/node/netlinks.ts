// The network links a booted machine gets from `macrohard boot --net MODE`: parses the option,
// makes the host adapters (user-mode NAT, TAP, a loopback cable) and registers them with the
// kernel as the nic scheme, where netd finds them. A link the host cannot provide (TAP without
// privileges, say) fails the boot with a message saying why. Fault options wrap the link in a
// FaultLink (fault_link.ts).

import type { Kernel } from '../../kernel/kernel.js';
import { NicScheme, type NicLink } from '../../kernel/schemes/nic.js';
import { FaultLink } from './fault_link.js';
import { NatLink } from './nat.js';
import { LoopbackLink, parseNetOption } from './nic.js';
import { openTap } from './tap.js';

export async function netLinks(k: Kernel, option: string): Promise<NicLink[]> {
  const opt = parseNetOption(option);
  if (typeof opt === 'string') throw new Error(`--net: ${opt}`);
  const links: NicLink[] = [];
  if (opt.mode === 'user') {
    const nat = new NatLink(opt);
    links.push(nat);
    const fwd = opt.forwards.map((f) => `${f.hostAddr ?? '127.0.0.1'}:${f.hostPort} -> :${f.guestPort}`).join(', ');
    k.klog.log(`nic 0: user-mode NAT, guest 10.0.2.15/24 via 10.0.2.2${fwd ? `; forwards ${fwd}` : ''}`);
  } else if (opt.mode === 'tap') {
    const tap = openTap(opt.ifname ?? 'mh0', { addr: opt.addr, gateway: opt.gateway, dns: opt.dns, mtu: opt.mtu });
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
  k.register(new NicScheme(links));
  return links;
}
