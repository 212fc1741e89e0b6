// MACROHARD on a TAP device against this host's own Linux stack, beside the same traffic
// between two Linux network namespaces over a veth pair (the ceiling: the host kernel on both
// ends). Cases, each beside its peer:
//
// - bulk TCP, host -> MACROHARD and MACROHARD -> host (`nc` inside, tcp-peer.ts outside as its
//   own process), MB/s at the receiver; the peer is tcp-peer between the namespaces;
// - ping round trip, the median of 100 echoes from the host's `ping`, µs;
// - 1,000 concurrent connections from `wrk` to MACROHARD's httpd, and to `python3 -m
//   http.server` in a namespace serving the same file: requests per second and errors
//   (socket errors and non-2xx answers). After it, the next case waits until httpd has closed
//   every connection wrk left (settle()), which takes seconds: the rounds after the first
//   would otherwise measure bulk transfers and pings beside that work.
//
// The TAP link runs with a 64 KiB MTU (`tap,mtu=65521`), as a virtual link between a host and
// its guest can; the veth pair keeps its default MTU but Linux moves 64 KiB super-packets over
// it (GSO), so both move data in segments of the same size. The kernel runs in this process;
// netd, nc and httpd are its processes. Skipped, saying why, where TAP devices or namespaces
// cannot be made or `ping`/`wrk`/`python3` are missing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isErr } from '../src/abi/errno.js';
import { kclose, kpipe, kreadAll } from '../src/kernel/kio.js';
import { netLinks } from '../src/host/node/netlinks.js';
import { bootKernel, type TestKernel } from '../tests/kernel-harness.js';
import { median, type Benchmark } from './harness.js';

const BYTES = 64 * 1024 * 1024;
const MTU = 65521;
const CONNECTIONS = 1000;
const WRK_SECONDS = 5;
const n = 100 + (process.pid % 100);
const dev = `mhb${n}`;
const hostIp = `10.78.${n}.1`;
const mhIp = `10.78.${n}.2`;
const nsA = `mhb-a${n}`;
const nsB = `mhb-b${n}`;
const vethA = `mhbva${n}`;
const vethB = `mhbvb${n}`;
const aIp = `10.79.${n}.1`;
const bIp = `10.79.${n}.2`;
const peerJs = fileURLToPath(new URL('./tcp-peer.js', import.meta.url));
/** The file both HTTP servers serve: init's configuration from initfs. */
const SERVED = '/scheme/initfs/etc/init.toml';

let k: TestKernel | null = null;
let httpd: Promise<unknown> | null = null;
let python: ChildProcess | null = null;
let webDir = '';
let nextPort = 7400;
const lastErrors = new Map<string, number>();
/** Host receivers still running (a failed round leaves one behind): ended at teardown. */
const receivers = new Set<ChildProcess>();

const sh = (cmd: string, ...args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });
const inNs = (ns: string | null, cmd: string[]): string[] => (ns ? ['ip', 'netns', 'exec', ns, ...cmd] : cmd);

function must(cmd: string, ...args: string[]): void {
  const r = sh(cmd, ...args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim() || r.error?.message}`);
}

function whyNot(): string | null {
  if (process.platform !== 'linux') return 'TAP and network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'TAP devices and network namespaces need root';
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun';
  for (const [tool, args] of [['ip', ['-V']], ['ping', ['-V']], ['wrk', ['-v']], ['python3', ['-V']]] as const) {
    const r = spawnSync(tool, [...args]);
    if (r.error) return `the ${tool} tool is missing (Debian: ${tool === 'ip' ? 'iproute2' : tool === 'ping' ? 'iputils-ping' : tool})`;
  }
  const probe = `mhbprobe${n}`;
  const r = sh('ip', 'netns', 'add', probe);
  if (r.status !== 0) return `cannot make a network namespace: ${r.stderr.trim()}`;
  sh('ip', 'netns', 'del', probe);
  return null;
}

async function startNetd(t: TestKernel): Promise<void> {
  const ready = kpipe(t.k);
  const none = kpipe(t.k);
  const child = await t.k.spawn(null, {
    path: '/scheme/initfs/bin/netd', argv: ['netd', '--ready', '3'], env: [], cwd: '', flags: 0, pgid: 0,
    uid: -1, gid: -1, fds: [[0, none.read], [1, none.write], [2, none.write], [3, ready.write]], ns: null, filter: null,
  });
  for (const fd of [ready.write, none.read, none.write]) kclose(t.k, fd);
  if (isErr(child)) throw new Error(`netd: ${child}`);
  await kreadAll(t.k, ready.read);
  kclose(t.k, ready.read);
}

/** Runs a host command to its end; its standard output. */
function hostRun(argv: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (b: Buffer) => (out += b.toString()));
    c.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${argv.join(' ')}: exit ${code}: ${err}`));
    });
  });
}

