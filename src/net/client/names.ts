// The two text files name resolution reads, parsed: /etc/hosts (ADDRESS NAME... lines, `#`
// comments) and /etc/resolv.conf (`nameserver ADDRESS` lines). Pure functions, so both the
// libmh resolver (resolve.ts) and the WASI runtime's getaddrinfo use them.

import { ipv4 } from '../wire/address.js';

/** The address /etc/hosts gives `name`, or null. */
export function hostsLookup(name: string, text: string): string | null {
  for (const line of text.split('\n')) {
    const f = line.replace(/#.*/, '').trim().split(/\s+/);
    if (f.length >= 2 && f.slice(1).includes(name) && ipv4(f[0]!) !== null) return f[0]!;
  }
  return null;
}

/** The IPv4 name servers of /etc/resolv.conf, in order. */
export function resolvNameservers(text: string): string[] {
  return text.split('\n').map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((x): x is string => !!x && ipv4(x) !== null);
}
