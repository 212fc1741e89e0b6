// A TAP device on a Linux host as a kernel link: MACROHARD's Ethernet frames go straight into
// the host's own network stack. Opening /dev/net/tun and naming the device takes one ioctl
// (TUNSETIFF with IFF_TAP | IFF_NO_PI), which Node cannot make by itself; it goes through the
// koffi FFI library when that is installed. Anything missing (not Linux, no koffi, no
// /dev/net/tun, no privilege) fails with a message that says which.

import type { NicLink } from '../../kernel/schemes/nic.js';

export interface TapLink extends NicLink {
  readonly ifname: string;
}

export async function openTap(ifname: string): Promise<TapLink> {
  if (process.platform !== 'linux') throw new Error('TAP networking needs a Linux host; use --net user');
  const name = 'koffi';
  try {
    await import(name);
  } catch {
    throw new Error('TAP networking needs the koffi FFI library (npm install koffi), which is not installed; use --net user');
  }
  throw new Error('TAP networking is not built yet; use --net user');
}
