// ip: shows and changes netd's interfaces and routes through its netcfg: scheme, in the
// spirit of iproute2.
//
//   ip [addr|a]                     interfaces and addresses      ip addr add A/N dev IFACE
//   ip [route|r]                    the routing table             ip addr del A/N dev IFACE
//   ip stats                        per-protocol counters         ip route add default via A dev IFACE
//   ip sockets | ss                 open sockets                  ip route del default dev IFACE
//
// Addresses and routers may be IPv6 ones (`ip addr add 2001:db8::15/64 dev eth0`, `ip route add
// default via fe80::1 dev eth0`); `ip -6 route del default dev IFACE` removes the IPv6 router.
// `ip addr` lists both families (`inet`, `inet6`).

import * as mh from 'libmh';

const usage = 'usage: ip [-4|-6] [addr [add|del A/N dev IFACE] | route [add default via A | del default] dev IFACE | stats | sockets]';

function show(file: string): number {
  try {
    mh.print(mh.readText(`/scheme/netcfg/${file}`));
    return 0;
  } catch (e) {
    mh.eprintln(`ip: ${e instanceof mh.MhError && e.errno === mh.Errno.ENOENT ? 'the network daemon is not running' : e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

function configure(file: string, text: string): number {
  try {
    const fd = mh.open(`/scheme/netcfg/${file}`, mh.O.WRONLY);
    mh.write(fd, text);
    mh.close(fd);
    return 0;
  } catch (e) {
    mh.eprintln(`ip: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

export function main(argv: string[]): number {
  const six = argv[1] === '-6';
  const a = argv.slice(argv[1] === '-6' || argv[1] === '-4' ? 2 : 1);
  const obj = a[0] ?? 'addr';
  const dev = a.indexOf('dev') >= 0 ? a[a.indexOf('dev') + 1] : undefined;
  if (['addr', 'a', 'address'].includes(obj)) {
    if (a.length === 1 || a[1] === 'show' || a[1] === 'list') return show('ifaces');
    if ((a[1] === 'add' || a[1] === 'del') && a[2] && dev) return configure(`addr/${dev}`, `${a[1]} ${a[2]}`);
  } else if (['route', 'r', 'ro'].includes(obj)) {
    if (a.length === 1 || a[1] === 'show' || a[1] === 'list') return show('route');
    if (a[1] === 'add' && a[2] === 'default' && a[3] === 'via' && a[4] && dev) return configure(`route/${dev}`, `default via ${a[4]}`);
    if (a[1] === 'del' && a[2] === 'default' && dev) return configure(`route/${dev}`, six ? 'del default inet6' : 'del default');
  } else if (obj === 'stats' || obj === '-s') return show('stats');
  else if (obj === 'sockets' || obj === 'ss') return show('sockets');
  mh.eprintln(usage);
  return 2;
}
