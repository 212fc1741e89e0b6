// The benchmark harness: runs each case of a benchmark and its peers side by side, interleaved
// round by round so that drift in the machine's load falls on all of them alike, and prints a
// markdown table of medians with each case's ratio to the first peer.
//
// A benchmark file `bench/NAME.bench.ts` default-exports a `Benchmark`. Each case's `run`
// performs one measurement and returns it in the case's unit (µs per call, GB/s, ms...).

export type Better = 'lower' | 'higher';

export interface Case {
  name: string;
  /** A peer is the yardstick the MACROHARD cases are compared against. */
  peer?: boolean;
  /** The case this one is compared with (by name); by default the first peer. */
  vs?: string;
  unit: string;
  better: Better;
  run(): Promise<number> | number;
}

export interface Benchmark {
  name: string;
  description: string;
  rounds?: number;
  /** Why the benchmark cannot run here (no privileges, a missing tool), or null. */
  skip?(): string | null;
  setup?(): Promise<void> | void;
  cases: Case[];
  teardown?(): Promise<void> | void;
}

export interface Row {
  name: string;
  peer: boolean;
  unit: string;
  median: number;
  min: number;
  max: number;
  ratio: number | null;
  against: string | null;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function runBenchmark(b: Benchmark, log: (s: string) => void = () => {}): Promise<Row[]> {
  const rounds = b.rounds ?? 5;
  const samples = new Map<Case, number[]>(b.cases.map((c) => [c, []]));
  await b.setup?.();
  try {
    for (let r = 0; r < rounds; r++) {
      for (const c of b.cases) {
        const v = await c.run();
        samples.get(c)!.push(v);
        log(`round ${r + 1}/${rounds} ${c.name}: ${fmt(v)} ${c.unit}`);
      }
    }
  } finally {
    await b.teardown?.();
  }
  const firstPeer = b.cases.find((c) => c.peer);
  return b.cases.map((c) => {
    const xs = samples.get(c)!;
    const m = median(xs);
    const against = c.vs !== undefined ? b.cases.find((x) => x.name === c.vs) : c.peer ? c : firstPeer;
    const pm = against ? median(samples.get(against)!) : null;
    return {
      name: c.name,
      peer: !!c.peer,
      unit: c.unit,
      median: m,
      min: Math.min(...xs),
      max: Math.max(...xs),
      ratio: pm ? m / pm : null,
      against: against?.name ?? null,
    };
  });
}

export function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

export function table(b: Benchmark, rows: Row[]): string {
  const peer = rows.find((r) => r.peer);
  const lines = [
    `### ${b.name}`,
    '',
    b.description,
    '',
    `| case | median | min | max | unit | ratio to its peer |`,
    '|---|---:|---:|---:|---|---:|',
  ];
  for (const r of rows) {
    const ratio = r.ratio === null ? '' : r.against && r.against !== peer?.name && r.against !== r.name ? `${r.ratio.toFixed(2)}x (vs ${r.against})` : `${r.ratio.toFixed(2)}x`;
    lines.push(`| ${r.peer ? '(peer) ' : ''}${r.name} | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${r.unit} | ${ratio} |`);
  }
  return lines.join('\n') + '\n';
}
