// The nic kernel scheme on its own (frames in and out, readiness, one holder, the config file,
// drops) over the host's loopback cable and switch links; its nic ring grant (fmap, doorbell,
// close with the holder); and the `--net` option parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { E, isErr } from '../src/abi/errno.js';
import { EVENT_READ, EVENT_WRITE } from '../src/abi/scheme.js';
import { N, NicRingView } from '../src/abi/nicring.js';
import { NicScheme, type NicRing } from '../src/kernel/schemes/nic.js';
import { WouldBlock } from '../src/kernel/waitqueue.js';
import { HostSwitch, LoopbackLink, parseNetOption } from '../src/host/node/nic.js';

const root = { pid: 1, uid: 0, gid: 0 };
const user = { pid: 2, uid: 1000, gid: 1000 };
const tick = () => new Promise((r) => setTimeout(r, 0));

function frame(n: number): Uint8Array {
  const f = new Uint8Array(60);
  f.fill(0xff, 0, 6);
  f[12] = 0x08;
  f[59] = n;
  return f;
}

test('nic: a loopback cable returns each frame written, one per read', async () => {
  const s = new NicScheme([new LoopbackLink(0x02_00_00_00_00_07, '10.1.0.1/24')]);
  assert.equal(s.open('0', 2, 0, user), E.EACCES);
  const o = s.open('0', 2, 0, root);
  assert.ok(!isErr(o));
  assert.equal(s.open('0', 2, 0, root), E.EBUSY, 'one holder at a time');
  const h = o.handle;
  const buf = new Uint8Array(2048);
  assert.ok(s.read(h, buf, 0) instanceof WouldBlock);
  assert.equal(s.poll(h).ready, EVENT_WRITE);
  assert.equal(s.write(h, frame(1)), 60);
  assert.equal(s.write(h, frame(2)), 60);
  assert.equal(s.write(h, new Uint8Array(10)), E.EINVAL, 'shorter than an Ethernet header');
  await tick();
  assert.equal(s.poll(h).ready, EVENT_READ | EVENT_WRITE);
  assert.equal(s.read(h, buf, 0), 60);
  assert.equal(buf[59], 1);
  assert.equal(s.read(h, buf, 0), 60);
  assert.equal(buf[59], 2);
  assert.ok(s.read(h, buf, 0) instanceof WouldBlock);
  // A frame larger than the reader's buffer is dropped rather than left at the head.
  s.write(h, new Uint8Array(1000).fill(1));
  s.write(h, frame(3));
  await tick();
  assert.equal(s.read(h, new Uint8Array(100), 0), E.EINVAL);
  assert.equal(s.read(h, buf, 0), 60);
  assert.equal(buf[59], 3);
  const c = s.open('0/config', 0, 0, root);
  assert.ok(!isErr(c));
  const n = s.read(c.handle, buf, 0) as number;
  const text = new TextDecoder().decode(buf.subarray(0, n));
  assert.match(text, /^name=loopback\nmac=02:00:00:00:00:07\nmtu=1500\naddr=10\.1\.0\.1\/24\nrx_frames=4\ntx_frames=4\nrx_drops=1\n$/);
  s.close(h);
  assert.ok(!isErr(s.open('0', 2, 0, root)), 'free again once closed');
  s.shutdown();
});

/** Frames as the batch form carries them: [u32 little-endian length][frame]... */
function records(...frames: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(frames.reduce((n, f) => n + 4 + f.length, 0));
  let pos = 0;
  for (const f of frames) {
    new DataView(out.buffer).setUint32(pos, f.length, true);
    out.set(f, pos + 4);
    pos += 4 + f.length;
  }
  return out;
}

test('nic: the batch form moves several length-prefixed frames per read and write', async () => {
  const s = new NicScheme([new LoopbackLink()]);
  const o = s.open('0/batch', 2, 0, root);
  assert.ok(!isErr(o));
  assert.equal(s.open('0', 2, 0, root), E.EBUSY, 'the batch form holds the link too');
  const h = o.handle;
  const three = records(frame(1), frame(2), frame(3));
  assert.equal(s.write(h, three), three.length);
  // A bad record anywhere refuses the whole write: nothing is sent.
  assert.equal(s.write(h, records(frame(4), new Uint8Array(10))), E.EINVAL, 'a record shorter than an Ethernet header');
  assert.equal(s.write(h, three.subarray(0, 70)), E.EINVAL, 'a record cut short');
  await tick();
  const buf = new Uint8Array(4096);
  assert.equal(s.read(h, buf, 0), three.length, 'all three frames in one read');
  assert.deepEqual(buf.subarray(0, three.length), three);
  assert.ok(s.read(h, buf, 0) instanceof WouldBlock);
  // A read takes only whole frames: what does not fit waits for the next one.
  s.write(h, three);
  await tick();
  assert.equal(s.read(h, buf.subarray(0, 150), 0), 128);
  assert.equal(buf[4 + 59], 1);
  assert.equal(buf[64 + 4 + 59], 2);
  assert.equal(s.read(h, buf, 0), 64);
  assert.equal(buf[4 + 59], 3);
  // A first frame larger than the whole buffer is dropped rather than left at the head.
  s.write(h, records(new Uint8Array(1000).fill(1), frame(5)));
  await tick();
  assert.equal(s.read(h, new Uint8Array(100), 0), E.EINVAL);
  assert.equal(s.read(h, buf, 0), 64);
  assert.equal(buf[4 + 59], 5);
  s.close(h);
  s.shutdown();
});