/** Starts `tcp-peer recv` and waits until it listens; resolves its "BYTES MS" line at the end. */
async function hostReceiver(ns: string | null, addr: string, port: number): Promise<{ done: Promise<string> }> {
  const [cmd, ...args] = inNs(ns, [process.execPath, peerJs, 'recv', addr, String(port)]);
  const c = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  receivers.add(c);
  c.on('exit', () => receivers.delete(c));
  let out = '';
  let err = '';
  c.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const done = new Promise<string>((resolve, reject) => {
    c.on('exit', (code) => (code === 0 ? resolve(out.replace('listening\n', '')) : reject(new Error(`tcp-peer recv: ${err}`))));
  });
  await new Promise<void>((resolve, reject) => {
    c.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('listening')) resolve();
    });
    c.on('exit', () => reject(new Error(`tcp-peer recv ended early: ${err}`)));
  });
  // A failed sender leaves this unawaited: its failure is the one reported.
  done.catch(() => undefined);
  // Wrapped: an async function returning the promise itself would wait for it to settle.
  return { done };
}

/** MB/s from a "BYTES MS" line, checking that every byte came. */
function rate(line: string): number {
  const [bytes, ms] = line.trim().split(' ').map(Number);
  if (bytes !== BYTES) throw new Error(`transfer incomplete: ${line}`);
  return BYTES / 1e6 / (Math.max(ms!, 0.001) / 1000);
}

async function vethBulk(): Promise<number> {
  const port = nextPort++;
  const { done } = await hostReceiver(nsB, bIp, port);
  await hostRun(inNs(nsA, [process.execPath, peerJs, 'send', bIp, String(port), String(BYTES)]));
  return rate(await done);
}

async function hostToMacrohard(): Promise<number> {
  const port = String(nextPort++);
  const sink = k!.run('nc', ['nc', '-l', port, '--discard']);
  await new Promise((r) => setTimeout(r, 100));
  await hostRun([process.execPath, peerJs, 'send', mhIp, port, String(BYTES)]);
  const r = await sink;
  if (r.code !== 0) throw new Error(`nc -l: ${r.stderr}`);
  return rate(r.stdout);
}

async function macrohardToHost(): Promise<number> {
  const port = nextPort++;
  const { done } = await hostReceiver(null, hostIp, port);
  const src = await k!.run('nc', ['nc', '--send', String(BYTES), hostIp, String(port)]);
  if (src.code !== 0) throw new Error(`nc --send: ${src.stderr}`);
  return rate(await done);
}

/** The median round trip of 100 echoes, in µs. */
async function ping(ns: string | null, addr: string): Promise<number> {
  const out = await hostRun(inNs(ns, ['ping', '-c', '100', '-i', '0.005', '-W', '1', addr]));
  const times = [...out.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]) * 1000);
  if (times.length < 90) throw new Error(`ping: only ${times.length} of 100 answered:\n${out}`);
  return median(times);
}

/** wrk with CONNECTIONS connections for WRK_SECONDS: requests per second; errors kept aside. */
async function wrk(ns: string | null, url: string, key: string): Promise<number> {
  const out = await hostRun(inNs(ns, ['wrk', '-t', '2', '-c', String(CONNECTIONS), '-d', `${WRK_SECONDS}s`, '--timeout', '5s', url]), 60_000);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!rps) throw new Error(`wrk: no result:\n${out}`);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const errors = (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  lastErrors.set(key, errors);
  return Number(rps[1]);
}

/** How long the connections of a wrk run may take to be closed by httpd before the next case. */
const SETTLE_MS = 120_000;

/**
 * Waits until netd holds no TCP connection but listeners (httpd answers wrk's backlog and
 * closes each connection wrk left, long after wrk ended): a case measured meanwhile would
 * measure that work, not its own. Fails if it takes longer than SETTLE_MS.
 */
