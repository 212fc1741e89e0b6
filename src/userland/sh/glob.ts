// Globbing: `*`, `?`, `[abc]`, `[a-z]`, `[!x]` matched component by component against
// directory listings. The listing comes from the caller (the shell passes libmh's readdir),
// so this module is pure and tested in plain Node.
//
// Patterns arrive with quoted characters escaped by a backslash (expansion does that), so
// `"*".txt` matches only a file literally named `*.txt`. Names starting with `.` match only a
// pattern that starts with `.` too, as in every Unix shell.

export interface GlobFs {
  /** The names in a directory, or null if it cannot be listed. */
  list(dir: string): string[] | null;
  exists(path: string): boolean;
}

export function hasGlob(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

export function unescapeGlob(pattern: string): string {
  return pattern.replace(/\\(.)/gs, '$1');
}

/** A whole-name regular expression for one path component. */
export function globRegex(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      let neg = false;
      if (body[0] === '!' || body[0] === '^') {
        neg = true;
        body = body.slice(1);
      }
      const cls = `[${neg ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => '\\' + m)}]`;
      try {
        new RegExp(cls);
      } catch {
        re += '\\['; // not a valid class (say a reversed range): the bracket is literal
        continue;
      }
      re += cls;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(re + '$', 's');
}

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? '\\' + c : c;
}

export function globMatch(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.') && !pattern.startsWith('\\.')) return false;
  return globRegex(pattern).test(name);
}

/** Every path matching `pattern`, sorted; [] when none does. */
export function glob(pattern: string, fs: GlobFs): string[] {
  const absolute = pattern.startsWith('/');
  const comps = pattern.split('/').filter((c, i) => c !== '' || i === 0);
  let paths: string[] = [absolute ? '/' : ''];
  for (let i = absolute ? 1 : 0; i < comps.length; i++) {
    const comp = comps[i]!;
    const last = i === comps.length - 1;
    const next: string[] = [];
    for (const base of paths) {
      if (!hasGlob(comp)) {
        const p = join(base, unescapeGlob(comp));
        if (last ? fs.exists(p) : true) next.push(p);
        continue;
      }
      const names = fs.list(base === '' ? '.' : base);
      if (!names) continue;
      for (const n of names.filter((n) => n !== '.' && n !== '..').sort()) {
        if (globMatch(comp, n)) next.push(join(base, n));
      }
    }
    paths = next;
    if (paths.length === 0) return [];
  }
  // A trailing slash asks for directories only; the fs check for that is the caller's `exists`.
  if (pattern.endsWith('/')) paths = paths.filter((p) => fs.exists(p + '/')).map((p) => p + '/');
  return paths;
}

function join(base: string, name: string): string {
  if (base === '') return name;
  return base.endsWith('/') ? base + name : `${base}/${name}`;
}
