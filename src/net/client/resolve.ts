// Name resolution for MACROHARD programs: an address as it is (an IPv6 one may come in
// brackets, with a zone: `[fe80::1%eth0]`), then /etc/hosts, then an A query over udp: to
// each `nameserver` of /etc/resolv.conf in turn (two tries each, one and two seconds), and an
// AAAA query when there is no A record. `localhost` is 127.0.0.1 (::1 when IPv6 is asked for)
// even without a hosts file. A family (4 or 6, as `ping -6` asks) limits all of these.

import * as mh from 'libmh';
import { formatIpv4 } from '../wire/address.js';
import { aAnswers, aaaaAnswers, aQuery, familyOf, hostsLookup, resolvNameservers, type Family } from './names.js';
import { waitReadable } from './stream.js';

function readOr(path: string): string {
  try {
    return mh.readText(path);
  } catch {
    return '';
  }
}

export function fromHosts(name: string, text = readOr('/etc/hosts'), family: Family = 0): string | null {
  return hostsLookup(name, text, family);
}

export function nameservers(text = readOr('/etc/resolv.conf')): string[] {
  return resolvNameservers(text);
}

/** A (or AAAA) addresses for `name` from one server (ADDR or ADDR:PORT), or null when it did not answer. */
export function queryA(server: string, name: string, timeoutMs = 1000, family: 4 | 6 = 4): string[] | null {
  const fd = mh.open(`/scheme/udp/${server.includes(':') ? server : `${server}:53`}`, mh.O.RDWR);
  try {
    const id = (Math.random() * 65536) | 0;
    const out = aQuery(id, name, family);
    for (let attempt = 0; attempt < 2; attempt++) {
      mh.write(fd, out);
      const deadline = Date.now() + timeoutMs * (attempt + 1);
      while (Date.now() < deadline && waitReadable(fd, deadline - Date.now())) {
        const buf = new Uint8Array(1500);
        const n = mh.read(fd, buf);
        const addrs = family === 6 ? aaaaAnswers(buf.subarray(0, n), id) : aAnswers(buf.subarray(0, n), id)?.map(formatIpv4);
        if (addrs) return addrs;
      }
    }
    return null;
  } finally {
    mh.close(fd);
  }
}

/**
 * The first address of `name` (of `family` if given) as text, an IPv6 one without brackets
 * but with its zone (`fe80::1%eth0`); throws an Error saying what failed.
 */
export function resolve(name: string, family: Family = 0): string {
  const literal = /^\[?([0-9A-Fa-f:.]+)(%\w+)?\]?$/.exec(name);
  const fam = literal ? familyOf(literal[1]!) : null;
  if (fam !== null && (!name.startsWith('[') || fam === 6)) {
    if (family !== 0 && fam !== family) throw new Error(`${name} is not an IPv${family} address`);
    return literal![1]! + (fam === 6 ? (literal![2] ?? '') : '');
  }
  if (name === 'localhost') return family === 6 ? '::1' : '127.0.0.1';
  const h = fromHosts(name, undefined, family);
  if (h) return h;
  const servers = nameservers();
  if (servers.length === 0) throw new Error(`cannot resolve ${name}: no nameserver in /etc/resolv.conf`);
  const kinds: (4 | 6)[] = family === 0 ? [4, 6] : [family];
  for (const s of servers) {
    let answered = false;
    for (const k of kinds) {
      const r = queryA(s, name, 1000, k);
      if (r && r.length) return r[0]!;
      if (r) answered = true;
      else break;
    }
    if (answered) throw new Error(`cannot resolve ${name}: no such host`);
  }
  throw new Error(`cannot resolve ${name}: no answer from ${servers.join(', ')}`);
}
