// Name resolution for MACROHARD programs: a dotted quad as it is, then /etc/hosts, then an A
// query over udp: to each `nameserver` of /etc/resolv.conf in turn (two tries each, one and
// two seconds). `localhost` is 127.0.0.1 even without a hosts file.

import * as mh from 'libmh';
import { formatIpv4, ipv4 } from '../wire/address.js';
import { aAnswers, aQuery, hostsLookup, resolvNameservers } from './names.js';
import { waitReadable } from './stream.js';

function readOr(path: string): string {
  try {
    return mh.readText(path);
  } catch {
    return '';
  }
}

export function fromHosts(name: string, text = readOr('/etc/hosts')): string | null {
  return hostsLookup(name, text);
}

export function nameservers(text = readOr('/etc/resolv.conf')): string[] {
  return resolvNameservers(text);
}

/** A addresses for `name` from one server (ADDR or ADDR:PORT), or null when it did not answer. */
export function queryA(server: string, name: string, timeoutMs = 1000): string[] | null {
  const fd = mh.open(`/scheme/udp/${server.includes(':') ? server : `${server}:53`}`, mh.O.RDWR);
  try {
    const id = (Math.random() * 65536) | 0;
    const out = aQuery(id, name);
    for (let attempt = 0; attempt < 2; attempt++) {
      mh.write(fd, out);
      const deadline = Date.now() + timeoutMs * (attempt + 1);
      while (Date.now() < deadline && waitReadable(fd, deadline - Date.now())) {
        const buf = new Uint8Array(1500);
        const n = mh.read(fd, buf);
        const addrs = aAnswers(buf.subarray(0, n), id);
        if (addrs) return addrs.map(formatIpv4);
      }
    }
    return null;
  } finally {
    mh.close(fd);
  }
}

/** The first address of `name`; throws an Error saying what failed. */
export function resolve(name: string): string {
  if (ipv4(name) !== null) return name;
  if (name === 'localhost') return '127.0.0.1';
  const h = fromHosts(name);
  if (h) return h;
  const servers = nameservers();
  if (servers.length === 0) throw new Error(`cannot resolve ${name}: no nameserver in /etc/resolv.conf`);
  for (const s of servers) {
    const r = queryA(s, name);
    if (r && r.length) return r[0]!;
    if (r) throw new Error(`cannot resolve ${name}: no such host`);
  }
  throw new Error(`cannot resolve ${name}: no answer from ${servers.join(', ')}`);
}
