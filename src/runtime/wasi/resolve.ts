// Name resolution for C programs (getaddrinfo, through `macrohard.resolve` for IPv4 and
// `macrohard.resolve6` for IPv6), on the WASI context's own syscalls: an address as it is,
// `localhost` (127.0.0.1 or ::1), /etc/hosts, then A (or AAAA) queries over `udp:` to each
// `nameserver` of /etc/resolv.conf in turn (two tries each, waiting one and then two seconds)
// — the same order and timeouts as the libmh resolver that `host` and `fetch` use
// (src/net/client/resolve.ts), and the same file parsers.

import { O } from '../../abi/flags.js';
import { Sys } from '../../abi/syscall.js';
import { aAnswers, aaaaAnswers, aQuery, hostsLookup, resolvNameservers } from '../../net/client/names.js';
import { parseIp } from '../../net/wire/address.js';
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

/** A (or AAAA) addresses from one server: a list (empty for "no such name"), or null without an answer. */
function queryA<F extends 4 | 6>(ctx: WasiContext, wait: ReturnType<typeof kernelWaiter>, server: string, name: string, family: F): (F extends 6 ? bigint : number)[] | null {
  const fd = ctx.call(Sys.open, O.RDWR, 0, 0, 0, ctx.pathBytes(`/scheme/udp/${server}:53`));
  if (fd < 0) return null;
  try {
    const id = (Math.random() * 65536) | 0;
    const out = aQuery(id, name, family);
    for (let attempt = 0; attempt < 2; attempt++) {
      if (ctx.call(Sys.write, fd, -1, 0, 0, out) < 0) return null;
      const deadline = Number(monotonicNs()) / 1e6 + 1000 * (attempt + 1);
      for (;;) {
        const ready = new Set<number>();
        if (wait([{ fd, type: Eventtype.FD_READ }], deadline, ready) || !ready.has(0)) break;
        const n = ctx.call(Sys.read, fd, 1500, -1);
        if (n <= 0) break;
        const data = ctx.client.data.slice(0, n);
        const addrs = (family === 6 ? aaaaAnswers(data, id)?.map((a) => parseIp(a) as bigint) : aAnswers(data, id)) as (F extends 6 ? bigint : number)[] | null | undefined;
        if (addrs) return addrs;
      }
    }
    return null;
  } finally {
    ctx.call(Sys.close, fd);
  }
}

/** IPv4 addresses (host order) for `name`, or IPv6 ones with `family` 6; or why there are none. */
export function resolveName(ctx: WasiContext, wait: ReturnType<typeof kernelWaiter>, name: string): number[] | ResolveError;
export function resolveName(ctx: WasiContext, wait: ReturnType<typeof kernelWaiter>, name: string, family: 6): bigint[] | ResolveError;
export function resolveName(ctx: WasiContext, wait: ReturnType<typeof kernelWaiter>, name: string, family: 4 | 6 = 4): (number | bigint)[] | ResolveError {
  const literal = parseIp(name);
  if (literal !== null) return (typeof literal === 'bigint') === (family === 6) ? [literal] : 'noname';
  if (name === 'localhost') return [family === 6 ? 1n : 0x7f00_0001];
  const h = hostsLookup(name, readSmall(ctx, '/etc/hosts'), family);
  if (h !== null) return [parseIp(h)!];
  if (!validDnsName(name) || name === '') return 'noname';
  const servers = resolvNameservers(readSmall(ctx, '/etc/resolv.conf'));
  // Without a name server, /etc/hosts was the whole answer.
  if (servers.length === 0) return 'noname';
  for (const s of servers) {
    const r = queryA(ctx, wait, s, name, family);
    if (r) return r.length ? r : 'noname';
  }
  return 'again';
}

export const RESOLVE_ERRNO: Record<ResolveError, number> = { noname: WasiErrno.ENOENT, again: WasiErrno.EAGAIN };