async function settle(): Promise<void> {
  const end = Date.now() + SETTLE_MS;
  for (;;) {
    const ss = await k!.run('ip', ['ip', 'sockets']);
    const busy = ss.stdout.split('\n').filter((l) => l.startsWith('tcp ') && !/ LISTEN | CLOSED /.test(l)).length;
    if (busy === 0) return;
    if (Date.now() > end) throw new Error(`${busy} connections still open ${SETTLE_MS} ms after wrk`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function wrkMacrohard(): Promise<number> {
  const rps = await wrk(null, `http://${mhIp}/init.toml`, 'mh');
  await settle();
  return rps;
}

const bench: Benchmark = {
  name: 'tap',
  description: `MACROHARD over TAP (MTU ${MTU}) vs two Linux network namespaces over veth: bulk TCP (${BYTES / 1048576} MiB, MB/s, higher is better), ping round trip (median of 100, µs, lower is better), ${CONNECTIONS} concurrent HTTP connections for ${WRK_SECONDS} s with wrk (requests/s, errors).`,
  rounds: 3,
  skip: whyNot,
  async setup() {
    must('ip', 'tuntap', 'add', 'dev', dev, 'mode', 'tap');
    must('ip', 'addr', 'add', `${hostIp}/24`, 'dev', dev);
    must('ip', 'link', 'set', dev, 'mtu', String(MTU), 'up');
    must('ip', 'netns', 'add', nsA);
    must('ip', 'netns', 'add', nsB);
    must('ip', 'link', 'add', vethA, 'type', 'veth', 'peer', 'name', vethB);
    must('ip', 'link', 'set', vethA, 'netns', nsA);
    must('ip', 'link', 'set', vethB, 'netns', nsB);
    for (const [ns, v, a] of [[nsA, vethA, aIp], [nsB, vethB, bIp]] as const) {
      must('ip', '-n', ns, 'addr', 'add', `${a}/24`, 'dev', v);
      must('ip', '-n', ns, 'link', 'set', v, 'up');
      must('ip', '-n', ns, 'link', 'set', 'lo', 'up');
    }
    k = bootKernel(6);
    await netLinks(k.k, `tap,ifname=${dev},addr=${mhIp}/24,mtu=${MTU}`);
    await startNetd(k);
    httpd = k.run('httpd', ['httpd', '-q', '-p', '80', '/scheme/initfs/etc']);
    const cat = await k.run('cat', ['cat', SERVED]);
    webDir = mkdtempSync(join(tmpdir(), 'mhb-web-'));
    writeFileSync(join(webDir, 'init.toml'), cat.stdout);
    python = spawn('ip', ['netns', 'exec', nsB, 'python3', '-m', 'http.server', '8000', '--bind', bIp, '--directory', webDir], { stdio: 'ignore' });
    // Both servers answer before the first round. (Asynchronously: the kernel runs in this
    // thread, and a synchronous curl would keep httpd from answering it.)
    const ok = (argv: string[]) => hostRun(argv, 5000).then((o) => o === '200', () => false);
    for (let i = 0; i < 100; i++) {
      const a = await ok(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '-m', '1', `http://${mhIp}/init.toml`]);
      const b = await ok(inNs(nsA, ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '-m', '1', `http://${bIp}:8000/init.toml`]));
      if (a && b) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  },
  cases: [
    { name: 'veth: namespace to namespace, Linux TCP both ends', peer: true, unit: 'MB/s', better: 'higher', run: vethBulk },
    { name: 'TAP: host to MACROHARD (tcp-peer to nc -l)', unit: 'MB/s', better: 'higher', run: hostToMacrohard },
    { name: 'TAP: MACROHARD to host (nc --send to tcp-peer)', unit: 'MB/s', better: 'higher', run: macrohardToHost },
    { name: 'veth: ping across the pair', peer: true, unit: 'µs', better: 'lower', run: () => ping(nsA, bIp) },
    { name: 'TAP: ping from the host to MACROHARD', vs: 'veth: ping across the pair', unit: 'µs', better: 'lower', run: () => ping(null, mhIp) },
    { name: `python3 -m http.server over veth, ${CONNECTIONS} connections`, peer: true, unit: 'req/s', better: 'higher', run: () => wrk(nsA, `http://${bIp}:8000/init.toml`, 'py') },
    { name: `MACROHARD httpd over TAP, ${CONNECTIONS} connections`, vs: `python3 -m http.server over veth, ${CONNECTIONS} connections`, unit: 'req/s', better: 'higher', run: wrkMacrohard },
    { name: 'python3 -m http.server: errors (socket errors + non-2xx)', peer: true, unit: 'errors', better: 'lower', run: () => lastErrors.get('py') ?? NaN },
    { name: 'MACROHARD httpd: errors (socket errors + non-2xx)', vs: 'python3 -m http.server: errors (socket errors + non-2xx)', unit: 'errors', better: 'lower', run: () => lastErrors.get('mh') ?? NaN },
  ],
  async teardown() {
    for (const c of receivers) c.kill('SIGKILL');
    python?.kill('SIGKILL');
    python = null;
    k?.shutdown();
    k = null;
    void httpd?.catch(() => undefined);
    httpd = null;
    if (webDir) rmSync(webDir, { recursive: true, force: true });
    sh('ip', 'netns', 'del', nsA);
    sh('ip', 'netns', 'del', nsB);
    sh('ip', 'link', 'del', dev);
  },
};

export default bench;
