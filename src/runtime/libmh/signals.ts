// Signal handlers for TypeScript programs. The kernel performs default actions itself; for a
// signal with a handler it sets a bit in the channel and interrupts a blocking call, and the
// handler runs here, on the program's own thread, when the current syscall returns — the
// moment a POSIX process runs its handlers too. A program computing without making syscalls
// runs its handlers at its next call.

import { SIG_DFL, SIG_HANDLER, SIG_IGN } from '../../abi/signal.js';
import { check } from './error.js';
import { proc } from './process.js';

export type SignalHandler = (sig: number) => void;

let running = false;

export function runSignalHandlers(): void {
  if (running) return;
  const p = proc();
  running = true;
  try {
    const mask = p.sys.sigtake() >>> 0;
    for (let sig = 1; sig < 32; sig++) {
      if (mask & (1 << (sig - 1))) p.handlers.get(sig)?.(sig);
    }
  } finally {
    running = false;
  }
}

/** Installs a handler, or 'ignore' / 'default'. Returns nothing; throws on a bad signal. */
export function signal(sig: number, handler: SignalHandler | 'ignore' | 'default'): void {
  const p = proc();
  const action = handler === 'ignore' ? SIG_IGN : handler === 'default' ? SIG_DFL : SIG_HANDLER;
  check(p.sys.sigaction(sig, action), 'sigaction');
  if (typeof handler === 'function') p.handlers.set(sig, handler);
  else p.handlers.delete(sig);
}

export function sigprocmask(how: number, mask: number): number {
  return check(proc().sys.sigprocmask(how, mask), 'sigprocmask') >>> 0;
}
