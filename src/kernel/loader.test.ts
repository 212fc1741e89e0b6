// The loader's image cache against files that change: a program rewritten in place — at the
// same size, within the same millisecond as the last run read it, or with its mtime put back —
// runs its new code, and a program that has not changed is not read again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isErr } from '../abi/errno.js';
import { bootWithFs } from '../../tests/c/harness.js';
import { writeFile } from '../../tests/kernel-harness.js';
import { exitModule } from '../../tests/wasm-bytes.js';
import type { Answer, Scheme } from './scheme.js';
import { settle } from './settle.js';

test('the loader keeps compiled programs only while their files are unchanged', async (t) => {
  const { t: k, fs } = await bootWithFs(2);
  t.after(() => k.shutdown());
  if (!fs) return t.skip('ramfsd is not built');
  const modules: WebAssembly.Module[] = [];
  const host = k.k.host;
  const compile = host.compileWasm.bind(host);
  host.compileWasm = async (b) => {
    const m = await compile(b);
    modules.push(m);
    return m;
  };
  const as = k.k.kernelContext();
  /** Asks the file's scheme directly (no program needed), as the kernel's own process. */
  const onFile = async <T>(path: string, op: (scheme: Scheme, ref: string) => Answer<T>): Promise<T> => {
    const r = k.k.resolve(as, path);
    if (isErr(r)) throw new Error(`${path}: ${r}`);
    const v = await settle(() => op(r.scheme, r.ref));
    if (isErr(v)) throw new Error(`${path}: ${v}`);
    return v;
  };
  const status = async (path: string): Promise<number | null> => (await k.run(path, [path])).code;

  await t.test('a binary rewritten in place at the same size runs its new code at once', async () => {
    for (let s = 1; s <= 24; s++) {
      await writeFile(k.k, '/usr/bin/prog', exitModule(s));
      assert.equal(await status('/usr/bin/prog'), s, `first run after write ${s}`);
      assert.equal(await status('/usr/bin/prog'), s, `second run after write ${s}`);
    }
  });

  await t.test('a settled binary is read once; a copy shares its module; a change is seen', async () => {
    await writeFile(k.k, '/usr/bin/same', exitModule(50));
    await writeFile(k.k, '/usr/bin/copy', exitModule(50));
    await writeFile(k.k, '/usr/bin/moved', exitModule(52));
    // Older than the loader's window for racy timestamps, so their identities are trusted.
    await new Promise((r) => setTimeout(r, 1100));
    const before = modules.length;
    for (let i = 0; i < 5; i++) assert.equal(await status('/usr/bin/same'), 50);
    assert.equal(modules.length - before, 1, 'read and handed to the compiler once');
    assert.equal(await status('/usr/bin/copy'), 50);
    assert.equal(modules.at(-1), modules.at(-2), 'the same bytes at another path get the same compiled module');

    // Rewritten at the same size with its old mtime put back: the ctime still moves.
    const old = await onFile('/usr/bin/same', (s, ref) => s.stat(ref, false, as.caller()));
    await writeFile(k.k, '/usr/bin/same', exitModule(51));
    await onFile('/usr/bin/same', (s, ref) => s.utimens(ref, old.mtimeMs, old.mtimeMs, as.caller()));
    assert.equal(await status('/usr/bin/same'), 51);

    // Removed and made again: a new inode.
    assert.equal(await status('/usr/bin/moved'), 52);
    await onFile('/usr/bin/moved', (s, ref) => s.unlink(ref, as.caller()));
    await writeFile(k.k, '/usr/bin/moved', exitModule(53));
    assert.equal(await status('/usr/bin/moved'), 53);
  });
});
