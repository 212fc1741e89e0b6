// TCP over a bad link: loss, reordering, duplication, corruption and delay from the fault
// injector, with every byte checked at the far end and the counters saying what happened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimPair } from '../iface/sim.js';
import { TcpState } from './tcp.js';
import { connectPair, pattern, transfer } from '../testkit.js';

test('tcp under 5% loss, 5% reordering and 5% duplication delivers the right bytes both ways', () => {
  const sim = new SimPair({ faults: { loss: 0.05, reorder: 0.05, duplicate: 0.05, delay: 2, jitter: 1 }, seed: 7 });
  const { client, server } = connectPair(sim);
  const up = pattern(1_000_000, 3);
  const down = pattern(500_000, 4);
  assert.deepEqual(transfer(sim, client, server, up), up);
  assert.deepEqual(transfer(sim, server, client, down), down);
  const f = sim.faults[0]!.stats;
  assert.ok(f.lost > 0 && f.duplicated > 0 && f.reordered > 0, JSON.stringify(f));
  const ta = sim.a.iface.stats.tcp;
  const tb = sim.b.iface.stats.tcp;
  // Losses were repaired by fast retransmit (and timeouts), duplicates dropped as old.
  assert.ok(ta.count('fast-retransmit') > 0);
  assert.ok(ta.count('retransmit') > 0);
  assert.ok(tb.count('out-of-order') > 0);
  assert.ok(tb.dropped('out-of-window') + tb.count('duplicate-data') > 0);
  client.close();
  server.close();
  assert.ok(sim.runUntil(() => client.state === TcpState.Closed && server.state === TcpState.Closed, sim.now + 600_000));
  assert.equal(client.error, null);
  assert.equal(server.error, null);
});

test('tcp: corrupted frames are dropped by checksums and repaired', () => {
  const sim = new SimPair({ faults: { corrupt: 0.05 }, seed: 3 });
  const { client, server } = connectPair(sim);
  const data = pattern(500_000, 9);
  assert.deepEqual(transfer(sim, client, server, data), data);
  const drops = sim.b.iface.stats.ipv4.dropped('checksum') + sim.b.iface.stats.tcp.dropped('checksum') + sim.b.iface.stats.ipv4.dropped('malformed') + sim.b.iface.stats.ipv4.dropped('truncated');
  assert.ok(sim.faults[1]!.stats.corrupted > 0);
  assert.ok(drops > 0, JSON.stringify(sim.b.iface.stats));
});

test('tcp: heavy loss (20%) still completes, through timeouts and backoff', () => {
  const sim = new SimPair({ faults: { loss: 0.2, delay: 10 }, seed: 11 });
  const { client, server } = connectPair(sim);
  const data = pattern(100_000, 5);
  assert.deepEqual(transfer(sim, client, server, data), data);
  assert.ok(sim.a.iface.stats.tcp.count('retransmit-timeout') > 0);
});

test('tcp: a peer that vanishes mid-transfer times the connection out', () => {
  const sim = new SimPair({ faults: {}, seed: 2 });
  const { client } = connectPair(sim, 80, {}, { maxRetries: 5 });
  for (const f of sim.faults) f.config.loss = 1;
  client.send(pattern(10_000));
  assert.ok(sim.runUntil(() => client.state === TcpState.Closed, sim.now + 3_600_000));
  assert.equal(client.error, 'timeout');
  assert.equal(sim.a.iface.stats.tcp.count('timeout-abort'), 1);
  // Backoff doubled the RTO each time: 1+2+4+8+16+32 s at least.
  assert.ok(sim.now >= 63_000, `gave up after ${sim.now} ms`);
});

