// Joining byte chunks read or gathered piecewise (a file read to its end, buffered writes) into
// one array: kernel, runtime and programs all need it.

/** The chunks laid end to end in a new array; `total`, when the caller kept it, saves a pass. */
export function concatBytes(parts: readonly Uint8Array[], total = parts.reduce((n, p) => n + p.length, 0)): Uint8Array {
  const all = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  return all;
}
