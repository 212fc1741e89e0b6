// Capability calls: pipes, namespaces, syscall filters, scheme registration, descriptor
// passing and shared memory.

import { E, isErr } from '../../abi/errno.js';
import { FD_CLOEXEC, O } from '../../abi/flags.js';
import { SCHEME_COHERENT } from '../../abi/scheme.js';
import { NS_ALL } from '../../abi/syscall.js';
import { encodeStrings, WireReader } from '../../abi/wire.js';
import type { Call } from '../call.js';
import type { Kernel } from '../kernel.js';
import { SCHEME_NAME } from '../namespace.js';
import type { Process } from '../process.js';
import { ChanScheme } from '../schemes/chan.js';
import { SchemeControl, UserScheme } from '../schemes/user.js';
import { desc, then } from './util.js';

/** Answers rfd | wfd << 16, with the ring id in the payload so the process can map it. */
export function pipe(k: Kernel, p: Process, c: Call) {
  const flags = c.int(0) ?? 0;
  const spare = p.spareRings.shift();
  const ring = (spare !== undefined && k.pipes.ring(spare)) || k.pipes.createRing();
  const [ro, wo] = k.pipes.openPair(ring);
  const fdflags = flags & O.CLOEXEC ? FD_CLOEXEC : 0;
  const dflags = flags & O.NONBLOCK;
  const rd = k.describe(k.pipes, ro, O.RDONLY | dflags, `/scheme/pipe/${ring.id}/read`);
  const wd = k.describe(k.pipes, wo, O.WRONLY | dflags, `/scheme/pipe/${ring.id}/write`);
  const rfd = p.fds.install(rd, fdflags);
  if (isErr(rfd)) {
    k.release(rd);
    k.release(wd);
    return rfd;
  }
  const wfd = p.fds.install(wd, fdflags);
  if (isErr(wfd)) {
    p.fds.close(rfd);
    k.release(wd);
    return wfd;
  }
  new DataView(c.view.data.buffer, c.view.data.byteOffset, 4).setUint32(0, ring.id, true);
  c.setOut(4);
  if (spare !== undefined) k.replenishSpare(p);
  return rfd | (wfd << 16);
}

export function mkns(_k: Kernel, p: Process, c: Call) {
  const names = new WireReader(c.input()).strs(1024);
  if (names === null) return E.EINVAL;
  p.ns = p.ns.narrow(names);
  return 0;
}

export function getns(_k: Kernel, p: Process, c: Call) {
  const list = p.ns.list();
  c.out(encodeStrings(list ?? []));
  return list === null ? NS_ALL : list.length;
}

export function setfilter(_k: Kernel, p: Process, c: Call) {
  const r = new WireReader(c.input());
  const n = r.u32();
  if (n === null || n > 4096) return E.EINVAL;
  const f = new Uint8Array(256);
  for (let i = 0; i < n; i++) {
    const nr = r.u32();
    if (nr === null) return E.EINVAL;
    if (nr < 256 && p.allows(nr)) f[nr] = 1;
  }
  p.filter = f;
  return 0;
}

export function scheme_create(k: Kernel, p: Process, c: Call) {
  const name = c.str();
  if (name === null || !SCHEME_NAME.test(name)) return E.EINVAL;
  const flags = c.arg(0);
  if ((flags & ~SCHEME_COHERENT) !== 0 || !Number.isInteger(flags)) return E.EINVAL;
  if (p.euid !== 0) return E.EPERM;
  if (k.schemes.has(name)) return E.EEXIST;
  const user = new UserScheme(name, k, p, (flags & SCHEME_COHERENT) !== 0);
  k.register(user);
  k.klog.log(`scheme ${name}: served by pid ${p.pid} (${p.argv[0] ?? p.path})`);
  const d = k.describe(new SchemeControl(user), { handle: 0, stream: true }, O.RDWR, `/scheme/${name}`);
  const fd = p.fds.install(d);
  if (isErr(fd)) k.release(d);
  return fd;
}

function chanOf(p: Process, c: Call) {
  const d = desc(p, c, 0);
  if (isErr(d)) return d;
  return d.scheme instanceof ChanScheme ? { chan: d.scheme, handle: d.handle } : E.ENOTSOCK;
}

export function sendfd(_k: Kernel, p: Process, c: Call) {
  const ch = chanOf(p, c);
  if (isErr(ch)) return ch;
  const d = desc(p, c, 1);
  if (isErr(d)) return d;
  return ch.chan.sendFd(ch.handle, d);
}

export function recvfd(k: Kernel, p: Process, c: Call) {
  const ch = chanOf(p, c);
  if (isErr(ch)) return ch;
  return then(ch.chan.recvFd(ch.handle), (d) => {
    const fd = p.fds.install(d);
    if (--d.refs === 0) k.release(d); // the in-flight reference; only reached if install failed
    return fd;
  });
}

export function fmap(k: Kernel, p: Process, c: Call) {
  const d = desc(p, c, 0);
  if (isErr(d)) return d;
  const buf = d.scheme.map(d.handle);
  if (isErr(buf)) return buf;
  if (!p.thread) return E.ESRCH;
  const id = k.nextRegionId++;
  p.kernelBytes += buf.byteLength;
  p.thread.post('region', id, buf);
  return id;
}
