/*
 * Signal dispositions for C programs on MACROHARD. The kernel performs default actions and
 * ignores what is ignored; a handler is a function of the program that the runtime calls
 * (through the exported function table) when a syscall returns with the signal pending, the
 * moment a POSIX process would run it. Compiled with -D_WASI_EMULATED_SIGNAL for wasi-libc's
 * <signal.h>; replaces libwasi-emulated-signal, whose signals never leave the process.
 */
#include <errno.h>
#include <signal.h>
#include "macrohard.h"

/* SIG_IGN and SIG_ERR are the addresses of these (index 1 is a valid function on wasm). */
void __SIG_IGN(int sig) { (void)sig; }
void __SIG_ERR(int sig) { (void)sig; }

static void (*handlers[65])(int);

void (*signal(int sig, void (*handler)(int)))(int) {
  if (sig < 1 || sig > 31) {
    errno = EINVAL;
    return SIG_ERR;
  }
  int kind = handler == SIG_DFL ? 0 : handler == SIG_IGN ? 1 : 2;
  int r = __mh_sigaction(sig, kind, kind == 2 ? handler : 0);
  if (r < 0) {
    errno = -r;
    return SIG_ERR;
  }
  void (*prev)(int) = r == 0 ? SIG_DFL : r == 1 ? SIG_IGN : handlers[sig];
  handlers[sig] = kind == 2 ? handler : 0;
  return prev;
}

int raise(int sig) { return kill(getpid(), sig); }
