// Password hashing for login, su and passwd: SHA-256 (FIPS 180-4), HMAC-SHA-256 (RFC 2104)
// and PBKDF2 (RFC 8018), written here because programs run without node:crypto. The image
// builder on the host uses node:crypto for the same format; hash.test.ts checks that both agree.
//
// A stored hash reads `$pbkdf2-sha256$ITERATIONS$SALT$DIGEST`, salt and digest in lower-case
// hex. An empty field means "no password"; anything not in this form (such as `!` or `*`)
// matches no password at all: the account is locked.

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const W = new Uint32Array(64);

/** One compression: folds the 64-byte block at `words` (already big-endian words) into `h`. */
function compress(h: Uint32Array, words: Uint32Array): void {
  for (let i = 0; i < 16; i++) W[i] = words[i]!;
  for (let i = 16; i < 64; i++) {
    const a = W[i - 15]!;
    const b = W[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, hh = h[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (hh + S1 + ch + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    hh = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] = h[0]! + a; h[1] = h[1]! + b; h[2] = h[2]! + c; h[3] = h[3]! + d;
  h[4] = h[4]! + e; h[5] = h[5]! + f; h[6] = h[6]! + g; h[7] = h[7]! + hh;
}

/** SHA-256 of `data`, continuing from state `h` after `prefixBytes` already hashed (a multiple of 64). */
function sha256From(h: Uint32Array, data: Uint8Array, prefixBytes: number): Uint8Array {
  const total = prefixBytes + data.length;
  const padded = new Uint8Array(((data.length + 9 + 63) >> 6) << 6);
  padded.set(data);
  padded[data.length] = 0x80;
  const dv = new DataView(padded.buffer);
  // The length in bits, as a 64-bit big-endian number (two 32-bit halves: no BigInt needed).
  dv.setUint32(padded.length - 8, Math.floor(total / 0x20000000));
  dv.setUint32(padded.length - 4, (total * 8) >>> 0);
  const words = new Uint32Array(16);
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) words[i] = dv.getUint32(off + i * 4);
    compress(h, words);
  }
  const out = new Uint8Array(32);
  const ov = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) ov.setUint32(i * 4, h[i]!);
  return out;
}

export function sha256(data: Uint8Array): Uint8Array {
  return sha256From(Uint32Array.from(IV), data, 0);
}

/** The inner and outer states of HMAC-SHA-256 for a key, after their 64-byte pads. */
function hmacStates(key: Uint8Array): { inner: Uint32Array; outer: Uint32Array } {
  const k = new Uint8Array(64);
  k.set(key.length > 64 ? sha256(key) : key);
  const state = (pad: number): Uint32Array => {
    const h = Uint32Array.from(IV);
    const words = new Uint32Array(16);
    for (let i = 0; i < 16; i++) words[i] = (((k[i * 4]! ^ pad) << 24) | ((k[i * 4 + 1]! ^ pad) << 16) | ((k[i * 4 + 2]! ^ pad) << 8) | (k[i * 4 + 3]! ^ pad)) >>> 0;
    compress(h, words);
    return h;
  };
  return { inner: state(0x36), outer: state(0x5c) };
}

export function hmacSha256(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const { inner, outer } = hmacStates(key);
  return sha256From(outer, sha256From(inner, msg, 64), 64);
}

/**
 * PBKDF2-HMAC-SHA-256. The iteration loop works on words with the two key states computed
 * once: each round is exactly two compressions, which keeps 100,000 rounds near a tenth of a
 * second in a program.
 */
export function pbkdf2Sha256(password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Uint8Array {
  const { inner, outer } = hmacStates(password);
  const out = new Uint8Array(length);
  const h = new Uint32Array(8);
  // A 32-byte message after a 64-byte prefix pads to one block: digest, 0x80, length 96*8 bits.
  const block = new Uint32Array(16);
  block[8] = 0x80000000;
  block[15] = (64 + 32) * 8;
  for (let index = 1, pos = 0; pos < length; index++, pos += 32) {
    const first = new Uint8Array(salt.length + 4);
    first.set(salt);
    new DataView(first.buffer).setUint32(salt.length, index);
    const u = hmacSha256(password, first);
    const uv = new DataView(u.buffer);
    const t = new Uint32Array(8);
    for (let i = 0; i < 8; i++) t[i] = block[i] = uv.getUint32(i * 4);
    for (let r = 1; r < iterations; r++) {
      h.set(inner);
      compress(h, block);
      for (let i = 0; i < 8; i++) block[i] = h[i]!;
      h.set(outer);
      compress(h, block);
      for (let i = 0; i < 8; i++) {
        block[i] = h[i]!;
        t[i] = t[i]! ^ h[i]!;
      }
    }
    const tb = new Uint8Array(32);
    const tv = new DataView(tb.buffer);
    for (let i = 0; i < 8; i++) tv.setUint32(i * 4, t[i]!);
    out.set(tb.subarray(0, Math.min(32, length - pos)), pos);
  }
  return out;
}

export const HASH_SCHEME = 'pbkdf2-sha256';
export const DEFAULT_ITERATIONS = 50_000;

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function fromHex(s: string): Uint8Array | null {
  if (s.length % 2 || !/^[0-9a-f]*$/.test(s)) return null;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** The stored form of a password hashed with `salt` (16 random bytes, from the caller). */
export function hashPassword(password: string, salt: Uint8Array, iterations = DEFAULT_ITERATIONS): string {
  const dk = pbkdf2Sha256(new TextEncoder().encode(password), salt, iterations, 32);
  return `$${HASH_SCHEME}$${iterations}$${toHex(salt)}$${toHex(dk)}`;
}

/** Does `password` match the stored hash? Empty stored: only the empty password does. */
export function verifyPassword(password: string, stored: string): boolean {
  if (stored === '') return password === '';
  const parts = stored.split('$');
  if (parts.length !== 5 || parts[0] !== '' || parts[1] !== HASH_SCHEME) return false;
  const iterations = Number(parts[2]);
  const salt = fromHex(parts[3]!);
  const want = fromHex(parts[4]!);
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 10_000_000 || !salt || !want || want.length === 0) return false;
  const got = pbkdf2Sha256(new TextEncoder().encode(password), salt, iterations, want.length);
  // Compare every byte, so the time taken does not tell how much of a guess was right.
  let diff = 0;
  for (let i = 0; i < want.length; i++) diff |= got[i]! ^ want[i]!;
  return diff === 0;
}
