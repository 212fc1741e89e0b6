// The pieces of name resolution that need no system: the two text files it reads, parsed —
// /etc/hosts (ADDRESS NAME... lines, `#` comments) and /etc/resolv.conf (`nameserver ADDRESS`
// lines) — and the A query and its answer as bytes. Both the libmh resolver (resolve.ts) and
// the WASI runtime's getaddrinfo use them.

import { ipv4 } from '../wire/address.js';
import { DnsPacket, DnsType, dnsBufferLen, dnsQuery, emitDns, parseDns } from '../wire/dns.js';

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

/** An A query for `name` with identifier `id`, as bytes to send. */
export function aQuery(id: number, name: string): Uint8Array {
  const q = dnsQuery(id, name, DnsType.A);
  const out = new Uint8Array(dnsBufferLen(q));
  emitDns(q, out);
  return out;
}

/** The A addresses in the response to query `id` (none for "no such name"); null for other bytes. */
export function aAnswers(bytes: Uint8Array, id: number): number[] | null {
  const p = DnsPacket.checked(bytes);
  if (typeof p === 'string') return null;
  const r = parseDns(p);
  if (typeof r === 'string' || r.id !== id || !r.response) return null;
  return r.answers.flatMap((a) => (a.data.type === DnsType.A ? [(a.data as { address: number }).address >>> 0] : []));
}
