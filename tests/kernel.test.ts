// The kernel driven through real programs running as processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootKernel } from './kernel-harness.js';

test('a program runs, prints, and exits with its status', async () => {
  const t = bootKernel();
  try {
    const r = await t.run('hello', ['hello', 'world']);
    assert.equal(r.stdout, 'hello world\n');
    assert.equal(r.code, 0);
  } finally {
    t.shutdown();
  }
});
