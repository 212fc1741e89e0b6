// Wait queues: where a blocked syscall parks until the state it waits for may have changed.
// A waiter is a callback; waking runs them all once (the woken calls re-check their condition
// and park again if needed, as Linux's wait_event loops do).

export type Waiter = () => void;

export class WaitQueue {
  private waiters = new Set<Waiter>();

  /** Adds a waiter; the returned function removes it (when the call is interrupted). */
  add(w: Waiter): () => void {
    this.waiters.add(w);
    return () => this.waiters.delete(w);
  }

  get size(): number {
    return this.waiters.size;
  }

  wake(): void {
    if (this.waiters.size === 0) return;
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }
}

/**
 * How long a wait is expected to be. A Long one (a pipe with no writer in sight, a sleep)
 * tells the caller to sleep at once and leave the CPU to others; a Short one (a serving
 * daemon's read of its next request) lets it spin its usual budget first, since the wake-up
 * then costs an atomic load instead of a futex wake.
 */
export enum Wait {
  Long,
  Short,
}

/** What a scheme operation returns when it cannot finish yet: retry when `queue` wakes. */
export class WouldBlock {
  constructor(readonly queues: readonly WaitQueue[], readonly wait = Wait.Long) {}
}

export function wouldBlock(...queues: WaitQueue[]): WouldBlock {
  return new WouldBlock(queues);
}

export function shortWait(...queues: WaitQueue[]): WouldBlock {
  return new WouldBlock(queues, Wait.Short);
}
