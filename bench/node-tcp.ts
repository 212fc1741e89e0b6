// The host's own TCP as a peer: a Node server on 127.0.0.1 that counts what it receives and
// answers one byte when all has arrived, and a client that sends `bytes` and times it.
import * as net from 'node:net';

export class NodeTcpPeer {
  private server: net.Server | null = null;
  private port = 0;
  constructor(private readonly bytes: number, private readonly chunk: Uint8Array) {}

  async start(): Promise<void> {
    this.server = net.createServer((c) => {
      let n = 0;
      c.on('data', (d: Buffer) => {
        n += d.length;
        if (n === this.bytes) c.end('!');
      });
      c.on('error', () => {});
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** One transfer: MB/s from connect to the server's answer. */
  run(): Promise<number> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(this.port, '127.0.0.1');
      let sent = 0;
      const t0 = performance.now();
      const pump = (): void => {
        while (sent < this.bytes) {
          const n = Math.min(this.chunk.length, this.bytes - sent);
          sent += n;
          if (!sock.write(this.chunk.subarray(0, n))) return;
        }
        sock.end();
      };
      sock.on('drain', pump);
      sock.on('connect', pump);
      sock.on('error', reject);
      sock.on('data', () => {
        sock.destroy();
        resolve(this.bytes / 1e6 / ((performance.now() - t0) / 1000));
      });
    });
  }

  stop(): Promise<void> {
    return new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