test('tcp: keepalive probes find a dead peer', () => {
  const sim = new SimPair({ faults: {}, seed: 2 });
  const { client, server } = connectPair(sim, 80, {}, { keepAlive: 10_000, keepAliveInterval: 1_000, keepAliveProbes: 3 });
  // While the peer is alive the probes are answered and nothing ends.
  sim.runFor(35_000);
  assert.equal(client.state, TcpState.Established);
  assert.ok(sim.a.iface.stats.tcp.count('keepalive-probe') >= 3);
  for (const f of sim.faults) f.config.loss = 1;
  assert.ok(sim.runUntil(() => client.state === TcpState.Closed, sim.now + 60_000));
  assert.equal(client.error, 'timeout');
  assert.equal(server.state, TcpState.Established); // it never heard a thing
});

test('tcp: a closed receive window is probed and reopened (persist timer)', () => {
  const sim = new SimPair();
  const { client, server } = connectPair(sim, 80, { rxBufferSize: 8192 });
  const data = pattern(100_000, 6);
  let sent = 0;
  // The server does not read: the window closes and the sender waits.
  sim.runUntil(() => {
    const n = client.send(data.subarray(sent));
    if (typeof n === 'number') sent += n;
    return false;
  }, sim.now + 20_000);
  assert.equal(server.recvQueue, 8192);
  assert.equal(client.sndWnd, 0);
  assert.ok(sim.a.iface.stats.tcp.count('window-probe') > 0);
  // Reading reopens the window; the rest flows.
  const got = new Uint8Array(data.length);
  let received = 0;
  const buf = new Uint8Array(4096);
  assert.ok(sim.runUntil(() => {
    if (sent < data.length) sent += client.send(data.subarray(sent)) as number;
    for (let n = server.recv(buf); typeof n === 'number' && n > 0; n = server.recv(buf)) {
      got.set(buf.subarray(0, n), received);
      received += n;
    }
    return received === data.length;
  }, sim.now + 600_000));
  assert.deepEqual(got, data);
});

test('tcp: 40 seeded runs of simultaneous two-way transfers and closes over assorted bad links', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const faults = { loss: (seed % 4) * 0.04, reorder: (seed % 3) * 0.05, duplicate: (seed % 5) * 0.03, delay: seed % 7, jitter: seed % 3, corrupt: seed % 6 === 0 ? 0.02 : 0 };
    const sim = new SimPair({ faults, seed });
    const opts = seed % 2 ? {} : { rxBufferSize: 8192 + seed * 100, txBufferSize: 5000, noDelay: seed % 4 === 0, timestamps: seed % 3 !== 0, sack: seed % 5 !== 0, ackDelay: seed % 3 === 0 ? 0 : 40 };
    const { client: c, server: s } = connectPair(sim, 80, opts, opts);
    const up = pattern(100_000 + seed * 1000, seed);
    const down = pattern(80_000 + seed * 777, seed + 100);
    const gotUp = new Uint8Array(up.length);
    const gotDown = new Uint8Array(down.length);
    let su = 0, sd = 0, ru = 0, rd = 0;
    const buf = new Uint8Array(3000 + seed * 10);
    const ok = sim.runUntil(() => {
      if (su < up.length) su += c.send(up.subarray(su, su + 7000)) as number;
      if (sd < down.length) sd += s.send(down.subarray(sd, sd + 5000)) as number;
      for (let n = s.recv(buf); typeof n === 'number' && n > 0; n = s.recv(buf)) gotUp.set(buf.subarray(0, n), (ru += n) - n);
      for (let n = c.recv(buf); typeof n === 'number' && n > 0; n = c.recv(buf)) gotDown.set(buf.subarray(0, n), (rd += n) - n);
      if (su === up.length && !c.finQueued) c.close();
      if (sd === down.length && !s.finQueued) s.close();
      return ru === up.length && rd === down.length && c.state === TcpState.Closed && s.state === TcpState.Closed;
    }, sim.now + 30_000_000);
    const where = `seed ${seed} ${JSON.stringify(faults)} ${JSON.stringify(opts)}`;
    assert.ok(ok, `${where}: ${ru}/${up.length} ${rd}/${down.length} ${c.state} ${s.state}`);
    assert.deepEqual(gotUp, up, where);
    assert.deepEqual(gotDown, down, where);
    assert.equal(c.error, null, where);
    assert.equal(s.error, null, where);
  }
});
