// A daemon's answer that is not there yet, delivered synchronously when it arrives.
//
// A user scheme's reply is handled while the kernel takes the daemon's write; if the answer
// travelled as an ordinary promise, the waiting caller would be answered only after the
// dispatcher's polling loop had returned and the microtask queue had run its chain of
// reactions (and the loop had been scheduled again). A Completion is a promise too — code that
// awaits it still works — but it also has listeners called at once when it completes, and
// `map` chains them, so the syscall that waits on it is answered within the daemon's write.
//
// It passes `instanceof Promise` (its prototype chain goes through Promise.prototype), so that
// every such test in the kernel keeps taking the slow path it knows; only the dispatcher and
// the user-scheme call paths use the synchronous side. It is not built by the Promise
// constructor, though: a stat through a daemon makes a chain of three or four of them, and a
// Promise subclass costs several times a plain object to make. The real promise behind `then`
// is made only when somebody awaits it, which the request path never does.

import { E, Err } from '../abi/errno.js';

/** What a `map` function threw: the waiting call fails with EIO and the error is logged. */
export class KernelBug extends Err {
  constructor(readonly error: unknown) {
    super(E.EIO.errno);
  }
}

export class Completion<T> implements Promise<T> {
  /** Completions awaited as promises that have completed: their reactions wait as microtasks. */
  static observedSettles = 0;

  private listener: ((v: T) => void) | null = null;
  private settled = false;
  private value: T | undefined = undefined;
  /** The promise behind `then`, made when it is first asked for. */
  private promise: Promise<T> | null = null;
  private resolveFn: ((v: T) => void) | null = null;
  /** Withdraws the request (a signal interrupted the caller). */
  cancel?: () => void = undefined;
  /** The pid of the daemon that will answer (0 when unknown). */
  server = 0;

  static create<T>(): Completion<T> {
    return new Completion<T>();
  }

  get [Symbol.toStringTag](): string {
    return 'Promise';
  }

  then<A = T, B = never>(onDone?: ((v: T) => A | PromiseLike<A>) | null, onFail?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    if (this.promise === null) {
      if (this.settled) this.promise = Promise.resolve(this.value as T);
      else this.promise = new Promise<T>((r) => (this.resolveFn = r));
    }
    return this.promise.then(onDone, onFail);
  }

  catch<B = never>(onFail?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.then(undefined, onFail);
  }

  finally(f?: (() => void) | null): Promise<T> {
    return this.then(
      (v) => (f?.(), v),
      (e: unknown) => {
        f?.();
        throw e;
      },
    );
  }

  complete(v: T): void {
    if (this.settled) return;
    this.settled = true;
    this.value = v;
    if (this.resolveFn !== null) {
      this.resolveFn(v);
      Completion.observedSettles++;
    }
    const l = this.listener;
    this.listener = null;
    l?.(v);
  }

  /** Calls `f` when the value arrives: now if it is already there. */
  listen(f: (v: T) => void): void {
    if (this.settled) return f(this.value as T);
    const prev = this.listener;
    this.listener = prev === null ? f : (v) => (prev(v), f(v));
  }

  /** A completion of `f`'s result, computed synchronously when this one completes. */
  map<U>(f: (v: T) => U | Promise<U>): Completion<U | KernelBug> {
    const next = new Completion<U | KernelBug>();
    if (this.cancel !== undefined) next.cancel = this.cancel;
    next.server = this.server;
    this.listen((v) => {
      let r: U | Promise<U>;
      try {
        r = f(v);
      } catch (e) {
        return next.complete(new KernelBug(e));
      }
      if (r instanceof Completion) (r as Completion<U>).listen((x) => next.complete(x));
      else if (r instanceof Promise) r.then((x) => next.complete(x), (e: unknown) => next.complete(new KernelBug(e)));
      else next.complete(r);
    });
    return next;
  }
}

// Code that tests `instanceof Promise` (and the host's own checks of a thenable) sees a promise.
Object.setPrototypeOf(Completion.prototype, Promise.prototype);
