// `macrohard bench NAME...`: runs bench/NAME.bench.ts side by side with its peers and prints
// the table. `macrohard bench` alone lists the benchmarks.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from './main.js';
import { runBenchmark, table, type Benchmark } from '../../bench/harness.js';

const benchDir = new URL('../../bench/', import.meta.url);

function available(): string[] {
  return readdirSync(fileURLToPath(benchDir))
    .filter((f) => f.endsWith('.bench.js'))
    .map((f) => f.slice(0, -'.bench.js'.length))
    .sort();
}

export const command: Command = {
  summary: 'Run benchmarks side by side with their peers and print a markdown table.',
  usage: 'macrohard bench [--rounds N] [--verbose] NAME...',
  async run(args) {
    let rounds: number | undefined;
    let verbose = false;
    const names: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--rounds') rounds = Number(args[++i]);
      else if (a === '--verbose' || a === '-v') verbose = true;
      else names.push(a);
    }
    const all = available();
    if (names.length === 0) {
      process.stdout.write(`benchmarks: ${all.join(' ')}\nusage: ${this.usage}\n`);
      return 0;
    }
    for (const name of names) {
      if (!all.includes(name)) {
        process.stderr.write(`macrohard bench: no benchmark '${name}' (have: ${all.join(' ')})\n`);
        return 2;
      }
    }
    for (const name of names) {
      const b = (await import(new URL(`${name}.bench.js`, benchDir).href)).default as Benchmark;
      if (rounds) b.rounds = rounds;
      const why = b.skip?.() ?? null;
      if (why) {
        process.stdout.write(`### ${b.name}\n\nskipped: ${why}\n\n`);
        continue;
      }
      const rows = await runBenchmark(b, verbose ? (s) => process.stderr.write(s + '\n') : undefined);
      process.stdout.write(table(b, rows) + '\n');
    }
    return 0;
  },
};
