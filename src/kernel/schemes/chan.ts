// chan: local message channels that carry bytes and descriptors. `open("/scheme/chan/NAME",
// O_CREAT)` makes a listener; `open("/scheme/chan/NAME")` connects to it; the listener's owner
// takes connections with `dup(listener, "accept")`. A write is one message and a read returns
// one (truncated to the reader's buffer, as with SOCK_SEQPACKET); sendfd/recvfd move
// descriptors, which stay open while in flight. Closing one end gives the other end of file.

import { E, isErr, type Result } from '../../abi/errno.js';
import { O, S } from '../../abi/flags.js';
import { EVENT_READ, EVENT_WRITE } from '../../abi/scheme.js';
import { emptyStat, type Stat } from '../../abi/stat.js';
import type { FileDescription } from '../file.js';
import { params } from '../params.js';
import { Scheme, type Answer, type Caller, type Opened } from '../scheme.js';
import { WaitQueue, wouldBlock } from '../waitqueue.js';

interface Endpoint {
  kind: 'end';
  peer: Endpoint | null;
  inbox: Uint8Array[];
  fds: FileDescription[];
  closed: boolean;
  /** Wakes readers of this end (data, descriptors or the peer's close) and the peer's writers. */
  readable: WaitQueue;
  writable: WaitQueue;
}

interface Listener {
  kind: 'listener';
  name: string;
  backlog: Endpoint[];
  queue: WaitQueue;
}

function endpoint(): Endpoint {
  return { kind: 'end', peer: null, inbox: [], fds: [], closed: false, readable: new WaitQueue(), writable: new WaitQueue() };
}

export class ChanScheme extends Scheme {
  readonly name = 'chan';
  private handles = new Map<number, Endpoint | Listener>();
  private listeners = new Map<string, Listener>();
  private next = 1;
  /** Releases a description whose in-flight reference was the last one. */
  constructor(private readonly release: (d: FileDescription) => void) {
    super();
  }

  private add(x: Endpoint | Listener): number {
    const h = this.next++;
    this.handles.set(h, x);
    return h;
  }

  override open(ref: string, flags: number): Result<Opened> {
    if (!ref || ref.includes('/')) return E.ENOENT;
    if (flags & O.CREAT) {
      if (this.listeners.has(ref)) return E.EEXIST;
      const l: Listener = { kind: 'listener', name: ref, backlog: [], queue: new WaitQueue() };
      this.listeners.set(ref, l);
      return { handle: this.add(l), stream: true };
    }
    const l = this.listeners.get(ref);
    if (!l) return E.ECONNREFUSED;
    const client = endpoint();
    const server = endpoint();
    client.peer = server;
    server.peer = client;
    l.backlog.push(server);
    l.queue.wake();
    return { handle: this.add(client), stream: true };
  }

  override dup(h: number, sub: string, _caller: Caller): Answer<Opened> {
    const l = this.handles.get(h);
    if (!l || l.kind !== 'listener' || sub !== 'accept') return E.EINVAL;
    const server = l.backlog.shift();
    if (!server) return wouldBlock(l.queue);
    return { handle: this.add(server), stream: true };
  }

  private end(h: number): Result<Endpoint> {
    const e = this.handles.get(h);
    return e && e.kind === 'end' ? e : E.EBADF;
  }

  override read(h: number, dst: Uint8Array): Answer<number> {
    const e = this.end(h);
    if (isErr(e)) return e;
    const msg = e.inbox.shift();
    if (msg) {
      e.peer?.writable.wake();
      const n = Math.min(msg.length, dst.length);
      dst.set(msg.subarray(0, n));
      return n;
    }
    if (!e.peer || e.peer.closed) return 0;
    return wouldBlock(e.readable);
  }

  override write(h: number, src: Uint8Array): Answer<number> {
    const e = this.end(h);
    if (isErr(e)) return e;
    const peer = e.peer;
    if (!peer || peer.closed) return E.EPIPE;
    if (peer.inbox.length >= params.chanQueueMessages) return wouldBlock(e.writable);
    peer.inbox.push(src.slice());
    peer.readable.wake();
    return src.length;
  }

  /** Sends a descriptor to the peer; it stays open while in flight. */
  sendFd(h: number, d: FileDescription): Result<0> {
    const e = this.end(h);
    if (isErr(e)) return e;
    const peer = e.peer;
    if (!peer || peer.closed) return E.EPIPE;
    d.refs++;
    peer.fds.push(d);
    peer.readable.wake();
    return 0;
  }

  /** Takes the next descriptor sent to this end; the caller installs it and drops our ref. */
  recvFd(h: number): Answer<FileDescription> {
    const e = this.end(h);
    if (isErr(e)) return e;
    const d = e.fds.shift();
    if (d) return d;
    if (!e.peer || e.peer.closed) return E.EPIPE;
    return wouldBlock(e.readable);
  }

  override poll(h: number): { ready: number; queue: WaitQueue | null } {
    const x = this.handles.get(h);
    if (!x) return { ready: 0, queue: null };
    if (x.kind === 'listener') return { ready: x.backlog.length ? EVENT_READ : 0, queue: x.queue };
    let ready = 0;
    if (x.inbox.length || x.fds.length || !x.peer || x.peer.closed) ready |= EVENT_READ;
    if (!x.peer || x.peer.closed || x.peer.inbox.length < params.chanQueueMessages) ready |= EVENT_WRITE;
    return { ready, queue: x.readable };
  }

  override fstat(h: number): Result<Stat> {
    if (!this.handles.has(h)) return E.EBADF;
    return { ...emptyStat(), mode: S.IFSOCK | 0o600, ino: h };
  }

  override close(h: number): void {
    const x = this.handles.get(h);
    if (!x) return;
    this.handles.delete(h);
    if (x.kind === 'listener') {
      this.listeners.delete(x.name);
      for (const e of x.backlog) this.closeEnd(e);
      return;
    }
    this.closeEnd(x);
  }

  private closeEnd(e: Endpoint): void {
    e.closed = true;
    for (const d of e.fds.splice(0)) if (--d.refs === 0) this.release(d);
    e.inbox = [];
    if (e.peer) {
      e.peer.readable.wake();
      e.peer.writable.wake();
    }
    e.writable.wake();
  }
}
