// The native (gcc) build of a socket test program run on the host, to compare its transcript
// with MACROHARD's: a server and then each client in turn on a free port.

import { spawn, spawnSync } from 'node:child_process';

let runs = 0;

/**
 * Runs `bin` as a server (`serverArgs`, PORT standing for the port) and then each client in
 * turn; their transcripts, with the port written back as PORT. `salt` keeps test files that
 * run at the same time on different ports.
 */
export async function onHost(bin: string, serverArgs: string[], clients: string[][], salt = 1): Promise<{ server: string; clients: string[] }> {
  const port = String(20000 + ((process.pid * salt + runs++ * (4 * salt + 3)) % 20000));
  const fill = (a: string[]) => a.map((x) => (x === 'PORT' ? port : x));
  const server = spawn(bin, fill(serverArgs), { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  server.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const done = new Promise<void>((resolve) => server.on('close', () => resolve()));
  try {
    const outs = clients.map((args) => spawnSync(bin, fill(args), { encoding: 'utf8', timeout: 20000 }).stdout.replaceAll(port, 'PORT'));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((r) => (timer = setTimeout(r, 20000)))]);
    clearTimeout(timer);
    return { server: out.replaceAll(port, 'PORT'), clients: outs };
  } finally {
    server.kill();
  }
}
