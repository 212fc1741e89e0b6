/*
 * Signal dispositions for C programs on MACROHARD. The kernel performs default actions and
 * ignores what is ignored; a handler is a function of the program that the runtime calls
 * (through the exported function table) when a syscall returns with the signal pending, the
 * moment a POSIX process would run it. Compiled with -D_WASI_EMULATED_SIGNAL for wasi-libc's
 * <signal.h>; replaces libwasi-emulated-signal, whose signals never leave the process. Also
 * sigaction (over signal), signal sets, sigprocmask, and the stdio stream locks.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
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

int sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
  void (*prev)(int);
  if (act) {
    prev = signal(sig, act->sa_handler);
    if (prev == SIG_ERR) return -1;
  } else {
    /* Ask without changing: install the current disposition again. */
    prev = signal(sig, SIG_DFL);
    if (prev == SIG_ERR || signal(sig, prev) == SIG_ERR) return -1;
  }
  if (old) {
    memset(old, 0, sizeof *old);
    old->sa_handler = prev;
  }
  return 0;
}

/* Signal sets: bit (sig - 1) of the first word, as the kernel's masks. */
int sigemptyset(sigset_t *set) { memset(set, 0, sizeof *set); return 0; }
int sigfillset(sigset_t *set) { memset(set, 0xff, sizeof *set); return 0; }

static int bad(int sig) {
  if (sig >= 1 && sig <= 31) return 0;
  errno = EINVAL;
  return 1;
}
int sigaddset(sigset_t *set, int sig) { if (bad(sig)) return -1; ((unsigned long *)set)[0] |= 1ul << (sig - 1); return 0; }
int sigdelset(sigset_t *set, int sig) { if (bad(sig)) return -1; ((unsigned long *)set)[0] &= ~(1ul << (sig - 1)); return 0; }
int sigismember(const sigset_t *set, int sig) { if (bad(sig)) return -1; return (((const unsigned long *)set)[0] >> (sig - 1)) & 1; }

int sigprocmask(int how, const sigset_t *set, sigset_t *old) {
  int r = __mh_sigprocmask(set ? how : -1, set ? (int)((const unsigned long *)set)[0] : 0);
  if (r < 0 && r > -4096) {
    errno = -r;
    return -1;
  }
  if (old) {
    memset(old, 0, sizeof *old);
    ((unsigned long *)old)[0] = (unsigned)r;
  }
  return 0;
}

void flockfile(struct _IO_FILE *f) { (void)f; }
void funlockfile(struct _IO_FILE *f) { (void)f; }
int ftrylockfile(struct _IO_FILE *f) { (void)f; return 0; }
