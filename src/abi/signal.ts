// Signals: Linux numbers and default actions.

export const Sig = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8,
  SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15,
  SIGSTKFLT: 16, SIGCHLD: 17, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22,
  SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29,
  SIGPWR: 30, SIGSYS: 31,
} as const;

export type SigName = keyof typeof Sig;
export const NSIG = 32;

export enum Action {
  Terminate,
  Core,
  Ignore,
  Stop,
  Continue,
}

export function defaultAction(sig: number): Action {
  switch (sig) {
    case Sig.SIGCHLD: case Sig.SIGURG: case Sig.SIGWINCH:
      return Action.Ignore;
    case Sig.SIGCONT:
      return Action.Continue;
    case Sig.SIGSTOP: case Sig.SIGTSTP: case Sig.SIGTTIN: case Sig.SIGTTOU:
      return Action.Stop;
    case Sig.SIGQUIT: case Sig.SIGILL: case Sig.SIGTRAP: case Sig.SIGABRT: case Sig.SIGBUS:
    case Sig.SIGFPE: case Sig.SIGSEGV: case Sig.SIGXCPU: case Sig.SIGXFSZ: case Sig.SIGSYS:
      return Action.Core;
    default:
      return Action.Terminate;
  }
}

/** sigaction's action argument: the default, ignore, or "a handler in the program". */
export const SIG_DFL = 0;
export const SIG_IGN = 1;
export const SIG_HANDLER = 2;

export const SIG_BLOCK = 0;
export const SIG_UNBLOCK = 1;
export const SIG_SETMASK = 2;

const names = new Map<number, string>(Object.entries(Sig).map(([k, v]) => [v, k]));
export function signalName(sig: number): string {
  return names.get(sig) ?? `SIG${sig}`;
}

export function sigbit(sig: number): number {
  return 1 << (sig - 1);
}
