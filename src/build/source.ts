// TOML files for the build (image configurations and recipes), read with enough position
// information to say where something is wrong: smol-toml gives line and column for syntax
// errors, and `locate` finds the line that sets a given key for the errors we find later
// (an unknown key, a bad value, a missing include).

import { readFileSync } from 'node:fs';
import { parse, TomlError } from 'smol-toml';

/** A refusal with the file, line and reason, printed as `file:line: reason`. */
export class BuildError extends Error {
  constructor(readonly file: string, readonly line: number, readonly reason: string) {
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
    this.name = 'BuildError';
  }
}

export type KeyPath = (string | number)[];

export interface TomlSource {
  file: string;
  text: string;
  data: Record<string, unknown>;
  /** The line (1-based) that sets `path`, or the nearest enclosing table's; 1 if none. */
  lineOf(path: KeyPath, value?: string): number;
  /** A BuildError at the line of `path`. */
  error(path: KeyPath, reason: string, value?: string): BuildError;
}

const KEY = String.raw`(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')`;
const DOTTED = String.raw`${KEY}(?:\s*\.\s*${KEY})*`;
const ARRAY_HEADER = new RegExp(String.raw`^\s*\[\[\s*(${DOTTED})\s*\]\]`);
const TABLE_HEADER = new RegExp(String.raw`^\s*\[\s*(${DOTTED})\s*\]`);
const KEY_LINE = new RegExp(String.raw`^\s*(${DOTTED})\s*=`);
const INLINE_KEY = new RegExp(String.raw`(?:^|[{,])\s*(${DOTTED})\s*=`, 'g');

function splitKey(dotted: string): string[] {
  const parts: string[] = [];
  const re = new RegExp(KEY, 'g');
  for (const m of dotted.matchAll(re)) {
    const k = m[0];
    parts.push(k.startsWith('"') ? (JSON.parse(k) as string) : k.startsWith("'") ? k.slice(1, -1) : k);
  }
  return parts;
}

function commonPrefix(a: KeyPath, b: KeyPath): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/**
 * Finds the line that sets `target`. Tracks the current table through `[a.b]` and `[[a]]`
 * headers (counting array entries), skips multi-line strings, and looks at keys on each line
 * (including those of one-line inline tables). The deepest match wins; a `value` looks for
 * that string literal from the matched line on (an element of a multi-line array).
 */
export function locate(text: string, target: KeyPath, value?: string): number {
  const lines = text.split('\n');
  const counts = new Map<string, number>();
  let table: KeyPath = [];
  let best = 1;
  let bestDepth = 0;
  let inMultiline: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (inMultiline) {
      if ((line.split(inMultiline).length - 1) % 2 === 1) inMultiline = null;
      continue;
    }
    const consider = (path: KeyPath): void => {
      const d = commonPrefix(path, target);
      // A deeper match, or an exact one, moves the answer; a table header counts only if the
      // whole header is a prefix of the target.
      if (d === path.length && d > bestDepth) {
        best = i + 1;
        bestDepth = d;
      }
    };
    let m = ARRAY_HEADER.exec(line);
    if (m) {
      const name = splitKey(m[1]!);
      const key = name.join('.');
      const n = counts.get(key) ?? 0;
      counts.set(key, n + 1);
      table = [...name, n];
      consider(table);
    } else if ((m = TABLE_HEADER.exec(line))) {
      table = splitKey(m[1]!);
      consider(table);
    } else if ((m = KEY_LINE.exec(line))) {
      const key = [...table, ...splitKey(m[1]!)];
      consider(key);
      const rest = line.slice(m[0].length);
      if (rest.includes('{')) for (const k of rest.matchAll(INLINE_KEY)) consider([...key, ...splitKey(k[1]!)]);
    }
    for (const q of ['"""', "'''"]) if ((line.split(q).length - 1) % 2 === 1) inMultiline = q;
  }
  if (value !== undefined) {
    for (let i = best - 1; i < lines.length; i++) {
      if (lines[i]!.includes(JSON.stringify(value)) || lines[i]!.includes(`'${value}'`)) return i + 1;
    }
  }
  return best;
}

/** Reads and parses a TOML file; a syntax error becomes a BuildError at its line. */
export function readToml(file: string, shown = file): TomlSource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BuildError(shown, 0, `cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return parseToml(text, shown);
}

export function parseToml(text: string, file: string): TomlSource {
  let data: Record<string, unknown>;
  try {
    data = parse(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      const reason = e.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
      throw new BuildError(file, e.line, `TOML syntax: ${reason} (column ${e.column})`);
    }
    throw e;
  }
  return {
    file,
    text,
    data,
    lineOf: (path, value) => locate(text, path, value),
    error: (path, reason, value) => new BuildError(file, locate(text, path, value), reason),
  };
}

/** Refuses keys of `table` that are not in `allowed`, naming the first unknown one. */
export function checkKeys(src: TomlSource, path: KeyPath, table: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(table)) {
    if (!allowed.includes(k)) {
      const where = path.length ? `[${path.filter((p) => typeof p === 'string').join('.')}]` : 'the top level';
      throw src.error([...path, k], `unknown key '${k}' in ${where} (known: ${allowed.join(', ')})`);
    }
  }
}

export function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}
