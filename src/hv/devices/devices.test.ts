// Device-model tests through their registers: the 16550 UART (transmit, receive, interrupt
// identification), the PLIC (priorities, thresholds, claim/complete, level re-triggering) and
// the CLINT (mtimecmp against the clock, msip), each with save/restore.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatchedIrq } from '../device.js';
import { Uart16550 } from './uart16550.js';
import { Plic } from '../riscv/plic.js';
import { Clint } from '../riscv/clint.js';
import { VirtualClock } from '../clock.js';
import { Irq } from '../riscv/engine.js';

class FakeHart {
  lines = new Map<Irq, boolean>();
  setLine(irq: Irq, level: boolean): void {
    this.lines.set(irq, level);
  }
  level(irq: Irq): boolean {
    return this.lines.get(irq) ?? false;
  }
}

test('16550: THR writes reach the output; LSR, IIR and the receive interrupt', () => {
  const irq = new LatchedIrq();
  const out: number[] = [];
  const u = new Uart16550(irq, (b) => out.push(b));
  u.write(0, 1, 0x41);
  assert.deepEqual(out, [0x41]);
  assert.equal(u.read(5, 1) & 0x60, 0x60, 'THRE and TEMT');
  assert.equal(u.read(2, 1) & 1, 1, 'no interrupt while IER is 0');
  u.write(1, 1, 0x01); // ERBFI
  u.input([0x62, 0x63]);
  assert.ok(irq.level);
  assert.equal(u.read(2, 1) & 0x0f, 0x04);
  assert.equal(u.read(5, 1) & 1, 1);
  assert.equal(u.read(0, 1), 0x62);
  assert.equal(u.read(0, 1), 0x63);
  assert.equal(irq.level, false);
  assert.equal(u.read(5, 1) & 1, 0);
});

test('16550: enabling the THR-empty interrupt raises it; reading IIR clears it', () => {
  const irq = new LatchedIrq();
  const u = new Uart16550(irq, () => {});
  u.write(1, 1, 0x02);
  assert.ok(irq.level);
  assert.equal(u.read(2, 1) & 0x0f, 0x02);
  assert.equal(irq.level, false);
  u.write(0, 1, 0x20);
  assert.ok(irq.level, 'raised again after a transmit');
});

test('16550: divisor latch and save/restore', () => {
  const u = new Uart16550(new LatchedIrq(), () => {});
  u.write(3, 1, 0x80);
  u.write(0, 1, 0x01);
  u.write(1, 1, 0x02);
  u.write(3, 1, 0x03);
  u.input([1, 2, 3]);
  const s = JSON.parse(JSON.stringify(u.save()));
  const v = new Uart16550(new LatchedIrq(), () => {});
  v.restore(s);
  assert.equal(v.read(3, 1), 0x03);
  v.write(3, 1, 0x83);
  assert.equal(v.read(0, 1), 0x01);
  assert.equal(v.read(1, 1), 0x02);
  v.write(3, 1, 0x03);
  assert.equal(v.read(0, 1), 1);
});

test('PLIC: priority, enable, threshold, claim and complete route to SEIP', () => {
  const h = new FakeHart();
  const p = new Plic([h]);
  const line = p.line(10);
  line.set(true);
  assert.equal(h.level(Irq.SEI), false, 'priority 0 never interrupts');
  p.write(4 * 10, 4, 1); // priority
  p.write(0x2000 + 0x80 * 1, 4, 1 << 10); // enable in context 1 (S-mode)
  assert.equal(h.level(Irq.SEI), true);
  assert.equal(h.level(Irq.MEI), false);
  p.write(0x200000 + 0x1000, 4, 1); // threshold 1 masks priority 1
  assert.equal(h.level(Irq.SEI), false);
  p.write(0x200000 + 0x1000, 4, 0);
  assert.equal(p.read(0x1000, 4), 1 << 10, 'pending bit');
  assert.equal(p.read(0x200004 + 0x1000, 4), 10, 'claim');
  assert.equal(h.level(Irq.SEI), false, 'claimed: no longer pending');
  p.write(0x200004 + 0x1000, 4, 10);
  assert.equal(h.level(Irq.SEI), true, 'still high after complete: pending again');
  assert.equal(p.read(0x200004 + 0x1000, 4), 10);
  line.set(false);
  p.write(0x200004 + 0x1000, 4, 10);
  assert.equal(h.level(Irq.SEI), false);
  assert.equal(p.read(0x200004 + 0x1000, 4), 0, 'nothing to claim');
});

test('PLIC: the higher priority source is claimed first; state survives save/restore', () => {
  const h = new FakeHart();
  const p = new Plic([h]);
  p.write(4 * 3, 4, 2);
  p.write(4 * 5, 4, 6);
  p.write(0x2000, 4, (1 << 3) | (1 << 5)); // context 0: M-mode
  p.line(3).set(true);
  p.line(5).set(true);
  assert.equal(h.level(Irq.MEI), true);
  const s = JSON.parse(JSON.stringify(p.save()));
  const q = new Plic([h]);
  q.restore(s);
  assert.equal(q.read(0x200004, 4), 5);
  assert.equal(q.read(0x200004, 4), 3);
});

test('CLINT: MTIP follows mtime against mtimecmp; msip drives MSIP', () => {
  const h = new FakeHart();
  const clock = new VirtualClock();
  const c = new Clint([h], clock);
  c.write(0x4000, 4, 1000);
  c.write(0x4004, 4, 0);
  assert.equal(h.level(Irq.MTI), false);
  assert.equal(c.nextDeadline(), 1000n);
  clock.advanceTo(1000n);
  c.tick();
  assert.equal(h.level(Irq.MTI), true);
  assert.equal(c.read(0xbff8, 4), 1000);
  c.write(0, 4, 1);
  assert.equal(h.level(Irq.MSI), true);
  const s = JSON.parse(JSON.stringify(c.save()));
  const d = new Clint([h], clock);
  d.restore(s);
  assert.equal(d.read(0x4000, 4), 1000);
  assert.equal(d.read(0, 4), 1);
});
