import { test } from 'node:test';
import assert from 'node:assert/strict';
import { E, Redirect } from '../../abi/errno.js';
import { O } from '../../abi/flags.js';
import { Op } from '../../abi/scheme.js';
import { emptyStat } from '../../abi/stat.js';
import { ATTR_CACHE_ENTRIES, AttrCache } from './attrcache.js';

const key = AttrCache.key('/f', false, 0, 0);

test('an answer is kept only if nothing changed between its request and its reply', () => {
  const c = new AttrCache();
  const st = emptyStat();
  const sent = c.generation;
  c.begin(); // a change sent while the stat was out
  c.put(key, sent, st);
  assert.equal(c.get(key), undefined);
  c.end();
  c.put(key, sent, st);
  assert.equal(c.get(key), undefined, 'answered after the change, but asked before it');
  c.put(key, c.generation, st);
  assert.equal(c.get(key), st);
});

test('nothing is kept or given while a change is in flight', () => {
  const c = new AttrCache();
  c.put(key, c.generation, E.ENOENT);
  assert.equal(c.get(key), E.ENOENT);
  c.begin();
  assert.equal(c.get(key), undefined);
  c.put(key, c.generation, E.ENOENT);
  assert.equal(c.get(key), undefined);
  c.end();
  c.put(key, c.generation, E.ENOENT);
  assert.equal(c.get(key), E.ENOENT);
  c.bump();
  assert.equal(c.get(key), undefined, 'a one-way change');
});

test('only failures a lookup gives again are kept; redirects never', () => {
  const c = new AttrCache();
  for (const [v, kept] of [[E.ENOENT, true], [E.ENOTDIR, true], [E.EACCES, true], [E.EIO, false], [E.ENOMEM, false], [new Redirect('/scheme/null'), false]] as const) {
    c.put(key, c.generation, v);
    assert.equal(c.get(key) === v, kept, String(v));
    c.clear();
  }
});

test('keys tell stat from lstat and one caller\'s ids from another\'s', () => {
  const keys = new Set([AttrCache.key('/f', false, 0, 0), AttrCache.key('/f', true, 0, 0), AttrCache.key('/f', false, 1000, 0), AttrCache.key('/f', false, 0, 100), AttrCache.key('/g', false, 0, 0)]);
  assert.equal(keys.size, 5);
});

test('what counts as a change', () => {
  const c = new AttrCache();
  for (const op of [Op.STAT, Op.FSTAT, Op.READLINK, Op.STATVFS, Op.CANCEL]) assert.equal(c.changes(op, 1, 0), false, `op ${op}`);
  for (const op of [Op.READ, Op.GETDENTS, Op.WRITE, Op.FTRUNCATE, Op.FSYNC, Op.DUP, Op.MKDIR, Op.RMDIR, Op.UNLINK, Op.RENAME, Op.LINK, Op.SYMLINK, Op.CHMOD, Op.CHOWN, Op.UTIMENS, Op.FCHMOD, Op.FCHOWN, Op.FUTIMENS, 999]) {
    assert.equal(c.changes(op, 1, 0), true, `op ${op}`);
  }
  assert.equal(c.changes(Op.OPEN, 0, O.RDONLY), false);
  for (const f of [O.WRONLY, O.RDWR, O.RDONLY | O.CREAT, O.RDONLY | O.TRUNC]) assert.equal(c.changes(Op.OPEN, 0, f), true);
  c.opened(5, O.RDONLY);
  c.opened(6, O.RDWR);
  assert.equal(c.changes(Op.CLOSE, 5, 0), false);
  assert.equal(c.changes(Op.CLOSE, 5, 0), true, 'the handle number may be reused for anything');
  assert.equal(c.changes(Op.CLOSE, 6, 0), true);
  assert.equal(c.changes(Op.CLOSE, 7, 0), true);
});

test('the cache is bounded', () => {
  const c = new AttrCache();
  const st = emptyStat();
  for (let i = 0; i <= ATTR_CACHE_ENTRIES; i++) c.put(AttrCache.key(`/f${i}`, false, 0, 0), c.generation, st);
  assert.equal(c.get(AttrCache.key('/f0', false, 0, 0)), undefined);
  assert.equal(c.get(AttrCache.key(`/f${ATTR_CACHE_ENTRIES}`, false, 0, 0)), st);
});
