import { test } from 'node:test';
import assert from 'node:assert/strict';
import { E } from '../abi/errno.js';
import { Completion, KernelBug } from './completion.js';

test('a mapped chain delivers synchronously, inside complete()', () => {
  const c = Completion.create<number>();
  const seen: string[] = [];
  c.map((v) => v * 2).map((v) => `got ${v}`).listen((s) => seen.push(s as string));
  assert.deepEqual(seen, []);
  c.complete(21);
  assert.deepEqual(seen, ['got 42']);
  c.complete(5); // only the first answer counts
  assert.deepEqual(seen, ['got 42']);
});

test('a listener added after completion runs at once; several listeners all run', () => {
  const c = Completion.create<string>();
  const seen: string[] = [];
  c.listen((v) => seen.push(`a ${v}`));
  c.listen((v) => seen.push(`b ${v}`));
  c.complete('x');
  c.listen((v) => seen.push(`c ${v}`));
  assert.deepEqual(seen, ['a x', 'b x', 'c x']);
});

test('cancel and the serving pid reach the end of a chain', () => {
  const c = Completion.create<number>();
  let cancelled = 0;
  c.cancel = () => cancelled++;
  c.server = 42;
  const end = c.map((v) => v + 1).map((v) => v);
  assert.equal(end.server, 42);
  end.cancel?.();
  assert.equal(cancelled, 1);
});

test('a map function that throws completes the chain with a KernelBug (EIO)', () => {
  const c = Completion.create<number>();
  let got: unknown = null;
  c.map((): number => {
    throw new Error('boom');
  }).listen((v) => (got = v));
  c.complete(1);
  assert.ok(got instanceof KernelBug);
  assert.equal((got as KernelBug).errno, E.EIO.errno);
  assert.equal(((got as KernelBug).error as Error).message, 'boom');
});

test('a map function may answer with a promise or another completion', async () => {
  const c = Completion.create<number>();
  const inner = Completion.create<number>();
  const viaCompletion: number[] = [];
  c.map(() => inner).listen((v) => viaCompletion.push(v as number));
  c.complete(0);
  assert.deepEqual(viaCompletion, []);
  inner.complete(7);
  assert.deepEqual(viaCompletion, [7]);

  const d = Completion.create<number>();
  const viaPromise = d.map((v) => Promise.resolve(v * 3));
  d.complete(3);
  assert.equal(await viaPromise, 9);
});

test('awaiting works, and an awaited completion is counted so the dispatcher yields to it', async () => {
  const c = Completion.create<number>();
  const before = Completion.observedSettles;
  const p = (async () => (await c) + 1)();
  await Promise.resolve();
  c.complete(1);
  assert.equal(Completion.observedSettles, before + 1);
  assert.equal(await p, 2);
  const unobserved = Completion.create<number>();
  unobserved.complete(1);
  assert.equal(Completion.observedSettles, before + 1);
  // Derived promises are plain ones.
  assert.equal(Object.getPrototypeOf(c.then(() => 0)), Promise.prototype);
});
