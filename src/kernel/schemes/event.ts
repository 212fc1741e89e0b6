// event: readiness queues, in the manner of epoll and Redox's event scheme. Open
// `/scheme/event` for a queue; write 24-byte records {fd f64, flags f64, token f64} to watch a
// descriptor of yours for EVENT_READ/EVENT_WRITE (flags 0 stops watching); read ready records
// back in the same layout (flags then being what is ready). Level-triggered: a descriptor
// stays ready until its condition clears. A read with nothing ready sleeps on the wait queues
// of everything watched.
//
// A record whose flags are EVENT_BELL names a descriptor with a doorbell (a nic ring's) instead
// of one to watch: from then on, whenever anything the queue watches is ready, the kernel rings
// it (once per wake-up of what is watched, without being asked each time), so the queue's owner
// may sleep on its shared memory and still learn of requests and timers. The owner reads the
// queue without sleeping to see what is ready. Flags 0 on that descriptor stops it.

import { E, type Result } from '../../abi/errno.js';
import { EVENT_BELL, EVENT_READ, EVENT_RECORD } from '../../abi/scheme.js';
import type { FileDescription } from '../file.js';
import type { Kernel } from '../kernel.js';
import { Scheme, type Answer, type Caller, type Opened } from '../scheme.js';
import { WaitQueue, wouldBlock } from '../waitqueue.js';


interface Watch {
  fd: number;
  desc: FileDescription;
  flags: number;
  token: number;
}

interface Queue {
  watches: Map<FileDescription, Watch>;
  /** Woken when the watch list changes, so a sleeping reader re-polls. */
  changed: WaitQueue;
  bell: Bell | null;
}

/** A doorbell the queue rings when something it watches is ready, and the waits that keep it. */
interface Bell {
  desc: FileDescription;
  ring: () => void;
  cancels: (() => void)[];
}

export class EventScheme extends Scheme {
  readonly name = 'event';
  private queues = new Map<number, Queue>();
  private next = 1;
  constructor(private readonly k: Kernel) {
    super();
  }

  override open(ref: string): Result<Opened> {
    if (ref !== '') return E.ENOENT;
    const h = this.next++;
    this.queues.set(h, { watches: new Map(), changed: new WaitQueue(), bell: null });
    return { handle: h, stream: true };
  }

  override write(h: number, src: Uint8Array, _offset: number, caller: Caller): Result<number> {
    const q = this.queues.get(h);
    if (!q) return E.EBADF;
    if (src.length % EVENT_RECORD !== 0) return E.EINVAL;
    const proc = this.k.procs.get(caller.pid);
    if (!proc) return E.ESRCH;
    const v = new DataView(src.buffer, src.byteOffset, src.length);
    for (let off = 0; off < src.length; off += EVENT_RECORD) {
      const fd = v.getFloat64(off, true);
      const flags = v.getFloat64(off + 8, true);
      const token = v.getFloat64(off + 16, true);
      const e = proc.fds.get(fd);
      if (!e) return E.EBADF;
      if (flags === EVENT_BELL) {
        const ring = e.desc.scheme.bell(e.desc.handle);
        if (!ring) return E.EINVAL;
        this.dropBell(q);
        q.bell = { desc: e.desc, ring, cancels: [] };
      } else if (flags === 0) {
        q.watches.delete(e.desc);
        if (q.bell?.desc === e.desc) this.dropBell(q);
      } else q.watches.set(e.desc, { fd, desc: e.desc, flags, token });
    }
    q.changed.wake();
    this.armBell(q);
    return src.length;
  }

  /**
   * Rings the queue's bell if something watched is ready, and waits on everything watched
   * (and on changes to the list) to look again: a reader that never blocks, ringing instead.
   */
  private armBell(q: Queue): void {
    const b = q.bell;
    if (!b) return;
    for (const c of b.cancels) c();
    b.cancels.length = 0;
    if (b.desc.refs === 0) {
      q.bell = null;
      return;
    }
    const again = (): void => this.armBell(q);
    let ready = false;
    for (const [desc, w] of q.watches) {
      if (desc.refs === 0) continue;
      const { ready: r, queue } = desc.scheme.poll(desc.handle);
      if (r & w.flags) ready = true;
      if (queue) b.cancels.push(queue.add(again));
    }
    b.cancels.push(q.changed.add(again));
    if (ready) b.ring();
  }

  private dropBell(q: Queue): void {
    for (const c of q.bell?.cancels ?? []) c();
    q.bell = null;
  }

  override read(h: number, dst: Uint8Array): Answer<number> {
    const q = this.queues.get(h);
    if (!q) return E.EBADF;
    if (dst.length < EVENT_RECORD) return E.EINVAL;
    const v = new DataView(dst.buffer, dst.byteOffset, dst.length);
    const sleepOn: WaitQueue[] = [q.changed];
    let pos = 0;
    for (const [desc, w] of q.watches) {
      if (desc.refs === 0) {
        q.watches.delete(desc); // closed everywhere: forget it, as epoll does
        continue;
      }
      const { ready, queue } = desc.scheme.poll(desc.handle);
      const hit = ready & w.flags;
      if (hit && pos + EVENT_RECORD <= dst.length) {
        v.setFloat64(pos, w.fd, true);
        v.setFloat64(pos + 8, hit, true);
        v.setFloat64(pos + 16, w.token, true);
        pos += EVENT_RECORD;
      }
      if (queue) sleepOn.push(queue);
    }
    return pos > 0 ? pos : wouldBlock(...sleepOn);
  }

  override poll(h: number): { ready: number; queue: WaitQueue | null } {
    const q = this.queues.get(h);
    if (!q) return { ready: 0, queue: null };
    for (const [desc, w] of q.watches) if (desc.refs > 0 && desc.scheme.poll(desc.handle).ready & w.flags) return { ready: EVENT_READ, queue: q.changed };
    return { ready: 0, queue: q.changed };
  }

  override close(h: number): void {
    const q = this.queues.get(h);
    if (q) this.dropBell(q);
    this.queues.delete(h);
  }
}
