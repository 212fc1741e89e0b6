// The fault-injecting link and the `--net` options that make it (and a link's MTU).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NicLink } from '../../kernel/schemes/nic.js';
import { FaultLink } from './fault_link.js';
import { parseNetOption, type LinkFaults } from './nic.js';

/** A link that records what is sent and lets the test deliver frames. */
class Wire implements NicLink {
  readonly name = 'wire';
  readonly config = 'name=wire\nmtu=1500\n';
  sent: number[] = [];
  rx: ((f: Uint8Array) => void) | null = null;
  closed = false;
  attach(rx: (f: Uint8Array) => void): void {
    this.rx = rx;
  }
  send(frame: Uint8Array): boolean {
    this.sent.push(frame[0]!);
    return true;
  }
  close(): void {
    this.closed = true;
  }
}

const none: LinkFaults = { loss: 0, duplicate: 0, reorder: 0, delay: 0, jitter: 0, seed: 1 };
const frame = (n: number) => Uint8Array.of(n, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('fault link: --net takes mtu= and fault options, and refuses bad values', () => {
  assert.deepEqual(parseNetOption('tap,ifname=mh2,mtu=65521,loss=0.05,reorder=0.1,delay=2,seed=9'), {
    mode: 'tap', forwards: [], ifname: 'mh2', mtu: 65521, faults: { ...none, loss: 0.05, reorder: 0.1, delay: 2, seed: 9 },
  });
  assert.deepEqual(parseNetOption('loopback,duplicate=0.5'), { mode: 'loopback', forwards: [], faults: { ...none, duplicate: 0.5 } });
  assert.match(parseNetOption('tap,mtu=70000') as string, /bad mtu/);
  assert.match(parseNetOption('tap,mtu=1500x') as string, /bad mtu/);
  assert.match(parseNetOption('user,mtu=9000') as string, /unknown option/);
  assert.match(parseNetOption('tap,loss=2') as string, /bad loss '2' \(0 to 1\)/);
  assert.match(parseNetOption('tap,delay=') as string, /bad delay/);
  assert.match(parseNetOption('none,loss=0.1') as string, /unknown option/);
  assert.match(parseNetOption('tap,toString=1') as string, /unknown option/);
});

test('fault link: without faults every frame passes both ways, in order', () => {
  const w = new Wire();
  const l = new FaultLink(w, none);
  const got: number[] = [];
  l.attach((f) => got.push(f[0]!));
  for (let i = 0; i < 10; i++) {
    w.rx!(frame(i));
    l.send(frame(100 + i));
  }
  assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(w.sent, [100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
  l.close();
  assert.ok(w.closed);
});

test('fault link: loss drops about its share, the same frames for the same seed', () => {
  const run = (seed: number) => {
    const w = new Wire();
    const l = new FaultLink(w, { ...none, loss: 0.2, seed });
    for (let i = 0; i < 1000; i++) l.send(frame(i & 255));
    return { sent: w.sent, stats: l.stats };
  };
  const a = run(3);
  assert.ok(a.stats.lost > 150 && a.stats.lost < 250, `lost ${a.stats.lost} of 1000`);
  assert.equal(a.sent.length, 1000 - a.stats.lost);
  assert.deepEqual(run(3).sent, a.sent);
  assert.notDeepEqual(run(4).sent, a.sent);
});

test('fault link: delayed frames arrive later, reordered ones after those sent behind them, duplicates twice', async () => {
  const w = new Wire();
  const l = new FaultLink(w, { ...none, delay: 1, reorder: 0.3, duplicate: 0.1, seed: 5 });
  for (let i = 0; i < 50; i++) l.send(frame(i));
  assert.deepEqual(w.sent, [], 'nothing leaves before its delay');
  await sleep(30);
  assert.equal(w.sent.length, 50 + l.stats.duplicated);
  assert.ok(l.stats.reordered > 0 && l.stats.duplicated > 0);
  const inOrder = w.sent.every((v, i) => i === 0 || v >= w.sent[i - 1]!);
  assert.ok(!inOrder, 'some frames were overtaken');
  assert.deepEqual([...new Set(w.sent)].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  l.close();
});

test('fault link: closing drops the frames still waiting', async () => {
  const w = new Wire();
  const l = new FaultLink(w, { ...none, delay: 5 });
  l.send(frame(1));
  l.close();
  await sleep(20);
  assert.deepEqual(w.sent, []);
});
