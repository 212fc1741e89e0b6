// TCP between two stacks over an in-memory link: handshake, data both ways, orderly close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimPair } from '../iface/sim.js';
import { TcpSocket, TcpState } from './tcp.js';

function pattern(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

test('tcp: handshake, transfer and close', () => {
  const sim = new SimPair();
  const listener = sim.b.sockets.add(new TcpSocket());
  assert.equal(listener.listen(80), null);
  const client = sim.a.sockets.add(new TcpSocket());
  assert.equal(client.connect(sim.b.addr, 80, 40000), null);
  assert.ok(sim.runUntil(() => client.state === TcpState.Established));
  let server: TcpSocket | null = null;
  assert.ok(sim.runUntil(() => (server = listener.accept()) !== null));
  assert.equal(server!.state, TcpState.Established);

  const data = pattern(200_000);
  let sent = 0;
  const got: Uint8Array[] = [];
  const buf = new Uint8Array(8192);
  let total = 0;
  assert.ok(sim.runUntil(() => {
    if (sent < data.length) sent += client.send(data.subarray(sent)) as number;
    for (;;) {
      const n = server!.recv(buf);
      if (typeof n !== 'number' || n === 0) break;
      got.push(buf.slice(0, n));
      total += n;
    }
    return total === data.length;
  }));
  assert.deepEqual(Buffer.concat(got), Buffer.from(data));
  client.close();
  assert.ok(sim.runUntil(() => server!.recv(buf) === 'finished'));
  server!.close();
  assert.ok(sim.runUntil(() => client.state === TcpState.TimeWait && server!.state === TcpState.Closed));
  sim.runFor(61_000);
  assert.equal(client.state, TcpState.Closed);
});
