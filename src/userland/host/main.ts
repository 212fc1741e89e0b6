// host: looks a name up as programs do (a literal address, /etc/hosts, then DNS over udp: to
// the servers of /etc/resolv.conf: A, and AAAA when there is no A record), or asks one
// server directly. IPv6 answers print as "has IPv6 address".
//
//   host NAME [SERVER[:PORT]]
//
// Exit status: 0 when the name has an address, 1 otherwise.

import * as mh from 'libmh';
import { fromHosts, nameservers, queryA } from '../../net/client/resolve.js';
import { parseIp } from '../../net/wire/address.js';

export function main(argv: string[]): number {
  const name = argv[1];
  if (!name || argv.length > 3) {
    mh.eprintln('usage: host NAME [SERVER]');
    return 2;
  }
  if (parseIp(name) !== null) {
    mh.println(`${name} is an address`);
    return 0;
  }
  if (!argv[2]) {
    const local = name === 'localhost' ? '127.0.0.1' : fromHosts(name);
    if (local) {
      mh.println(`${name} has ${local.includes(':') ? 'IPv6 address' : 'address'} ${local} (from /etc/hosts)`);
      return 0;
    }
  }
  const servers = argv[2] ? [argv[2]] : nameservers();
  if (servers.length === 0) {
    mh.eprintln(`host: no name servers (add 'nameserver ADDRESS' to /etc/resolv.conf)`);
    return 1;
  }
  for (const s of servers) {
    let r: string[] | null;
    let six = false;
    try {
      r = queryA(s, name);
      if (r && r.length === 0) {
        r = queryA(s, name, 1000, 6) ?? [];
        six = true;
      }
    } catch (e) {
      mh.eprintln(`host: ${s}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (r === null) {
      mh.eprintln(`host: no answer from ${s}`);
      continue;
    }
    if (r.length === 0) {
      mh.println(`Host ${name} not found (server ${s})`);
      return 1;
    }
    for (const a of r) mh.println(`${name} has ${six ? 'IPv6 address' : 'address'} ${a}`);
    return 0;
  }
  return 1;
}
