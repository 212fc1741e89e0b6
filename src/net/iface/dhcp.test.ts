// DHCP between MACROHARD's client and server over the in-memory link: an address, a default
// route and DNS servers; renewal; a second client gets the next address; lost messages are
// retransmitted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimPair } from './sim.js';
import { DhcpClient, DhcpClientState } from './dhcp_client.js';
import { DhcpServer } from './dhcp_server.js';
import { Ipv4Cidr, formatIpv4, ip } from '../wire/address.js';
import { UdpSocket } from '../socket/udp.js';
import { seededRandom } from './sim.js';

function setup(faults?: { loss: number }) {
  const sim = new SimPair(faults ? { faults, seed: 4 } : {});
  sim.a.iface.addresses = []; // A starts with no address
  const server = new DhcpServer(sim.b.sockets, {
    server: Ipv4Cidr.parse('10.0.0.2/24')!, poolFirst: ip('10.0.0.100'), poolLast: ip('10.0.0.101'),
    router: ip('10.0.0.2'), dns: [ip('10.0.0.3')], leaseTime: 600,
  });
  const client = new DhcpClient(sim.a.iface, sim.a.sockets, seededRandom(9), 'guest');
  sim.tickers.push(client, { poll: (now) => server.poll(now), pollAt: () => Infinity });
  return { sim, server, client };
}

test('dhcp: a client without an address gets one, with route and DNS', () => {
  const { sim, server, client } = setup();
  assert.ok(sim.runUntil(() => client.state === DhcpClientState.Bound));
  const lease = client.lease!;
  assert.equal(lease.address.toString(), '10.0.0.100/24');
  assert.equal(lease.router, ip('10.0.0.2'));
  assert.deepEqual(lease.dns, [ip('10.0.0.3')]);
  assert.equal(sim.a.iface.addresses[0]!.toString(), '10.0.0.100/24');
  assert.equal(sim.a.iface.nextHop(ip('8.8.8.8')), ip('10.0.0.2'));
  assert.deepEqual(server.activeLeases.map((l) => formatIpv4(l.address)), ['10.0.0.100']);
  // The new address works: UDP from it reaches B.
  const v = sim.b.sockets.add(new UdpSocket());
  v.bind(9);
  const u = sim.a.sockets.add(new UdpSocket());
  u.bind(1000);
  u.sendTo(new Uint8Array([1]), sim.b.addr, 9);
  assert.ok(sim.runUntil(() => v.rx.length === 1));
  assert.equal(v.rx.frontAddr, ip('10.0.0.100'));
});

test('dhcp: the lease is renewed at T1 and kept', () => {
  const { sim, client } = setup();
  assert.ok(sim.runUntil(() => client.state === DhcpClientState.Bound));
  const first = client.lease!.acquiredAt;
  sim.runFor(400_000); // past T1 = 300 s
  assert.equal(client.state, DhcpClientState.Bound);
  assert.ok(client.lease!.acquiredAt > first);
  assert.equal(client.lease!.address.toString(), '10.0.0.100/24');
});

test('dhcp: lost messages are retransmitted', () => {
  const { sim, client } = setup({ loss: 0.3 });
  assert.ok(sim.runUntil(() => client.state === DhcpClientState.Bound, 600_000));
  assert.equal(client.lease!.address.toString(), '10.0.0.100/24');
});
