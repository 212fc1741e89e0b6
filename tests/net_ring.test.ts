// netd over nic rings without a TAP device: two kernels on an in-process switch, each link
// served through a nic ring whose host side the test plays (a pump moving frames between the
// ring and the switch port, as the TAP threads move them between the ring and the device).
// netd maps the rings, ping and TCP cross them, and when netd dies the kernel closes its ring;
// a netd started again maps a fresh one and the link works again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NicRingView } from '../src/abi/nicring.js';
import type { NicLink, NicRing } from '../src/kernel/schemes/nic.js';
import { NicScheme } from '../src/kernel/schemes/nic.js';
import { HostSwitch } from '../src/host/node/nic.js';
import { bootKernel, waitFor } from './kernel-harness.js';
import { killAll, startNetd, waitListening } from './net-harness.js';

/** A switch port offered as a ring link; a timer plays the host thread while a ring is open. */
class RingPort implements NicLink {
  readonly name: string;
  readonly config: string;
  opened = 0;
  closed = 0;
  private ring: NicRingView | null = null;
  private rx: ((f: Uint8Array) => void) | null = null;
  private pump: NodeJS.Timeout | null = null;

  constructor(private readonly port: NicLink) {
    this.name = port.name;
    this.config = port.config;
  }

  attach(rx: (f: Uint8Array) => void): void {
    this.rx = rx;
    this.port.attach((f) => {
      if (!this.ring) return this.rx?.(f);
      this.ring.rx.push(f);
      this.ring.ringRx();
    });
  }

  send(frame: Uint8Array): boolean {
    return this.port.send(frame);
  }

  openRing(): NicRing {
    const view = NicRingView.create(1514, 65536, 65536);
    this.ring = view;
    this.opened++;
    this.pump = setInterval(() => {
      for (let f = view.tx.peek(); f instanceof Uint8Array; f = view.tx.peek()) {
        this.port.send(f);
        view.tx.release();
      }
    }, 1);
    return {
      buffer: view.buffer,
      close: () => {
        this.closed++;
        view.close();
        clearInterval(this.pump!);
        this.ring = null;
      },
    };
  }

  close(): void {
    if (this.pump) clearInterval(this.pump);
    this.port.close();
  }
}

test('netd: links served through nic rings carry ping and TCP; a dead netd\'s ring is closed, a new netd maps a new one', async () => {
  const sw = new HostSwitch();
  const a = bootKernel(3);
  const b = bootKernel(3);
  const pa = new RingPort(sw.link(0x02_00_00_00_0d_01, '10.9.2.1/24'));
  const pb = new RingPort(sw.link(0x02_00_00_00_0d_02, '10.9.2.2/24'));
  try {
    a.k.register(new NicScheme([pa]));
    b.k.register(new NicScheme([pb]));
    await startNetd(a);
    await startNetd(b);
    assert.equal(pa.opened, 1, 'netd mapped its ring');
    const ping = await a.run('ping', ['ping', '-c', '2', '-i', '0.05', '10.9.2.2']);
    assert.match(ping.stdout, /2 packets transmitted, 2 received/, ping.stdout + ping.stderr);
    const server = b.run('nc', ['nc', '-l', '7401']);
    await waitListening(b, 'tcp', 7401);
    const text = 'through the rings\n'.repeat(20000);
    const c = await a.run('nc', ['nc', '10.9.2.2', '7401'], { stdin: text });
    assert.equal(c.code, 0, c.stderr);
    assert.equal((await server).stdout, text);
    const cfg = await b.run('cat', ['cat', '/scheme/nic/0/config']);
    assert.match(cfg.stdout, /ring=on\ntx_bad=0\n/);

    killAll(b, 'netd');
    await waitFor(() => pb.closed === 1, 5000);
    await startNetd(b);
    assert.equal(pb.opened, 2);
    const again = await a.run('ping', ['ping', '-c', '1', '10.9.2.2']);
    assert.match(again.stdout, /1 received/, again.stdout + again.stderr);
  } finally {
    a.shutdown();
    b.shutdown();
  }
});
