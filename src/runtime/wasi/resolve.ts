// Name resolution for C programs (getaddrinfo, through `macrohard.resolve`), on the WASI
// context's own syscalls: a dotted quad as it is, `localhost`, /etc/hosts, then A queries over
// `udp:` to each `nameserver` of /etc/resolv.conf in turn (two tries each, waiting one and
// then two seconds) — the same order and timeouts as the libmh resolver that `host` and
// `fetch` use (src/net/client/resolve.ts), and the same file parsers.

import { O } from '../../abi/flags.js';
import { Sys } from '../../abi/syscall.js';
import { aAnswers, aQuery, hostsLookup, resolvNameservers } from '../../net/client/names.js';
import { ipv4 } from '../../net/wire/address.js';
import { validDnsName } from '../../net/wire/dns.js';
import { monotonicNs } from './clock.js';
import { Eventtype } from './constants.js';
import type { WasiContext } from './context.js';
import { WasiErrno } from './errno.js';
import type { kernelWaiter } from './poll.js';
import { concatBytes } from '../../abi/bytes.js';

/** Why a name has no address: no such name (EAI_NONAME), or no server answered (EAI_AGAIN). */
export type ResolveError = 'noname' | 'again';

/** A whole small file, or '' when it cannot be read. */
function readSmall(ctx: WasiContext, path: string): string {
  const fd = ctx.call(Sys.open, O.RDONLY, 0, 0, 0, ctx.pathBytes(path));
  if (fd < 0) return '';
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const n = ctx.call(Sys.read, fd, 16384, -1);
    if (n === -4) continue;
    if (n <= 0 || total > 1 << 20) break;
    parts.push(ctx.client.data.slice(0, n));
    total += n;
  }
  ctx.call(Sys.close, fd);
  return new TextDecoder().decode(concatBytes(parts, total));
}

/** A addresses from one server: a list (empty for "no such name"), or null without an answer. */
function queryA(ctx: WasiContext, wait: ReturnType<typeof kernelWaiter>, server: string, name: string): number[] | null {
  const fd = ctx.call(Sys.open, O.RDWR, 0, 0, 0, ctx.pathBytes(`/scheme/udp/${server}:53`));
  if (fd < 0) return null;
  try {
    const id = (Math.random() * 65536) | 0;
    const out = aQuery(id, name);
    for (let attempt = 0; attempt < 2; attempt++) {
      if (ctx.call(Sys.write, fd, -1, 0, 0, out) < 0) return null;
      const deadline = Number(monotonicNs()) / 1e6 + 1000 * (attempt + 1);
      for (;;) {
        const ready = new Set<number>();
        if (wait([{ fd, type: Eventtype.FD_READ }], deadline, ready) || !ready.has(0)) break;
        const n = ctx.call(Sys.read, fd, 1500, -1);
        if (n <= 0) break;
        const addrs = aAnswers(ctx.client.data.slice(0, n), id);
        if (addrs) return addrs;
      }
    }
    return null;
  } finally {
    ctx.call(Sys.close, fd);
  }
}

/** IPv4 addresses (host order) for `name`, or why there are none. */
export function resolveName(ctx: WasiContext, wait: ReturnType<typeof kernelWaiter>, name: string): number[] | ResolveError {
  const quad = ipv4(name);
  if (quad !== null) return [quad >>> 0];
  if (name === 'localhost') return [0x7f00_0001];
  const h = hostsLookup(name, readSmall(ctx, '/etc/hosts'));
  if (h !== null) return [ipv4(h)! >>> 0];
  if (!validDnsName(name) || name === '') return 'noname';
  const servers = resolvNameservers(readSmall(ctx, '/etc/resolv.conf'));
  // Without a name server, /etc/hosts was the whole answer.
  if (servers.length === 0) return 'noname';
  for (const s of servers) {
    const r = queryA(ctx, wait, s, name);
    if (r) return r.length ? r : 'noname';
  }
  return 'again';
}

export const RESOLVE_ERRNO: Record<ResolveError, number> = { noname: WasiErrno.ENOENT, again: WasiErrno.EAGAIN };
