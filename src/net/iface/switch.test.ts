// The virtual switch: three stacks on one switch, addresses from the DHCP server on one of
// them, TCP between the other two, and unicast frames that stop flooding once addresses are
// learned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualSwitch } from './switch.js';
import { Interface } from './interface.js';
import { DhcpServer } from './dhcp_server.js';
import { DhcpClient, DhcpClientState } from './dhcp_client.js';
import { seededRandom } from './sim.js';
import { SocketSet } from '../socket/set.js';
import { TcpSocket, TcpState } from '../socket/tcp.js';
import { Ipv4Cidr, ip } from '../wire/address.js';
import type { Device } from './device.js';
import type { SwitchPort } from './switch.js';
import { pattern } from '../testkit.js';

interface Node {
  iface: Interface;
  sockets: SocketSet;
  device: Device;
}

test('switch: DHCP for two guests, then TCP between them through the switch', () => {
  const sw = new VirtualSwitch();
  const mk = (n: number, addrs: Ipv4Cidr[]): Node => ({
    iface: new Interface({ hardwareAddr: 0x0252_5400_0000 + n, addresses: addrs, random: seededRandom(n) }),
    sockets: new SocketSet(),
    device: sw.port(),
  });
  const host = mk(1, [Ipv4Cidr.parse('10.0.2.2/24')!]);
  const g1 = mk(2, []);
  const g2 = mk(3, []);
  const nodes = [host, g1, g2];
  const server = new DhcpServer(host.sockets, { server: host.iface.addresses[0]!, poolFirst: ip('10.0.2.15'), poolLast: ip('10.0.2.30'), router: ip('10.0.2.2') });
  const c1 = new DhcpClient(g1.iface, g1.sockets, seededRandom(11));
  const c2 = new DhcpClient(g2.iface, g2.sockets, seededRandom(12));
  let now = 0;
  const runUntil = (done: () => boolean, limit = 600_000) => {
    while (!done()) {
      server.poll(now);
      c1.poll(now);
      c2.poll(now);
      let moved = false;
      for (const n of nodes) if (n.iface.poll(now, n.device, n.sockets)) moved = true;
      if (moved || done()) continue;
      const t = Math.min(c1.pollAt(), c2.pollAt(), ...nodes.map((n) => n.iface.pollAt(now, n.sockets)));
      if (t > limit) return false;
      now = Math.max(now + 1, t);
    }
    return true;
  };
  assert.ok(runUntil(() => c1.state === DhcpClientState.Bound && c2.state === DhcpClientState.Bound));
  const a1 = c1.lease!.address.address;
  const a2 = c2.lease!.address.address;
  assert.notEqual(a1, a2);
  assert.deepEqual([a1, a2].sort(), [ip('10.0.2.15'), ip('10.0.2.16')]);

  const l = g2.sockets.add(new TcpSocket());
  l.listen(80);
  const c = g1.sockets.add(new TcpSocket());
  c.connect(a2, 80, 40000);
  let s: TcpSocket | null = null;
  assert.ok(runUntil(() => (s ??= l.accept()) !== null && c.state === TcpState.Established));
  const floodedBefore = sw.flooded;
  const hostFramesBefore = (host.device as SwitchPort).inbox.length + host.iface.stats.ethernet.rx;
  const data = pattern(200_000);
  const got = new Uint8Array(data.length);
  let sent = 0;
  let n = 0;
  const buf = new Uint8Array(65536);
  assert.ok(runUntil(() => {
    if (sent < data.length) sent += c.send(data.subarray(sent)) as number;
    for (let k = s!.recv(buf); typeof k === 'number' && k > 0; k = s!.recv(buf)) got.set(buf.subarray(0, k), (n += k) - k);
    return n === data.length;
  }));
  assert.deepEqual(got, data);
  // Learned: the bulk transfer was not flooded, so the host saw none of it.
  assert.equal(sw.flooded, floodedBefore);
  assert.equal((host.device as SwitchPort).inbox.length + host.iface.stats.ethernet.rx, hostFramesBefore);
});
