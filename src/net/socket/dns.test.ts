// The stub resolver against a small DNS server run on the other stack: addresses, CNAME
// chains, NXDOMAIN, a dead first server, lost datagrams, and answers that do not match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimPair, seededRandom } from '../iface/sim.js';
import { DnsResolver } from './dns.js';
import { UdpSocket } from './udp.js';
import { DnsPacket, DnsRcode, DnsType, dnsBufferLen, emitDns, parseDns, type DnsRecord, type DnsRepr } from '../wire/dns.js';
import { formatIpv4, ip } from '../wire/address.js';

const ZONE: Record<string, DnsRecord['data'][]> = {
  'host.test': [{ type: DnsType.A, address: ip('10.9.8.7') }, { type: DnsType.A, address: ip('10.9.8.6') }],
  'www.test': [{ type: DnsType.CNAME, name: 'host.test' }],
};

/** Answers from ZONE on port 53 of host B; `spoof` makes it answer with a wrong id first. */
function dnsServer(sim: SimPair, spoof = false) {
  const s = sim.b.sockets.add(new UdpSocket());
  s.bind(53);
  const buf = new Uint8Array(1500);
  return {
    poll() {
      for (let d = s.recvFrom(buf); typeof d === 'object'; d = s.recvFrom(buf)) {
        const q = parseDns(DnsPacket.checked(buf.subarray(0, d.len)) as DnsPacket) as DnsRepr;
        const name = q.questions[0]!.name;
        const answers: DnsRecord[] = [];
        for (let n: string | null = name; n && ZONE[n]; ) {
          const recs: DnsRecord['data'][] = ZONE[n]!;
          for (const data of recs) answers.push({ name: n, class: 1, ttl: 60, data });
          const c = recs.find((x) => x.type === DnsType.CNAME);
          n = c && 'name' in c ? c.name : null;
        }
        const reply = { ...q, response: true, recursionAvailable: true, rcode: answers.length ? DnsRcode.NoError : DnsRcode.NXDomain, answers };
        const send = (r: DnsRepr) => {
          const b = new Uint8Array(dnsBufferLen(r));
          emitDns(r, b);
          s.sendTo(b, d.addr, d.port);
        };
        if (spoof) send({ ...reply, id: (q.id + 1) & 0xffff, answers: [{ name, class: 1, ttl: 60, data: { type: DnsType.A, address: ip('6.6.6.6') } }] });
        send(reply);
      }
    },
    pollAt: () => Infinity,
  };
}

function resolve(sim: SimPair, r: DnsResolver, name: string) {
  const h = r.query(name, sim.now);
  assert.equal(typeof h, 'number');
  let res = r.result(h as number);
  sim.runUntil(() => (res = r.result(h as number)) !== 'pending', sim.now + 120_000);
  return Array.isArray(res) ? res.map(formatIpv4) : res;
}

test('dns: A records, CNAME chains and NXDOMAIN', () => {
  const sim = new SimPair();
  const r = new DnsResolver(sim.a.sockets, [sim.b.addr], seededRandom(3));
  sim.tickers.push(r, dnsServer(sim));
  assert.deepEqual(resolve(sim, r, 'host.test'), ['10.9.8.7', '10.9.8.6']);
  assert.deepEqual(resolve(sim, r, 'WWW.test.'), ['10.9.8.7', '10.9.8.6']);
  assert.equal(resolve(sim, r, 'nope.test'), 'nxdomain');
  assert.equal(r.query('bad..name', sim.now), 'invalid-name');
});

test('dns: a dead first server, lost datagrams and mismatched answers', () => {
  const sim = new SimPair({ faults: { loss: 0.3 }, seed: 8 });
  const r = new DnsResolver(sim.a.sockets, [ip('10.0.0.99'), sim.b.addr], seededRandom(5), { attempts: 10 });
  sim.tickers.push(r, dnsServer(sim, true));
  assert.deepEqual(resolve(sim, r, 'host.test'), ['10.9.8.7', '10.9.8.6']);
  // Nobody at all: the query times out.
  const sim2 = new SimPair();
  const r2 = new DnsResolver(sim2.a.sockets, [ip('10.0.0.99')], seededRandom(5), { attempts: 3 });
  sim2.tickers.push(r2);
  assert.equal(resolve(sim2, r2, 'host.test'), 'timeout');
});
