// Booting as a user does: `macrohard boot` in a child process, from start to the console's
// shell prompt (image already built), and `boot -c true` end to end, beside a bare Node.js
// start-up; and the memory of a booted idle system.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Benchmark } from './harness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = `${root}bin/macrohard.js`;
const image = `${root}build/server/harddrive.img`;

/** Boots the server image, resolves when the prompt shows; `then` runs with the child alive. */
function bootToPrompt<T>(then: (pid: number) => T): Promise<{ ms: number; value: T }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [bin, 'boot', '--image', image, '--quiet'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    let done = false;
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (!done && /[#>$] $/.test(out)) {
        done = true;
        const ms = performance.now() - t0;
        const value = then(child.pid!);
        child.stdin.end('exit\n');
        child.on('exit', () => resolve({ ms, value }));
      }
    });
    child.on('error', reject);
    setTimeout(() => {
      if (!done) {
        child.kill();
        reject(new Error(`no prompt within 30 s; console said: ${out.slice(-300)}`));
      }
    }, 30_000);
  });
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const bench: Benchmark = {
  name: 'boot',
  description: 'Boot of the server image in a child process (ms), and the memory of the booted idle system (MB).',
  rounds: 5,
  setup() {
    if (!existsSync(image)) {
      const r = spawnSync(process.execPath, [bin, 'image', 'build', 'config/server.toml', '--quiet'], { cwd: root, stdio: 'inherit' });
      if (r.status !== 0) throw new Error('could not build the server image');
    }
  },
  cases: [
    { name: 'boot to the shell prompt (server image)', unit: 'ms', better: 'lower', run: async () => (await bootToPrompt(() => 0)).ms },
    {
      name: "boot -c 'true', end to end",
      unit: 'ms',
      better: 'lower',
      run() {
        const t0 = performance.now();
        const r = spawnSync(process.execPath, [bin, 'boot', '-c', 'true'], { cwd: root });
        if (r.status !== 0) throw new Error(`boot -c true exited ${r.status}`);
        return performance.now() - t0;
      },
    },
    {
      name: 'node -e 0',
      peer: true,
      unit: 'ms',
      better: 'lower',
      run() {
        const t0 = performance.now();
        spawnSync(process.execPath, ['-e', '0']);
        return performance.now() - t0;
      },
    },
    {
      name: 'host process RSS, booted and idle at the prompt',
      unit: 'MB',
      better: 'lower',
      vs: 'host process RSS, booted and idle at the prompt',
      run: async () => (await bootToPrompt((pid) => rssMb(pid))).value,
    },
  ],
};

export default bench;
