// Runs a scheme operation to completion from inside the kernel (loading an executable, for
// instance), turning its three kinds of answer into one promise.

import type { Result } from '../abi/errno.js';
import type { Answer } from './scheme.js';
import { WouldBlock } from './waitqueue.js';

export async function settle<T>(op: () => Answer<T>): Promise<Result<T>> {
  for (;;) {
    const a = op();
    if (a instanceof WouldBlock) {
      await new Promise<void>((resolve) => {
        const removers: (() => void)[] = [];
        const done = (): void => {
          for (const r of removers) r();
          resolve();
        };
        for (const q of a.queues) removers.push(q.add(done));
      });
      continue;
    }
    return a instanceof Promise ? await a : a;
  }
}
