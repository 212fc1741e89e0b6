// Ion's methods: `$name(args)` gives a string, `@name(args)` an array. Arguments are already
// expanded: a string, or an array when the argument was an array expression (`@a`).
//
//   $len(x)  $len_bytes(s)  $join(@a [sep])  $upper(s)  $lower(s)  $repeat(s n)  $reverse(s)
//   $replace(s from to)  $find(s sub)  $basename(p)  $dirname(p)  $extension(p)
//   $filename(p)  $trim(s)  $contains(s sub)  $starts_with(s p)  $ends_with(s p)
//   @split(s [sep])  @lines(s)  @chars(s)  @reverse(@a)  @sort(@a)  @unique(@a)  @bytes(s)

export type Value = string | string[];

export class MethodError extends Error {}

const str = (v: Value | undefined): string => (v === undefined ? '' : Array.isArray(v) ? v.join(' ') : v);

function want(name: string, args: Value[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    const n = min === max ? String(min) : `${min} to ${max}`;
    throw new MethodError(`${name}: takes ${n} argument${max === 1 ? '' : 's'}, given ${args.length}`);
  }
}

function basename(p: string): string {
  const t = p.replace(/\/+$/, '');
  return t === '' ? (p.startsWith('/') ? '/' : '') : t.slice(t.lastIndexOf('/') + 1);
}

function dirname(p: string): string {
  const t = p.replace(/\/+$/, '');
  const i = t.lastIndexOf('/');
  if (i < 0) return '.';
  return i === 0 ? '/' : t.slice(0, i);
}

const STRING: Record<string, (a: Value[]) => string> = {
  len: (a) => (want('len', a, 1, 1), String(Array.isArray(a[0]) ? a[0].length : [...a[0]!].length)),
  len_bytes: (a) => (want('len_bytes', a, 1, 1), String(new TextEncoder().encode(str(a[0])).length)),
  join: (a) => {
    want('join', a, 1, 2);
    const v = a[0]!;
    return Array.isArray(v) ? v.join(a[1] === undefined ? ' ' : str(a[1])) : v;
  },
  upper: (a) => (want('upper', a, 1, 1), str(a[0]).toUpperCase()),
  lower: (a) => (want('lower', a, 1, 1), str(a[0]).toLowerCase()),
  repeat: (a) => {
    want('repeat', a, 2, 2);
    const n = Number(str(a[1]));
    if (!Number.isInteger(n) || n < 0) throw new MethodError(`repeat: '${str(a[1])}' is not a count`);
    return str(a[0]).repeat(n);
  },
  reverse: (a) => (want('reverse', a, 1, 1), [...str(a[0])].reverse().join('')),
  replace: (a) => (want('replace', a, 3, 3), str(a[0]).split(str(a[1])).join(str(a[2]))),
  find: (a) => (want('find', a, 2, 2), String(str(a[0]).indexOf(str(a[1])))),
  contains: (a) => (want('contains', a, 2, 2), String(str(a[0]).includes(str(a[1])))),
  starts_with: (a) => (want('starts_with', a, 2, 2), String(str(a[0]).startsWith(str(a[1])))),
  ends_with: (a) => (want('ends_with', a, 2, 2), String(str(a[0]).endsWith(str(a[1])))),
  trim: (a) => (want('trim', a, 1, 1), str(a[0]).trim()),
  basename: (a) => (want('basename', a, 1, 1), basename(str(a[0]))),
  filename: (a) => {
    want('filename', a, 1, 1);
    const b = basename(str(a[0]));
    const dot = b.lastIndexOf('.');
    return dot > 0 ? b.slice(0, dot) : b;
  },
  extension: (a) => {
    want('extension', a, 1, 1);
    const b = basename(str(a[0]));
    const dot = b.lastIndexOf('.');
    return dot > 0 ? b.slice(dot + 1) : '';
  },
  dirname: (a) => (want('dirname', a, 1, 1), dirname(str(a[0]))),
  parent: (a) => (want('parent', a, 1, 1), dirname(str(a[0]))),
};

const ARRAY: Record<string, (a: Value[]) => string[]> = {
  split: (a) => {
    want('split', a, 1, 2);
    const s = str(a[0]);
    if (a.length === 1) return s.split(/\s+/).filter(Boolean);
    return s.split(str(a[1]));
  },
  lines: (a) => (want('lines', a, 1, 1), str(a[0]).split('\n').filter((l, i, all) => l !== '' || i < all.length - 1)),
  chars: (a) => (want('chars', a, 1, 1), [...str(a[0])]),
  bytes: (a) => (want('bytes', a, 1, 1), [...new TextEncoder().encode(str(a[0]))].map(String)),
  reverse: (a) => (want('reverse', a, 1, 1), Array.isArray(a[0]) ? [...a[0]].reverse() : [...str(a[0])].reverse()),
  sort: (a) => (want('sort', a, 1, 1), Array.isArray(a[0]) ? [...a[0]].sort() : [str(a[0])]),
  unique: (a) => (want('unique', a, 1, 1), Array.isArray(a[0]) ? [...new Set(a[0])] : [str(a[0])]),
};

export function callMethod(name: string, array: boolean, args: Value[]): Value {
  const f = array ? ARRAY[name] : STRING[name];
  if (!f) throw new MethodError(`unknown method ${array ? '@' : '$'}${name}()`);
  return f(args);
}

export function methodNames(): string[] {
  return [...Object.keys(STRING).map((n) => '$' + n), ...Object.keys(ARRAY).map((n) => '@' + n)];
}
