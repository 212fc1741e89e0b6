// Option parsing shared by every applet, in the manner of GNU getopt_long: short options
// cluster (`-la`), take their argument attached or next (`-n5`, `-n 5`), long options take
// `--name=value` or `--name value` and may be abbreviated to a unique prefix, `--` ends the
// options, and options may follow operands (GNU's argument permutation) unless the applet
// asks for POSIX order (as env, xargs and find must, since what follows is a command).
//
// Pure: no libmh, so it is unit-tested on the host.
//
// A spec is a getopt string ("alhRn:") plus a table of long names, each mapped to the short
// letter it means or to its own key (for long-only options such as `--apparent-size`).

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface LongOpt {
  /** The key the option is recorded under: a short letter, or the long name itself. */
  key?: string;
  /** 'none' (a flag), 'required' or 'optional' (only `--name=value` supplies it). */
  arg?: 'none' | 'required' | 'optional';
}

export interface OptSpec {
  short: string;
  long?: Record<string, LongOpt | string>;
  /** Stop at the first operand (POSIX order); the rest is left as operands. */
  inOrder?: boolean;
  /** Arguments such as `-5` or `-1.5` are operands, not options (seq, printf-like). */
  negativeNumbers?: boolean;
}

export interface Parsed {
  /** Each option seen, in order, with its argument (or '' for a flag). */
  list: [string, string][];
  operands: string[];
  has(key: string): boolean;
  /** The last value given for `key`, or undefined. */
  get(key: string): string | undefined;
  /** Every value given for `key`, in order (for repeatable options such as grep -e). */
  all(key: string): string[];
  /** How many times `key` was given (for -v -v style counters). */
  count(key: string): number;
}

type ArgMode = 'none' | 'required' | 'optional';

/** "ab:c::" -> a takes none, b requires one, c takes one only when attached (-cVALUE). */
function shortTable(spec: string): Map<string, ArgMode> {
  const t = new Map<string, ArgMode>();
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!;
    if (spec[i + 1] !== ':') t.set(c, 'none');
    else if (spec[i + 2] === ':') {
      t.set(c, 'optional');
      i += 2;
    } else {
      t.set(c, 'required');
      i++;
    }
  }
  return t;
}

function findLong(spec: OptSpec, name: string): [string, LongOpt] {
  const table = spec.long ?? {};
  const norm = (o: LongOpt | string): LongOpt => (typeof o === 'string' ? { key: o } : o);
  if (Object.hasOwn(table, name)) return [name, norm(table[name]!)];
  const matches = Object.keys(table).filter((k) => k.startsWith(name));
  // Several prefixes naming the same key (e.g. --recursive and --recurse) are not ambiguous.
  const keys = new Set(matches.map((m) => norm(table[m]!).key ?? m));
  if (matches.length === 0) throw new UsageError(`unrecognized option '--${name}'`);
  if (keys.size > 1) throw new UsageError(`option '--${name}' is ambiguous`);
  return [matches[0]!, norm(table[matches[0]!]!)];
}

const NUMBER = /^-(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

export function parseOptions(argv: readonly string[], spec: OptSpec): Parsed {
  const shorts = shortTable(spec.short);
  const list: [string, string][] = [];
  const operands: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (a === '-' || !a.startsWith('-') || (spec.negativeNumbers && NUMBER.test(a))) {
      if (spec.inOrder) break;
      operands.push(a);
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const [full, o] = findLong(spec, name);
      const key = o.key ?? full;
      const mode = o.arg ?? (key.length === 1 ? (shorts.get(key) ?? 'none') : 'none');
      if (mode === 'none') {
        if (eq >= 0) throw new UsageError(`option '--${full}' doesn't allow an argument`);
        list.push([key, '']);
      } else if (eq >= 0) {
        list.push([key, a.slice(eq + 1)]);
      } else if (mode === 'required') {
        if (i + 1 >= argv.length) throw new UsageError(`option '--${full}' requires an argument`);
        list.push([key, argv[++i]!]);
      } else {
        list.push([key, '']);
      }
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      const takesArg = shorts.get(c);
      if (takesArg === undefined) throw new UsageError(`invalid option -- '${c}'`);
      if (takesArg === 'none') {
        list.push([c, '']);
        continue;
      }
      if (j + 1 < a.length || takesArg === 'optional') list.push([c, a.slice(j + 1)]);
      else if (i + 1 < argv.length) list.push([c, argv[++i]!]);
      else throw new UsageError(`option requires an argument -- '${c}'`);
      break;
    }
  }
  operands.push(...argv.slice(i));
  return {
    list,
    operands,
    has: (k) => list.some(([n]) => n === k),
    get: (k) => {
      for (let n = list.length - 1; n >= 0; n--) if (list[n]![0] === k) return list[n]![1];
      return undefined;
    },
    all: (k) => list.filter(([n]) => n === k).map(([, v]) => v),
    count: (k) => list.filter(([n]) => n === k).length,
  };
}

/** Parses a whole non-negative or signed integer option argument, or throws a usage error. */
export function intArg(value: string, what: string, allowNegative = false): number {
  const t = value.trim();
  if (!(allowNegative ? /^[-+]?\d+$/ : /^\+?\d+$/).test(t)) throw new UsageError(`invalid ${what}: '${value}'`);
  return Number(t);
}
