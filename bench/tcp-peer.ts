// A bulk-TCP tool for the host side of network benchmarks, run as its own process so that it
// competes with nothing in the benchmark's process (and so it can run inside a network
// namespace with `ip netns exec`). It measures as `nc --discard` does inside MACROHARD: at the
// receiver, from the first byte to the end of the stream.
//
//   node tcp-peer.js recv ADDR PORT     accept one connection; print "BYTES MS" at its end
//   node tcp-peer.js send ADDR PORT BYTES
//
// The receiver prints "listening" once it accepts connections.
import * as net from 'node:net';

const CHUNK = Buffer.alloc(256 * 1024, 7);

function recv(addr: string, port: number): void {
  const server = net.createServer((c) => {
    let n = 0;
    let t0 = 0;
    c.on('data', (d: Buffer) => {
      if (n === 0) t0 = performance.now();
      n += d.length;
    });
    c.on('end', () => {
      process.stdout.write(`${n} ${(performance.now() - t0).toFixed(3)}\n`);
      c.end();
      server.close();
    });
    c.on('error', (e) => {
      process.stderr.write(`tcp-peer: ${e.message}\n`);
      process.exit(1);
    });
  });
  server.listen(port, addr, () => process.stdout.write('listening\n'));
}

function send(addr: string, port: number, bytes: number): void {
  const sock = net.connect(port, addr);
  let sent = 0;
  const pump = (): void => {
    while (sent < bytes) {
      const n = Math.min(CHUNK.length, bytes - sent);
      sent += n;
      if (!sock.write(CHUNK.subarray(0, n))) return;
    }
    sock.end();
  };
  sock.on('connect', pump);
  sock.on('drain', pump);
  sock.on('data', () => undefined);
  sock.on('error', (e) => {
    process.stderr.write(`tcp-peer: ${e.message}\n`);
    process.exit(1);
  });
}

const [mode, addr, port, bytes] = process.argv.slice(2);
if (mode === 'recv' && addr && port) recv(addr, Number(port));
else if (mode === 'send' && addr && port && bytes) send(addr, Number(port), Number(bytes));
else {
  process.stderr.write('usage: tcp-peer recv ADDR PORT | tcp-peer send ADDR PORT BYTES\n');
  process.exit(2);
}
