// Hand-assembled WebAssembly for tests that need a module but no C toolchain.

/** Bytes of a module, from sections given as [id, body]. */
export function moduleBytes(sections: [number, number[]][]): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  for (const [id, body] of sections) out.push(id, ...leb(body.length), ...body);
  return new Uint8Array(out);
}

export function leb(n: number): number[] {
  const b: number[] = [];
  do {
    let x = n & 0x7f;
    n >>>= 7;
    if (n) x |= 0x80;
    b.push(x);
  } while (n);
  return b;
}

/** A name as the binary format spells it: its length, then its UTF-8 bytes. */
export const str = (s: string): number[] => [...leb(s.length), ...Buffer.from(s)];

/**
 * A WASI command whose _start calls proc_exit(status), status 0..63: modules for different
 * statuses differ in one byte and have the same size.
 */
export function exitModule(status: number): Uint8Array {
  if (!(status >= 0 && status < 64)) throw new RangeError(`exit status ${status}: a one-byte i32.const holds 0..63`);
  return startOnly([0x00, 0x41, status, 0x10, 0x00, 0x0b]);
}

/**
 * A WASI command that adds one to the word at address 0 of its memory and exits with it: 1
 * whenever it starts with a fresh instance.
 */
export function counterModule(): Uint8Array {
  return startOnly([0x00, 0x41, 0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x41, 0x01, 0x6a, 0x36, 0x02, 0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x10, 0x00, 0x0b]);
}

/**
 * A WASI command whose module has a start function (run by instantiation itself) that exits
 * with 1 if macrohard.getpid gives a pid, 0 if it gives none: it ends before _start.
 */
export function pidAtStartModule(): Uint8Array {
  const body = [0x00, 0x10, 0x01, 0x45, 0x45, 0x10, 0x00, 0x0b];
  return moduleBytes([
    [1, [0x03, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x00, 0x60, 0x00, 0x01, 0x7f]],
    [2, [0x02, ...str('wasi_snapshot_preview1'), ...str('proc_exit'), 0x00, 0x00, ...str('macrohard'), ...str('getpid'), 0x00, 0x02]],
    [3, [0x01, 0x01]],
    [5, [0x01, 0x00, 0x01]],
    [7, [0x02, ...str('memory'), 0x02, 0x00, ...str('_start'), 0x00, 0x02]],
    [8, [0x02]],
    [10, [0x01, ...leb(body.length), ...body]],
  ]);
}

/** A module of one page of memory, importing proc_exit (function 0), whose _start has `body`. */
function startOnly(body: number[]): Uint8Array {
  return moduleBytes([
    [1, [0x02, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x00]],
    [2, [0x01, ...str('wasi_snapshot_preview1'), ...str('proc_exit'), 0x00, 0x00]],
    [3, [0x01, 0x01]],
    [5, [0x01, 0x00, 0x01]],
    [7, [0x02, ...str('memory'), 0x02, 0x00, ...str('_start'), 0x00, 0x01]],
    [10, [0x01, ...leb(body.length), ...body]],
  ]);
}
