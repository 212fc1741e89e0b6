// Random bytes for filesystem UUIDs, GUIDs and hash salts, from Web Crypto where the runtime
// has it (Node 20, browsers) so the library needs no Node module for them; a MACROHARD program
// without it falls back to Math.random, which is enough for identifiers that need only be
// unlikely to collide, not secret.
export function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  const c = (globalThis as { crypto?: { getRandomValues?(a: Uint8Array): Uint8Array } }).crypto;
  if (c?.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < n; i++) b[i] = Math.floor(Math.random() * 256);
  return b;
}

export function randomU32(): number {
  const b = randomBytes(4);
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}
