// The program-side password hashing checked against node:crypto on the host: SHA-256 over
// lengths around the padding boundaries, HMAC with short and long keys, PBKDF2 over several
// iteration counts and output lengths, and the stored-hash format both sides write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { hashPassword, hmacSha256, pbkdf2Sha256, sha256, toHex, verifyPassword } from './hash.js';

test('sha256 agrees with node:crypto across block boundaries', () => {
  for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 4097]) {
    const data = randomBytes(n);
    assert.equal(toHex(sha256(data)), createHash('sha256').update(data).digest('hex'), `length ${n}`);
  }
  assert.equal(toHex(sha256(new TextEncoder().encode('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('hmac-sha256 agrees with node:crypto for short and long keys', () => {
  for (const [kl, ml] of [[0, 0], [5, 10], [64, 64], [65, 3], [200, 300]] as const) {
    const key = randomBytes(kl);
    const msg = randomBytes(ml);
    assert.equal(toHex(hmacSha256(key, msg)), createHmac('sha256', key).update(msg).digest('hex'));
  }
});

test('pbkdf2-sha256 agrees with node:crypto', () => {
  for (const [iter, len, pl] of [[1, 32, 8], [2, 20, 0], [1000, 32, 12], [7, 64, 70], [4096, 40, 9]] as const) {
    const pw = randomBytes(pl);
    const salt = randomBytes(16);
    assert.equal(toHex(pbkdf2Sha256(pw, salt, iter, len)), pbkdf2Sync(pw, salt, iter, len, 'sha256').toString('hex'), `${iter} rounds`);
  }
});

test('stored hashes: made here or on the host, verified here', () => {
  const salt = randomBytes(16);
  const stored = hashPassword('correct horse', salt, 1000);
  assert.ok(verifyPassword('correct horse', stored));
  assert.ok(!verifyPassword('correct hors', stored));
  const host = `$pbkdf2-sha256$1200$${salt.toString('hex')}$${pbkdf2Sync('pässwörd', salt, 1200, 32, 'sha256').toString('hex')}`;
  assert.ok(verifyPassword('pässwörd', host));
  assert.ok(verifyPassword('', ''));
  assert.ok(!verifyPassword('x', ''));
  for (const locked of ['!', '*', '$pbkdf2-sha256$0$00$00', '$md5$1$00$00', '$pbkdf2-sha256$10$zz$00']) assert.ok(!verifyPassword('', locked));
});