test('nic: switch links carry frames between two holders; frames with no holder are dropped', async () => {
  const sw = new HostSwitch();
  const a = new NicScheme([sw.link(0x02_00_00_00_00_0a)]);
  const b = new NicScheme([sw.link(0x02_00_00_00_00_0b)]);
  const ha = a.open('0', 2, 0, root);
  assert.ok(!isErr(ha));
  a.write(ha.handle, frame(3)); // broadcast: flooded to b, which nobody holds yet
  await tick();
  const hb = b.open('0', 2, 0, root);
  assert.ok(!isErr(hb));
  a.write(ha.handle, frame(4));
  await tick();
  const buf = new Uint8Array(2048);
  assert.equal(b.read(hb.handle, buf, 0), 60);
  assert.equal(buf[59], 4);
  assert.ok(b.read(hb.handle, buf, 0) instanceof WouldBlock);
  a.shutdown();
  b.shutdown();
});

test('nic: --net options', () => {
  assert.deepEqual(parseNetOption('none'), { mode: 'none', forwards: [] });
  assert.deepEqual(parseNetOption('user,hostfwd=tcp::8080-:80,hostfwd=tcp:127.0.0.1:2222-10.0.2.15:22'), {
    mode: 'user', forwards: [{ proto: 'tcp', hostPort: 8080, guestPort: 80, hostAddr: undefined }, { proto: 'tcp', hostPort: 2222, guestPort: 22, hostAddr: '127.0.0.1' }],
  });
  assert.deepEqual(parseNetOption('tap,ifname=mh1,addr=10.5.0.2/24,gateway=10.5.0.1'), { mode: 'tap', forwards: [], ifname: 'mh1', addr: '10.5.0.2/24', gateway: '10.5.0.1' });
  assert.match(parseNetOption('slirp') as string, /unknown network mode/);
  assert.match(parseNetOption('user,hostfwd=udp::53-:53') as string, /bad hostfwd/);
  assert.match(parseNetOption('user,ifname=x') as string, /unknown option/);
});

/** A link with a nic ring and no thread: the test plays the host thread's part on the ring. */
class RingLink extends LoopbackLink {
  view: NicRingView | null = null;
  closes = 0;
  openRing(): NicRing {
    const view = NicRingView.create(1514, 16384, 16384);
    this.view = view;
    return {
      buffer: view.buffer,
      close: () => {
        this.closes++;
        view.close();
      },
    };
  }
}

test('nic: fmap grants the holder a nic ring; the kernel rings for readiness and closes it with the descriptor', async () => {
  const link = new RingLink();
  const s = new NicScheme([link, new LoopbackLink()]);
  const cfg = s.open('0/config', 0, 0, root);
  assert.ok(!isErr(cfg));
  assert.equal(s.map(cfg.handle), E.ENODEV, 'only the frame stream has a ring');
  const o = s.open('0/batch', 2, 0, root);
  assert.ok(!isErr(o));
  const h = o.handle;
  const buf = s.map(h);
  assert.ok(buf instanceof SharedArrayBuffer);
  assert.equal(s.map(h), buf, 'one ring per holder');
  const other = s.open('1/batch', 2, 0, root);
  assert.ok(!isErr(other));
  assert.equal(s.map(other.handle), E.ENODEV, 'a link without a thread has no ring');
  const view = new NicRingView(buf);
  // Empty: not readable, and the kernel asked the thread to ring.
  assert.equal(s.poll(h).ready, EVENT_WRITE);
  assert.equal(Atomics.load(view.ctl, N.RX_WANTED), 1);
  let woken = 0;
  s.poll(h).queue!.add(() => woken++);
  assert.ok(view.rx.push(frame(1)));
  link.view!.ringRx();
  await tick();
  assert.equal(woken, 1, 'the doorbell woke the waiters through the kernel');
  assert.equal(s.poll(h).ready, EVENT_READ | EVENT_WRITE);
  // Frames the link hands the kernel while a ring is mapped are dropped, not queued.
  s.write(h, records(frame(2)));
  await tick();
  assert.ok(s.read(h, new Uint8Array(4096), 0) instanceof WouldBlock);
  const n = s.read(cfg.handle, new Uint8Array(4096), 0) as number;
  assert.ok(n > 0);
  // Closing the holder (as when netd exits or dies) closes the ring and frees the link.
  s.close(h);
  assert.equal(link.closes, 1);
  assert.ok(view.closed);
  const again = s.open('0/batch', 2, 0, root);
  assert.ok(!isErr(again));
  const fresh = s.map(again.handle);
  assert.ok(fresh instanceof SharedArrayBuffer && fresh !== buf, 'a new holder gets a new ring');
  s.close(again.handle);
  s.shutdown();
});
